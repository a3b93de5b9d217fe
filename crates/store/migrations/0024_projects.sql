-- Joint-tackling projects (issue #26): started from a bottleneck-technology need with its
-- qualified partners; members, milestones, outcomes and status travel in `doc` (JSON), the
-- columns that lists filter on beside it; `project_members` answers "which projects is this
-- firm in".
CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    need_id TEXT NOT NULL,
    owner_uscc TEXT NOT NULL,
    status TEXT NOT NULL,
    doc TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX projects_owner ON projects (owner_uscc, created_ms);
CREATE TABLE project_members (
    project_id TEXT NOT NULL,
    uscc TEXT NOT NULL,
    PRIMARY KEY (project_id, uscc)
);
CREATE INDEX project_members_uscc ON project_members (uscc);
