//! Joint-tackling projects: a head enterprise (or the joint office) starts one from a
//! bottleneck-technology need with the candidates it has qualified; the project has its
//! members, milestones with due dates, outcomes (patents, products, contracts) and a status.
//! A milestone not done by its due date is overdue, flagged in every view. The owner and the
//! office change a project; its members read it; the office sees all. Every change is an
//! event in the project's chain `project:<id>`.

use super::*;
use corridor_store::ProjectRow;

const MAX_MEMBERS: usize = 20;
const MAX_MILESTONES: usize = 50;
const MAX_OUTCOMES: usize = 100;

/// A milestone to add.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMilestone {
    #[schema(max_length = 200)]
    pub title: String,
    /// `YYYY-MM-DD`.
    pub due: String,
}

/// A project to start.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    /// The bottleneck-technology need it tackles.
    pub need_id: String,
    /// The partners: candidates of the need the owner has qualified (at least one).
    pub partners: Vec<String>,
    #[schema(max_length = 200)]
    pub title: String,
    #[serde(default)]
    pub milestones: Vec<NewMilestone>,
}

/// What an outcome is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Patent,
    Product,
    Contract,
}

/// One change to a project.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum ProjectOp {
    AddMilestone {
        title: String,
        due: String,
    },
    /// Marks milestone `index` (its position) done on `on` (`YYYY-MM-DD`, today if absent).
    CompleteMilestone {
        index: usize,
        #[serde(default)]
        on: Option<String>,
    },
    AddOutcome {
        kind: OutcomeKind,
        text: String,
    },
    /// Every milestone must be done.
    Complete,
    Abandon {
        reason: String,
    },
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Milestone {
    pub title: String,
    pub due: String,
    pub done_on: Option<String>,
    /// Not done and past its due date (worked out when shown).
    #[serde(default)]
    pub overdue: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Outcome {
    pub kind: OutcomeKind,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
struct ProjectDoc {
    title: String,
    members: Vec<String>,
    milestones: Vec<Milestone>,
    outcomes: Vec<Outcome>,
    #[serde(default)]
    reason: Option<String>,
}

/// A member firm.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Member {
    pub uscc: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProjectView {
    pub id: String,
    pub need_id: String,
    pub title: String,
    pub owner: Member,
    /// `active`, `completed` or `abandoned`.
    pub status: String,
    pub members: Vec<Member>,
    pub milestones: Vec<Milestone>,
    /// How many milestones are overdue.
    pub overdue: usize,
    pub outcomes: Vec<Outcome>,
    /// Why it was abandoned.
    pub reason: Option<String>,
    pub created: String,
}

/// Needs solicited, projects started and completed, and those with an overdue milestone.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ProjectCounts {
    pub bottleneck_needs: i64,
    pub started: i64,
    pub completed: i64,
    pub overdue: i64,
}

fn bad(f: &str, en: &str, zh: &str) -> AppError {
    field_err(f, en, zh)
}

fn line(errs: &mut Vec<FieldError>, f: &str, s: &str, max: usize) -> String {
    match corridor_domain::text::required(f, s, corridor_domain::text::Limit::line(max)) {
        Ok(v) => v,
        Err(e) => {
            errs.push(e);
            String::new()
        }
    }
}

impl App {
    /// Starts a project from a bottleneck-technology need with its qualified partners.
    pub async fn start_project(&self, p: &Principal, n: &NewProject) -> AppResult<ProjectView> {
        let need = self
            .store
            .need(&n.need_id)
            .await?
            .ok_or_else(|| bad("need_id", "no such need", "没有该需求"))?;
        match self.scope(p).await? {
            Scope::All => {}
            Scope::Own(u) if u == need.owner_uscc => {}
            Scope::Own(_) => {
                return Err(AppError::forbidden(
                    "a project is started by the need's owner or the joint office",
                )
                .with_zh("项目由需求方或联席办发起"))
            }
        }
        if need.kind != NeedKind::BottleneckTechnology.as_str() {
            return Err(bad(
                "need_id",
                "joint-tackling projects start from bottleneck-technology needs",
                "联合攻关项目须源自“卡脖子”技术需求",
            ));
        }
        let mut errs = Vec::new();
        let title = line(&mut errs, "title", &n.title, 200);
        let mut members = Vec::new();
        if n.partners.is_empty() || n.partners.len() > MAX_MEMBERS {
            errs.push(FieldError::new(
                "partners",
                "one to 20 partners",
                "须有 1 至 20 个合作方",
            ));
        }
        for u in n.partners.iter().take(MAX_MEMBERS) {
            let u = u.trim().to_string();
            let qualified = self
                .store
                .match_of(&need.id, &u)
                .await?
                .is_some_and(|m| m.stage == Stage::Qualified.as_str());
            if !qualified {
                errs.push(FieldError::new(
                    "partners",
                    format!("{u} is not a qualified candidate of this need"),
                    format!("{u} 不是该需求已认定合格的候选企业"),
                ));
            } else if !members.contains(&u) {
                members.push(u);
            }
        }
        let milestones = self.milestones(&mut errs, &n.milestones);
        if !errs.is_empty() {
            return Err(AppError::fields(errs));
        }
        let doc = ProjectDoc {
            title,
            members: members.clone(),
            milestones,
            outcomes: Vec::new(),
            reason: None,
        };
        let now = self.now_ms();
        let row = ProjectRow {
            id: Uuid::now_v7().to_string(),
            need_id: need.id.clone(),
            owner_uscc: need.owner_uscc.clone(),
            status: "active".into(),
            doc: serde_json::to_string(&doc).map_err(AppError::internal)?,
            created_by: p.username.clone(),
            created_ms: now,
            updated_ms: now,
        };
        let r = row.clone();
        self.write(Box::new(move |tx| {
            let (r, members) = (r.clone(), members.clone());
            Box::pin(async move {
                Store::insert_project(tx, &r, &members).await?;
                project_event(tx, &r, "start", &serde_json::json!({"members": members})).await
            })
        }))
        .await?;
        self.project_view(&row).await
    }

    fn milestones(&self, errs: &mut Vec<FieldError>, m: &[NewMilestone]) -> Vec<Milestone> {
        if m.len() > MAX_MILESTONES {
            errs.push(FieldError::new(
                "milestones",
                "at most 50 milestones",
                "最多 50 个里程碑",
            ));
        }
        m.iter()
            .take(MAX_MILESTONES)
            .map(|x| Milestone {
                title: line(errs, "milestones.title", &x.title, 200),
                due: parse_day(&x.due, "milestones.due")
                    .map(|d| d.to_string())
                    .unwrap_or_else(|e| {
                        errs.extend(e.fields);
                        String::new()
                    }),
                done_on: None,
                overdue: false,
            })
            .collect()
    }

    /// One change to a project (its owner or the joint office, while it is active).
    pub async fn change_project(
        &self,
        p: &Principal,
        id: &str,
        op: &ProjectOp,
    ) -> AppResult<ProjectView> {
        let row = self.visible_project(p, id).await?;
        if let Scope::Own(u) = self.scope(p).await? {
            if u != row.owner_uscc {
                return Err(AppError::forbidden(
                    "the project's owner and the joint office change it; members read it",
                )
                .with_zh("项目由发起方和联席办维护，成员可查看"));
            }
        }
        let today = self.today();
        let mut errs = Vec::new();
        // Checked here; applied to the stored project in the writer.
        let op = match op {
            ProjectOp::AddMilestone { title, due } => {
                let m = self.milestones(
                    &mut errs,
                    &[NewMilestone {
                        title: title.clone(),
                        due: due.clone(),
                    }],
                );
                Checked::Milestone(m.into_iter().next())
            }
            ProjectOp::CompleteMilestone { index, on } => {
                let on = match on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                    Some(s) => parse_day(s, "on")?,
                    None => today,
                };
                if on > today {
                    return Err(bad("on", "not a date to come", "不能晚于今天"));
                }
                Checked::Done(*index, on.to_string())
            }
            ProjectOp::AddOutcome { kind, text } => {
                let text = match corridor_domain::text::required(
                    "text",
                    text,
                    corridor_domain::text::Limit::paragraph(1000),
                ) {
                    Ok(t) => t,
                    Err(e) => return Err(AppError::fields(vec![e])),
                };
                Checked::Outcome(Outcome { kind: *kind, text })
            }
            ProjectOp::Complete => Checked::Complete,
            ProjectOp::Abandon { reason } => {
                Checked::Abandon(line(&mut errs, "reason", reason, 1000))
            }
        };
        if !errs.is_empty() {
            return Err(AppError::fields(errs));
        }
        let (pid, now, actor) = (row.id.clone(), self.now_ms(), p.username.clone());
        self.write(Box::new(move |tx| {
            let (pid, op, actor) = (pid.clone(), op.clone(), actor.clone());
            Box::pin(async move {
                let mut r = Store::project_in(tx, &pid)
                    .await?
                    .ok_or_else(|| AppError::not_found(format!("project {pid}")))?;
                if r.status != "active" {
                    return Err(AppError::new(
                        ErrorCode::InvalidTransition,
                        format!("the project is {}", r.status),
                    )
                    .with_zh("项目已结束"));
                }
                let mut doc: ProjectDoc =
                    serde_json::from_str(&r.doc).map_err(AppError::internal)?;
                let (action, after) = apply(&mut doc, &mut r.status, op)?;
                r.doc = serde_json::to_string(&doc).map_err(AppError::internal)?;
                r.updated_ms = now;
                Store::put_project(tx, &r).await?;
                let mut ev = r.clone();
                ev.created_by = actor;
                project_event(tx, &ev, action, &after).await
            })
        }))
        .await?;
        let row = self.visible_project(p, id).await?;
        self.project_view(&row).await
    }

    async fn visible_project(&self, p: &Principal, id: &str) -> AppResult<ProjectRow> {
        let not_found =
            || AppError::not_found(format!("project {id}")).with_zh(format!("未找到项目 {id}"));
        let row = self.store.project(id).await?.ok_or_else(not_found)?;
        match self.scope(p).await? {
            Scope::All => Ok(row),
            Scope::Own(u) => {
                let doc: ProjectDoc = serde_json::from_str(&row.doc).map_err(AppError::internal)?;
                if u == row.owner_uscc || doc.members.contains(&u) {
                    Ok(row)
                } else {
                    Err(not_found())
                }
            }
        }
    }

    /// One project, for its owner, its members and the office.
    pub async fn project(&self, p: &Principal, id: &str) -> AppResult<ProjectView> {
        let row = self.visible_project(p, id).await?;
        self.project_view(&row).await
    }

    /// The projects the caller may see (the office: all), newest first.
    pub async fn projects(&self, p: &Principal) -> AppResult<Vec<ProjectView>> {
        let rows = match self.scope(p).await? {
            Scope::All => self.store.projects(None, 500).await?,
            Scope::Own(u) => self.store.projects(Some(&u), 500).await?,
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.project_view(r).await?);
        }
        Ok(out)
    }

    /// Needs solicited → projects started → completed, and those overdue, in the caller's
    /// scope.
    pub async fn project_counts(&self, p: &Principal) -> AppResult<ProjectCounts> {
        let own = match self.scope(p).await? {
            Scope::All => None,
            Scope::Own(u) => Some(u),
        };
        let (needs, _) = self.store.needs(own.as_deref(), i64::MAX, 0).await?;
        let mut c = ProjectCounts {
            bottleneck_needs: needs
                .iter()
                .filter(|n| n.kind == NeedKind::BottleneckTechnology.as_str())
                .count() as i64,
            ..Default::default()
        };
        for v in self.projects(p).await? {
            c.started += 1;
            c.completed += i64::from(v.status == "completed");
            c.overdue += i64::from(v.overdue > 0);
        }
        Ok(c)
    }

    async fn member(&self, uscc: &str) -> AppResult<Member> {
        let e = self.store.enterprise(uscc).await?;
        Ok(Member {
            uscc: uscc.to_string(),
            name_zh: e.as_ref().map(|e| e.name_zh.clone()).unwrap_or_default(),
            name_en: e.map(|e| e.name_en).unwrap_or_default(),
        })
    }

    async fn project_view(&self, r: &ProjectRow) -> AppResult<ProjectView> {
        let doc: ProjectDoc = serde_json::from_str(&r.doc).map_err(AppError::internal)?;
        let today = self.today().to_string();
        let milestones: Vec<Milestone> = doc
            .milestones
            .into_iter()
            .map(|mut m| {
                m.overdue = r.status == "active" && m.done_on.is_none() && m.due < today;
                m
            })
            .collect();
        let mut members = Vec::with_capacity(doc.members.len());
        for u in &doc.members {
            members.push(self.member(u).await?);
        }
        Ok(ProjectView {
            id: r.id.clone(),
            need_id: r.need_id.clone(),
            title: doc.title,
            owner: self.member(&r.owner_uscc).await?,
            status: r.status.clone(),
            members,
            overdue: milestones.iter().filter(|m| m.overdue).count(),
            milestones,
            outcomes: doc.outcomes,
            reason: doc.reason,
            created: crate::cases::rfc3339(r.created_ms),
        })
    }
}

