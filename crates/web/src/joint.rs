//! `/joint`: joint filings — a multi-site matter's parts or a bundle of matters filed once, each
//! part decided by its own authority. The list with the bundles one may file, the one form, and
//! a filing's page with its parts, progress and deadlines. The same `App` methods as the API
//! decide; these pages only translate.

use crate::cases::status_text;
use crate::fields::{field_rows, form_json, FieldRow};
use crate::filing::city_name;
use crate::Posted;
use crate::{deny, error_status, redirect, Cx, Lang, SignedIn, Texts};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use corridor_app::joint::{FileJoint, JointView};
use corridor_app::{App, ErrorCode};
use corridor_domain::case::{DueState, Principal, Role};
use corridor_domain::catalogue::{FieldError, FormField, ServiceMode};
use corridor_domain::joint::{JointKind, Outcome};
use std::collections::BTreeMap;
use std::sync::Arc;

struct PartRow {
    name: String,
    receipt: String,
    case_id: String,
    authority: String,
    status: String,
    deadline: String,
    late: bool,
    reason: String,
    may_open: bool,
}

struct Summary {
    id: String,
    name: String,
    filed_on: String,
    progress: String,
    outcome: String,
    deadline: String,
}

#[derive(Template)]
#[template(path = "joint.html")]
struct JointPage {
    t: &'static Texts,
    l: Lang,
    name: String,
    kind: String,
    applicant: String,
    received: String,
    filed_on: String,
    deadline: String,
    promised: String,
    overdue: bool,
    past_promise: bool,
    progress: String,
    outcome: String,
    refused: bool,
    outcome_note: String,
    parts: Vec<PartRow>,
    filed: bool,
}

#[derive(Template)]
#[template(path = "joints.html")]
struct JointsPage {
    t: &'static Texts,
    l: Lang,
    rows: Vec<Summary>,
    total: i64,
    /// (code, name, matters) of the bundles one may file; empty for reviewers and the office.
    bundles: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "joint_new.html")]
struct NewPage {
    t: &'static Texts,
    l: Lang,
    csrf: String,
    kind: String,
    code: String,
    name: String,
    /// What each part is and who decides it.
    parts: Vec<String>,
    /// A bundle asks the city; a multi-site matter takes each part's from its fields.
    asks_city: bool,
    cities: Vec<(String, String, bool)>,
    clerk: bool,
    own_window: String,
    /// Applicant, remote receipt: the windows to choose from.
    windows: Vec<(String, String, bool)>,
    fields: Vec<FieldRow>,
    identity: bool,
    errors: BTreeMap<String, String>,
    error: String,
}

impl NewPage {
    fn err(&self, k: &str) -> &str {
        self.errors.get(k).map(String::as_str).unwrap_or("")
    }
}

fn kind_text(l: Lang, k: JointKind) -> &'static str {
    match k {
        JointKind::MultiSite => l.pick("多地联办", "multi-site joint handling"),
        JointKind::Bundle => l.pick("一件事一次办", "filed once for several matters"),
    }
}

fn progress_text(l: Lang, v: &JointView) -> String {
    match l {
        Lang::Zh => format!("{} 项中已办结 {} 项", v.progress.total, v.progress.decided),
        Lang::En => format!(
            "{} of {} parts decided",
            v.progress.decided, v.progress.total
        ),
    }
}

fn outcome_text(l: Lang, o: Option<Outcome>) -> String {
    match o {
        Some(o) => o.label(l == Lang::Zh).to_string(),
        None => l.pick("办理中", "in progress").to_string(),
    }
}

/// A bundle's matters by name, in its order.
fn matter_names(app: &App, l: Lang, b: &corridor_domain::joint::Bundle) -> Vec<String> {
    let r = app.reference();
    b.matters
        .iter()
        .filter_map(|c| r.current_matter(c))
        .map(|m| l.of(&m.name_zh, &m.name_en))
        .collect()
}

fn authority_name(app: &App, l: Lang, id: &str) -> String {
    app.reference()
        .authorities
        .get(id)
        .map(|a| l.of(&a.name_zh, &a.name_en))
        .unwrap_or_else(|| id.to_string())
}

