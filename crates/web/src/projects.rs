//! `/industry/projects`: joint-tackling projects, each with its milestones (overdue ones
//! flagged), outcomes and status, and the counts (needs solicited, projects started, completed,
//! overdue); the owner and the joint office change a project on its page. The rules are in
//! `corridor_app::industry` (projects).

use crate::*;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use corridor_app::industry::{OutcomeKind, ProjectCounts, ProjectOp, ProjectView};
use corridor_app::App;
use corridor_domain::case::{Principal, Role};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "projects.html")]
struct ListPage {
    t: &'static Texts,
    l: Lang,
    projects: Vec<ProjectView>,
    counts: ProjectCounts,
}

impl ListPage {
    fn status_text(&self, s: &str) -> &'static str {
        status_text(self.l, s)
    }
}

fn status_text(l: Lang, s: &str) -> &'static str {
    match s {
        "active" => l.pick("进行中", "Active"),
        "completed" => l.pick("已结项", "Completed"),
        _ => l.pick("已终止", "Abandoned"),
    }
}

/// `GET /industry/projects`.
pub(crate) async fn list(State(app): State<Arc<App>>, SignedIn { cx, p }: SignedIn) -> Response {
    let (projects, counts) = match (app.projects(&p).await, app.project_counts(&p).await) {
        (Ok(v), Ok(c)) => (v, c),
        (Err(e), _) | (_, Err(e)) => return deny(cx.t(), cx.lang, e.code),
    };
    let pg = ListPage {
        t: cx.t(),
        l: cx.lang,
        projects,
        counts,
    };
    cx.render(&pg, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectPage {
    t: &'static Texts,
    l: Lang,
    csrf: String,
    v: ProjectView,
    /// The caller changes it (its owner or the office) while it is active.
    edits: bool,
    errors: BTreeMap<String, String>,
    message: String,
}

impl ProjectPage {
    fn status_text(&self, s: &str) -> &'static str {
        status_text(self.l, s)
    }
    fn kind_text(&self, k: &OutcomeKind) -> &'static str {
        match k {
            OutcomeKind::Patent => self.l.pick("专利", "Patent"),
            OutcomeKind::Product => self.l.pick("产品", "Product"),
            OutcomeKind::Contract => self.l.pick("合同", "Contract"),
        }
    }
    fn err(&self, k: &str) -> Option<&String> {
        self.errors.get(k)
    }
}

async fn project_page(
    app: &App,
    cx: &Cx,
    p: &Principal,
    id: &str,
    errors: BTreeMap<String, String>,
    message: String,
    status: StatusCode,
) -> Response {
    let v = match app.project(p, id).await {
        Ok(v) => v,
        Err(e) => return deny(cx.t(), cx.lang, e.code),
    };
    let office = matches!(p.role, Role::JointOffice | Role::Admin);
    let mine = app.my_enterprise(p).await.ok().flatten();
    let edits = v.status == "active" && (office || mine.as_deref() == Some(v.owner.uscc.as_str()));
    let pg = ProjectPage {
        t: cx.t(),
        l: cx.lang,
        csrf: cx.csrf(),
        v,
        edits,
        errors,
        message,
    };
    cx.render(&pg, status)
}

/// `GET /industry/projects/{id}`.
pub(crate) async fn show(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    Path(id): Path<String>,
) -> Response {
    project_page(
        &app,
        &cx,
        &p,
        &id,
        BTreeMap::new(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

/// `POST /industry/projects/{id}`: one change (`op` = add_milestone, complete_milestone,
/// add_outcome, complete, abandon, with its fields).
pub(crate) async fn change(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Posted { cx, p, form: f }: Posted,
) -> Response {
    let op = match f.val("op").as_str() {
        "add_milestone" => ProjectOp::AddMilestone {
            title: f.val("title"),
            due: f.val("due"),
        },
        "complete_milestone" => ProjectOp::CompleteMilestone {
            index: f.val("index").parse().unwrap_or(usize::MAX),
            on: Some(f.val("on")).filter(|s| !s.is_empty()),
        },
        "add_outcome" => ProjectOp::AddOutcome {
            kind: match f.val("kind").as_str() {
                "product" => OutcomeKind::Product,
                "contract" => OutcomeKind::Contract,
                _ => OutcomeKind::Patent,
            },
            text: f.val("text"),
        },
        "complete" => ProjectOp::Complete,
        "abandon" => ProjectOp::Abandon {
            reason: f.val("reason"),
        },
        _ => return deny(cx.t(), cx.lang, corridor_app::ErrorCode::BadRequest),
    };
    match app.change_project(&p, &id, &op).await {
        Ok(_) => redirect(&format!("/industry/projects/{id}")),
        Err(e) => {
            let (errors, message) = split_errors(cx.lang, &e);
            project_page(&app, &cx, &p, &id, errors, message, error_status(&e)).await
        }
    }
}