/// A change checked against its own fields, to apply to the stored project.
#[derive(Debug, Clone)]
enum Checked {
    Milestone(Option<Milestone>),
    Done(usize, String),
    Outcome(Outcome),
    Complete,
    Abandon(String),
}

/// Applies a checked change to the project as stored: the audit action and what it records.
fn apply(
    doc: &mut ProjectDoc,
    status: &mut String,
    op: Checked,
) -> AppResult<(&'static str, serde_json::Value)> {
    Ok(match op {
        Checked::Milestone(Some(m)) => {
            if doc.milestones.len() >= MAX_MILESTONES {
                return Err(bad("title", "at most 50 milestones", "最多 50 个里程碑"));
            }
            let after = serde_json::json!({"title": m.title, "due": m.due});
            doc.milestones.push(m);
            ("add_milestone", after)
        }
        Checked::Milestone(None) => return Err(bad("title", "no milestone", "没有里程碑")),
        Checked::Done(i, on) => {
            let m = doc
                .milestones
                .get_mut(i)
                .ok_or_else(|| bad("index", "no milestone at this position", "没有该里程碑"))?;
            if m.done_on.is_some() {
                return Err(AppError::new(
                    ErrorCode::InvalidTransition,
                    "the milestone is done already",
                )
                .with_zh("该里程碑已完成"));
            }
            m.done_on = Some(on.clone());
            (
                "complete_milestone",
                serde_json::json!({"index": i, "on": on}),
            )
        }
        Checked::Outcome(o) => {
            if doc.outcomes.len() >= MAX_OUTCOMES {
                return Err(bad("text", "at most 100 outcomes", "最多 100 项成果"));
            }
            let after = serde_json::json!({"kind": o.kind, "text": o.text});
            doc.outcomes.push(o);
            ("add_outcome", after)
        }
        Checked::Complete => {
            if doc.milestones.iter().any(|m| m.done_on.is_none()) {
                return Err(AppError::new(
                    ErrorCode::InvalidTransition,
                    "a project is completed once every milestone is done",
                )
                .with_zh("所有里程碑完成后方可结项"));
            }
            *status = "completed".into();
            ("complete", serde_json::json!({}))
        }
        Checked::Abandon(reason) => {
            doc.reason = Some(reason.clone());
            *status = "abandoned".into();
            ("abandon", serde_json::json!({"reason": reason}))
        }
    })
}

async fn project_event(
    tx: &mut corridor_store::WriteTx,
    r: &ProjectRow,
    action: &str,
    after: &serde_json::Value,
) -> AppResult<()> {
    let stream = format!("project:{}", r.id);
    crate::writer::append_one(tx, stream, r.updated_ms, &r.created_by, action, after).await
}