pub(crate) async fn list(State(app): State<Arc<App>>, SignedIn { cx, p }: SignedIn) -> Response {
    let l = cx.lang;
    let page = match app.list_joints(&p, Some(1), Some(50)).await {
        Ok(x) => x,
        Err(e) => return deny(l.texts(), l, e.code),
    };
    let rows = page
        .items
        .iter()
        .map(|v| Summary {
            id: v.id.to_string(),
            name: l.of(&v.name_zh, &v.name_en),
            filed_on: v.filed_on.clone(),
            progress: progress_text(l, v),
            outcome: outcome_text(l, v.outcome),
            deadline: v.deadline.clone(),
        })
        .collect();
    let files = corridor_app::filing::files_cases(p.role);
    let bundles = app
        .bundles()
        .into_iter()
        .filter(|_| files)
        .map(|b| {
            let names = matter_names(&app, l, &b.bundle);
            (
                b.bundle.code.clone(),
                l.of(&b.bundle.name_zh, &b.bundle.name_en),
                names.join(l.pick("、", "; ")),
            )
        })
        .collect();
    let pg = JointsPage {
        t: l.texts(),
        l,
        rows,
        total: page.total,
        bundles,
    };
    cx.render(&pg, StatusCode::OK)
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct FiledQuery {
    filed: Option<String>,
}

pub(crate) async fn one(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<FiledQuery>,
) -> Response {
    let l = cx.lang;
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return deny(l.texts(), l, ErrorCode::NotFound);
    };
    let v = match app.get_joint(&p, id).await {
        Ok(v) => v,
        Err(e) => return deny(l.texts(), l, e.code),
    };
    let outcome_note = match (&v.outcome_receipt, &v.outcome_reason) {
        (Some(r), Some(why)) => format!("{r}: {why}"),
        (Some(r), None) => r.clone(),
        _ => String::new(),
    };
    let parts = v
        .parts
        .iter()
        .map(|x| PartRow {
            name: l.of(&x.name_zh, &x.name_en),
            receipt: x.receipt_no.clone(),
            case_id: x.case_id.to_string(),
            authority: authority_name(&app, l, &x.competent_authority),
            status: status_text(l, x.status),
            deadline: x.deadline.clone().unwrap_or_default(),
            late: x.due == DueState::Overdue,
            reason: x.reason.clone().unwrap_or_default(),
            may_open: x.may_open,
        })
        .collect();
    let pg = JointPage {
        t: l.texts(),
        l,
        name: l.of(&v.name_zh, &v.name_en),
        kind: kind_text(l, v.kind).to_string(),
        applicant: v.applicant_name.clone(),
        received: city_name(&app, l, &v.receiving_city),
        filed_on: v.filed_on.clone(),
        deadline: v.deadline.clone(),
        promised: v.promised_deadline.clone(),
        overdue: v.overdue,
        past_promise: v.past_promise,
        progress: progress_text(l, &v),
        outcome: outcome_text(l, v.outcome),
        refused: v.outcome == Some(Outcome::Refused),
        outcome_note,
        parts,
        filed: q.filed.is_some(),
    };
    cx.render(&pg, StatusCode::OK)
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct NewQuery {
    kind: Option<String>,
    code: Option<String>,
}

/// What the form is for: kind, code, name, the parts' descriptions, the fields, the modes.
struct Subject {
    kind: JointKind,
    code: String,
    name: String,
    parts: Vec<String>,
    fields: Vec<FormField>,
    modes: Vec<ServiceMode>,
}

fn subject(app: &App, l: Lang, kind: &str, code: &str) -> Option<Subject> {
    let r = app.reference();
    match JointKind::parse(kind)? {
        JointKind::MultiSite => {
            let m = r.current_matter(code).filter(|m| !m.parts.is_empty())?;
            let parts = m
                .parts
                .iter()
                .map(|s| {
                    let field = m.fields.iter().find(|f| f.key == s.city_field);
                    let by = field
                        .map(|f| l.of(&f.label_zh, &f.label_en))
                        .unwrap_or_default();
                    match l {
                        Lang::Zh => format!("{}：由“{}”所在城市办理", s.name_zh, by),
                        Lang::En => format!("{}: decided in the city of '{}'", s.name_en, by),
                    }
                })
                .collect();
            Some(Subject {
                kind: JointKind::MultiSite,
                code: m.code.clone(),
                name: l.of(&m.name_zh, &m.name_en),
                parts,
                fields: m.fields.clone(),
                modes: vec![ServiceMode::MultiSite],
            })
        }
        JointKind::Bundle => {
            let b = app.bundles().into_iter().find(|b| b.bundle.code == code)?;
            let parts = matter_names(app, l, &b.bundle);
            Some(Subject {
                kind: JointKind::Bundle,
                code: b.bundle.code.clone(),
                name: l.of(&b.bundle.name_zh, &b.bundle.name_en),
                parts,
                fields: b.fields,
                modes: b.modes,
            })
        }
    }
}

fn render_new(
    app: &App,
    cx: &Cx,
    p: &Principal,
    s: &Subject,
    raw: &BTreeMap<String, String>,
    (errors, error): (Vec<FieldError>, String),
    status: StatusCode,
) -> Response {
    let l = cx.lang;
    let r = app.reference();
    let city = raw.get("city").cloned().unwrap_or_default();
    let window = raw.get("window").cloned().unwrap_or_default();
    let cities = r
        .jurisdictions
        .iter()
        .filter(|j| j.member)
        .map(|j| {
            let c = j.code.as_str().to_string();
            let sel = c == city;
            (c, l.of(&j.name_zh, &j.name_en), sel)
        })
        .collect();
    let windows = if s.modes.contains(&ServiceMode::RemoteReceipt) && p.role == Role::Applicant {
        r.windows
            .values()
            .map(|w| (w.id.clone(), l.of(&w.name_zh, &w.name_en), w.id == window))
            .collect()
    } else {
        vec![]
    };
    let mut by_field: BTreeMap<String, String> = BTreeMap::new();
    for e in &errors {
        by_field
            .entry(e.field.clone())
            .or_insert_with(|| crate::fields::reason_text(l, e));
    }
    let values: BTreeMap<String, String> = raw
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("f.").map(|k| (k.to_string(), v.clone())))
        .collect();
    let pg = NewPage {
        t: l.texts(),
        l,
        csrf: cx.csrf(),
        kind: s.kind.as_str().to_string(),
        code: s.code.clone(),
        name: s.name.clone(),
        parts: s.parts.clone(),
        asks_city: s.kind == JointKind::Bundle,
        cities,
        clerk: p.role == Role::Clerk,
        own_window: p.window_id.clone().unwrap_or_default(),
        windows,
        fields: field_rows(l, &s.fields, &values, &errors),
        identity: raw.get("identity_checked").is_some_and(|v| v == "true"),
        errors: by_field,
        error,
    };
    cx.render(&pg, status)
}

