//! Joint-tackling projects and their member firms.

use crate::record::{insert, record, replace, select};
use crate::tables::Val;
use crate::{Result, Store, WriteTx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRow {
    pub id: String,
    pub need_id: String,
    pub owner_uscc: String,
    /// `active`, `completed` or `abandoned`.
    pub status: String,
    /// The project's title, members, milestones and outcomes (JSON; the application's shape).
    pub doc: String,
    pub created_by: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

record!(ProjectRow in "projects" {
    id, need_id, owner_uscc, status, doc, created_by, created_ms, updated_ms,
});

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MemberRow {
    project_id: String,
    uscc: String,
}

record!(MemberRow in "project_members" { project_id, uscc });

impl Store {
    /// A new project with its member firms.
    pub async fn insert_project(
        tx: &mut WriteTx,
        r: &ProjectRow,
        members: &[String],
    ) -> Result<()> {
        insert(tx, std::slice::from_ref(r)).await?;
        let rows: Vec<MemberRow> = members
            .iter()
            .map(|u| MemberRow {
                project_id: r.id.clone(),
                uscc: u.clone(),
            })
            .collect();
        insert(tx, &rows).await
    }
    pub async fn put_project(tx: &mut WriteTx, r: &ProjectRow) -> Result<bool> {
        replace(tx, r, 1).await
    }
    pub async fn project_in(tx: &mut WriteTx, id: &str) -> Result<Option<ProjectRow>> {
        Ok(select(tx.conn(), "id = $1", &[Val::t(id)], "")
            .await?
            .into_iter()
            .next())
    }
    pub async fn project(&self, id: &str) -> Result<Option<ProjectRow>> {
        let mut c = self.pool().acquire().await?;
        Ok(select(&mut c, "id = $1", &[Val::t(id)], "")
            .await?
            .into_iter()
            .next())
    }
    /// Projects, newest first: all, or those a firm owns or is a member of.
    pub async fn projects(&self, firm: Option<&str>, limit: i64) -> Result<Vec<ProjectRow>> {
        let mut c = self.pool().acquire().await?;
        match firm {
            None => {
                select(
                    &mut c,
                    "1 = 1",
                    &[Val::i(limit)],
                    "ORDER BY created_ms DESC, id LIMIT $1",
                )
                .await
            }
            Some(u) => select(
                &mut c,
                "owner_uscc = $1 OR id IN (SELECT project_id FROM project_members WHERE uscc = $1)",
                &[Val::t(u), Val::i(limit)],
                "ORDER BY created_ms DESC, id LIMIT $2",
            )
            .await,
        }
    }
}