pub(crate) async fn new_form(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    Query(q): Query<NewQuery>,
) -> Response {
    let l = cx.lang;
    if !corridor_app::filing::files_cases(p.role) {
        return deny(l.texts(), l, ErrorCode::Forbidden);
    }
    let Some(s) = subject(
        &app,
        l,
        q.kind.as_deref().unwrap_or(""),
        q.code.as_deref().unwrap_or(""),
    ) else {
        return deny(l.texts(), l, ErrorCode::NotFound);
    };
    let none = (Vec::new(), String::new());
    render_new(&app, &cx, &p, &s, &BTreeMap::new(), none, StatusCode::OK)
}

pub(crate) async fn new_submit(
    State(app): State<Arc<App>>,
    Posted { cx, p, form }: Posted,
) -> Response {
    let l = cx.lang;
    // Each answer at most 2,000 characters (the longest a field takes), the first of a name.
    let mut raw: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in form.iter().take(200) {
        raw.entry(k.chars().take(64).collect())
            .or_insert_with(|| v.chars().take(2000).collect());
    }
    let get = |k: &str| raw.get(k).cloned().unwrap_or_default();
    let Some(s) = subject(&app, l, &get("kind"), &get("code")) else {
        return deny(l.texts(), l, ErrorCode::NotFound);
    };
    let answers: BTreeMap<String, String> = raw
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("f.").map(|k| (k.to_string(), v.clone())))
        .collect();
    let window = get("window");
    let mode = match (s.kind, p.role, window.is_empty()) {
        (JointKind::MultiSite, _, _) => ServiceMode::MultiSite,
        (_, Role::Clerk, _) | (_, _, false) => ServiceMode::RemoteReceipt,
        _ => s
            .modes
            .first()
            .copied()
            .unwrap_or(ServiceMode::RemoteReceipt),
    };
    let req = FileJoint {
        kind: s.kind,
        code: s.code.clone(),
        competent_city: get("city"),
        mode: Some(mode),
        window_id: (!window.is_empty()).then_some(window),
        form: form_json(&s.fields, &answers),
        identity_checked: get("identity_checked") == "true",
        identity_seen: None,
    };
    match app.file_joint(&p, req).await {
        Ok(v) => redirect(&format!("/joint/{}?filed=1", v.id)),
        Err(e) => {
            let (_, error) = crate::split_errors(l, &e);
            let status = error_status(&e);
            let shown = (e.fields.clone(), error);
            render_new(&app, &cx, &p, &s, &raw, shown, status)
        }
    }
}
