//! The caller's queue, a case page with its actions, and a case's licence file.

use crate::*;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use corridor_app::App;
use serde::Deserialize;
use std::sync::Arc;

pub(crate) fn status_text(lang: Lang, s: corridor_domain::case::Status) -> String {
    if lang == Lang::Zh {
        s.label_zh().to_string()
    } else {
        s.as_str().replace('_', " ")
    }
}

pub(crate) fn due_text(t: &Texts, d: corridor_domain::case::DueState) -> String {
    use corridor_domain::case::DueState::*;
    match d {
        Overdue => t.overdue.into(),
        NearDue => t.near_due.into(),
        Paused => t.paused.into(),
        None | OnTrack => String::new(),
    }
}

pub(crate) struct CaseRow {
    id: String,
    receipt: String,
    matter: String,
    status: String,
    deadline: String,
    due: String,
    /// Undecided past the promised limit (the statutory one may still be ahead).
    past_promise: bool,
}

#[derive(Template)]
#[template(path = "cases.html")]
pub(crate) struct CasesPage {
    t: &'static Texts,
    l: Lang,
    csrf: String,
    who: String,
    role: &'static str,
    rows: Vec<CaseRow>,
    total: String,
    has_more: bool,
    next_page: i64,
    show_all: bool,
    past_promise: bool,
}

#[derive(Deserialize, Default)]
pub(crate) struct PageQ {
    page: Option<i64>,
    show: Option<String>,
}

/// Statuses still waiting for someone: the default view of a queue.
pub(crate) const OPEN_STATUSES: &str =
    "submitted,received,forwarded,accepted,correction_requested,resubmitted,approved,rejected,licence_issued";

pub(crate) async fn my_cases(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    Query(q): Query<PageQ>,
) -> Response {
    let lang = cx.lang;
    if p.role == corridor_domain::case::Role::JointOffice {
        return redirect("/dashboard");
    }
    let t = lang.texts();
    let page_no = q.page.unwrap_or(1).max(1);
    let show_all = q.show.as_deref() == Some("all");
    // A reviewer's cases still undecided after the corridor's promised deadline.
    let past_promise = q.show.as_deref() == Some("past_promise");
    let query = corridor_app::cases::CaseQuery {
        page: Some(page_no),
        per_page: Some(30),
        status: (!show_all).then(|| OPEN_STATUSES.to_string()),
        due: past_promise.then(|| "past_promise".to_string()),
        ..Default::default()
    };
    let list = match app.list_cases(&p, &query).await {
        Ok(l) => l,
        Err(e) => {
            return (
                StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::FORBIDDEN),
                Html(format!(
                    "<!doctype html><html lang=\"{}\"><p>{}</p><a href=\"/\">{}</a></html>",
                    t.html_lang,
                    lang.error_title(e.code),
                    t.site
                )),
            )
                .into_response()
        }
    };
    let rows = list
        .items
        .iter()
        .map(|c| CaseRow {
            id: c.id.to_string(),
            receipt: c.receipt_no.clone(),
            matter: lang.of(&c.matter_name_zh, &c.matter_name_en),
            status: status_text(lang, c.status),
            deadline: c.deadline.clone().unwrap_or_else(|| "—".into()),
            due: due_text(t, c.due),
            past_promise: c.past_promise,
        })
        .collect();
    let pg = CasesPage {
        t,
        l: lang,
        csrf: cx.csrf(),
        who: cx.who(&p),
        role: p.role.as_str(),
        rows,
        total: if list.total_exact {
            list.total.to_string()
        } else {
            format!("{}+", list.total)
        },
        has_more: page_no.saturating_mul(30) < list.total || !list.total_exact,
        next_page: page_no.saturating_add(1),
        show_all,
        past_promise,
    };
    cx.render(&pg, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "case.html")]
pub(crate) struct CasePage {
    t: &'static Texts,
    l: Lang,
    receipt: String,
    matter: String,
    matter_code: String,
    status: String,
    deadline: String,
    due: String,
    /// The promised deadline with its working days, and whether it is past or was kept.
    promised: String,
    promise_note: String,
    past_promise: bool,
    /// When the window forwarded the case and how long after receipt.
    forwarded: String,
    applicant: String,
    received: String,
    competent: String,
    /// The joint filing this case is a part of (its id; empty: none).
    joint: String,
    filed_on: String,
    reason: String,
    correction: bool,
    form: Vec<Pair>,
    materials: Vec<crate::materials::MaterialRow>,
    /// The reviewer may name materials and fields in a correction request: (value, label).
    correct_choices: Option<(Vec<Pair>, Vec<Pair>)>,
    /// While a correction is asked: the named materials and fields, as labels.
    correction_names: Vec<String>,
    /// Hidden inputs of the fields not named (the resubmitted form stays whole).
    hidden_fields: Vec<Pair>,
    /// The caller sees the files (applicant, receiving window, deciding authority).
    sees_files: bool,
    may_attach: bool,
    may_check: bool,
    materials_complete: bool,
    /// The configured per-file limit, for the upload hint.
    max_file_mb: u64,
    events: Vec<(String, String, String)>,
    /// What the applicant was told (time, subject, by e-mail or not).
    notices: Vec<(String, String, String)>,
    id: String,
    csrf: String,
    actions: Vec<Pair>,
    needs_identity: bool,
    needs_reason: bool,
    /// Transfer: the authorities of the same kind in the other cities, and the field's error.
    transfer_choices: Vec<Pair>,
    transfer_error: String,
    resubmit: Vec<fields::FieldRow>,
    licence: Option<(String, String, String)>,
    /// The amount by the city's rule, with how it was computed.
    amount: Option<AmountBox>,
    filed: bool,
    error: String,
}

/// A case's amount as the page shows it.
pub(crate) struct AmountBox {
    decided: bool,
    summary: String,
    steps: Vec<String>,
    basis: String,
    version: i64,
}

fn amount_box(lang: Lang, a: &corridor_app::amounts::AmountView) -> AmountBox {
    AmountBox {
        decided: a.decided,
        summary: lang.of(&a.summary_zh, &a.summary_en),
        steps: a
            .computed
            .steps
            .iter()
            .map(|s| lang.of(&s.zh, &s.en))
            .collect(),
        basis: lang.of(&a.computed.basis_zh, &a.computed.basis_en),
        version: a.rule_version,
    }
}

/// What a case page shows besides the case itself.
#[derive(Default)]
pub(crate) struct CaseExtras {
    error: String,
    filed: bool,
    field_errors: Vec<corridor_domain::catalogue::FieldError>,
    values: Option<std::collections::BTreeMap<String, String>>,
}

impl CaseExtras {
    /// The page with an error message.
    pub(crate) fn error(error: String) -> CaseExtras {
        CaseExtras {
            error,
            ..Default::default()
        }
    }
}

pub(crate) async fn render_case(
    app: &App,
    cx: &Cx,
    p: &corridor_domain::case::Principal,
    uuid: uuid::Uuid,
    x: CaseExtras,
    status: StatusCode,
) -> Response {
    use corridor_domain::case::Action;
    let lang = cx.lang;
    let t = lang.texts();
    let c = match app.get_case(p, uuid).await {
        Ok(c) => c,
        Err(e) => return deny(t, lang, e.code),
    };
    let events = match app.case_events(p, uuid, None, Some(200)).await {
        Ok(ev) => ev
            .items
            .into_iter()
            .map(|e| {
                let what = Action::parse(&e.action)
                    .map(|a| lang.action(a).to_string())
                    .unwrap_or_else(|| match e.action.as_str() {
                        "submit" => lang.texts().submitted.to_string(),
                        other => other.replace('_', " "),
                    });
                let who = corridor_domain::case::Role::parse(&e.role)
                    .map(|r| lang.role(r).to_string())
                    .unwrap_or(e.role);
                (crate::page::local_time(&e.at), what, who)
            })
            .collect(),
        Err(e) => return deny(t, lang, e.code),
    };
    let notices = match app.case_notices(p, uuid).await {
        Ok(list) => list
            .into_iter()
            .map(|n| {
                let mail = crate::notices::mail_state(lang, n.mail.as_deref());
                (
                    crate::page::local_time(&n.created_at),
                    n.subject,
                    mail.to_string(),
                )
            })
            .collect(),
        Err(e) => return deny(t, lang, e.code),
    };
    let r = app.reference();
    let city = |code: &str| {
        r.jurisdiction(code)
            .map(|j| lang.of(&j.name_zh, &j.name_en))
            .unwrap_or_default()
    };
    let matter = app.matter(&c.matter_code, Some(c.catalogue_version)).ok();
    let fields = matter
        .as_ref()
        .map(|m| m.fields.clone())
        .unwrap_or_default();
    let text_of = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(b) => if *b { t.yes } else { t.no }.to_string(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let form = fields
        .iter()
        .filter_map(|f| {
            let v = c.form.get(&f.key)?;
            Some((lang.of(&f.label_zh, &f.label_en), text_of(v)))
        })
        .collect();
    // With the files for those who may see them; else the catalogue's list.
    let files = app.materials(p, uuid).await.ok();
    let materials = match &files {
        Some(m) => {
            let mine = crate::materials::my_licences(app, p, m).await;
            crate::materials::rows(cx, uuid, m, &mine)
        }
        None => matter
            .as_ref()
            .map(|m| {
                m.materials
                    .iter()
                    .enumerate()
                    .map(|(index, x)| crate::materials::MaterialRow::listed(lang, index, x))
                    .collect()
            })
            .unwrap_or_default(),
    };
    let can_resubmit = c.allowed_actions.contains(&Action::Resubmit);
    let correct_choices = c
        .allowed_actions
        .contains(&Action::RequestCorrection)
        .then(|| {
            let m = matter.as_ref();
            let mats = m
                .map(|m| {
                    m.materials
                        .iter()
                        .enumerate()
                        .map(|(i, x)| (i.to_string(), lang.of(&x.name_zh, &x.name_en)))
                        .collect()
                })
                .unwrap_or_default();
            let flds = fields
                .iter()
                .map(|f| (f.key.clone(), lang.of(&f.label_zh, &f.label_en)))
                .collect();
            (mats, flds)
        });
    let named = c.correction.clone().unwrap_or_default();
    let mut materials = materials;
    for m in &mut materials {
        m.asked = named.materials.contains(&m.index);
    }
    let correction_names: Vec<String> = matter
        .as_ref()
        .map(|m| {
            let mats = named.materials.iter().filter_map(|i| {
                m.materials
                    .get(*i)
                    .map(|x| format!("{}{}", t.material_prefix, lang.of(&x.name_zh, &x.name_en)))
            });
            let flds = named.fields.iter().filter_map(|k| {
                m.fields
                    .iter()
                    .find(|f| &f.key == k)
                    .map(|f| format!("{}{}", t.field_prefix, lang.of(&f.label_zh, &f.label_en)))
            });
            mats.chain(flds).collect()
        })
        .unwrap_or_default();
    let resubmit = if can_resubmit {
        let values = x.values.clone().unwrap_or_else(|| {
            c.form
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| {
                            let raw = match v {
                                serde_json::Value::String(s) => s.clone(),
                                serde_json::Value::Null => String::new(),
                                other => other.to_string(),
                            };
                            (k.clone(), raw)
                        })
                        .collect()
                })
                .unwrap_or_default()
        });
        fields::field_rows(lang, &fields, &values, &x.field_errors)
    } else {
        Vec::new()
    };
    // A request that names fields: only those are shown to correct; the others go back as
    // they were.
    let (resubmit, hidden_fields): (Vec<_>, Vec<_>) = if named.fields.is_empty() {
        (resubmit, Vec::new())
    } else {
        let (shown, kept): (Vec<_>, Vec<_>) = resubmit
            .into_iter()
            .partition(|f| named.fields.contains(&f.key) || !f.error.is_empty());
        (shown, kept.into_iter().map(|f| (f.key, f.value)).collect())
    };
    let licence = match c.licence_id {
        Some(lid) => match app.get_licence(p, lid).await {
            Ok(v) => {
                let svg = corridor_app::licences::qr_svg(&v.qr).unwrap_or_default();
                Some((v.number, v.qr, svg))
            }
            Err(_) => None,
        },
        None => None,
    };
    let cp = CasePage {
        amount: c.amount.as_ref().map(|a| amount_box(lang, a)),
        t,
        l: lang,
        receipt: c.receipt_no.clone(),
        matter: lang.of(&c.matter_name_zh, &c.matter_name_en),
        matter_code: c.matter_code.clone(),
        status: status_text(lang, c.status),
        deadline: c.deadline.clone().unwrap_or_else(|| "—".into()),
        due: due_text(t, c.due),
        promised: c
            .promised_deadline
            .as_ref()
            .map(|d| {
                lang.of(
                    &format!("{d}（{} 个工作日）", c.promised_days),
                    &format!("{d} ({} working days)", c.promised_days),
                )
            })
            .unwrap_or_default(),
        past_promise: c.past_promise,
        promise_note: match (c.past_promise, c.promise_kept) {
            (true, _) => lang.of("已超过承诺时限", "past the promised limit"),
            (_, Some(true)) => lang.of("按承诺办结", "decided within it"),
            (_, Some(false)) => lang.of("超过承诺时限办结", "decided after it"),
            _ => String::new(),
        },
        forwarded: match (&c.forwarded_at, c.forward_minutes) {
            (Some(at), Some(m)) => lang.of(
                &format!("{}（收件后 {m} 分钟）", crate::dashboard::china_time(at)),
                &format!(
                    "{} ({m} min after receipt)",
                    crate::dashboard::china_time(at)
                ),
            ),
            _ => String::new(),
        },
        applicant: format!(
            "{} {}",
            c.applicant.name,
            c.applicant
                .id_no
                .clone()
                .or(c.applicant.uscc.clone())
                .unwrap_or_default()
        ),
        received: format!(
            "{} {}",
            city(&c.receiving_city),
            c.receiving_window.clone().unwrap_or_default()
        ),
        competent: r
            .authorities
            .get(&c.competent_authority)
            .map(|a| lang.of(&a.name_zh, &a.name_en))
            .unwrap_or_default(),
        joint: c.joint_id.map(|j| j.to_string()).unwrap_or_default(),
        filed_on: c.filed_on.clone(),
        reason: c.reason.clone().unwrap_or_default(),
        correction: c.status == corridor_domain::case::Status::CorrectionRequested,
        form,
        materials,
        correct_choices,
        correction_names,
        hidden_fields,
        sees_files: files.is_some(),
        may_attach: files.as_ref().is_some_and(|m| m.may_attach),
        may_check: files.as_ref().is_some_and(|m| m.may_check),
        materials_complete: files.as_ref().is_some_and(|m| m.complete),
        max_file_mb: app.material_limits().file_bytes / 1_000_000,
        events,
        notices,
        id: c.id.to_string(),
        csrf: cx.csrf(),
        needs_identity: c.allowed_actions.contains(&Action::Receive),
        needs_reason: c.allowed_actions.iter().any(|a| a.needs_reason()),
        transfer_choices: if c.allowed_actions.contains(&Action::Transfer) {
            app.transfer_targets(&c.competent_authority)
                .iter()
                .map(|a| (a.id.clone(), lang.of(&a.name_zh, &a.name_en)))
                .collect()
        } else {
            Vec::new()
        },
        transfer_error: x
            .field_errors
            .iter()
            .find(|e| e.field == "to_authority")
            .map(|e| e.reason_for(lang == crate::lang::Lang::Zh).to_string())
            .unwrap_or_default(),
        actions: c
            .allowed_actions
            .iter()
            .filter(|a| **a != Action::Resubmit)
            .map(|a| (a.as_str().to_string(), lang.action(*a).to_string()))
            .collect(),
        resubmit,
        licence,
        filed: x.filed,
        error: x.error,
    };
    cx.render(&cp, status)
}

#[derive(Deserialize, Default)]
pub(crate) struct CaseQ {
    filed: Option<String>,
}

pub(crate) async fn one_case(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    CaseId(uuid): CaseId,
    Query(q): Query<CaseQ>,
) -> Response {
    let x = CaseExtras {
        filed: q.filed.is_some(),
        ..Default::default()
    };
    render_case(&app, &cx, &p, uuid, x, StatusCode::OK).await
}

/// The signed licence file of a case, for its holder and the issuing authority.
pub(crate) async fn case_licence(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    CaseId(uuid): CaseId,
) -> Response {
    let (lang, t) = (cx.lang, cx.t());
    let lid = match app.get_case(&p, uuid).await {
        Ok(c) => match c.licence_id {
            Some(l) => l,
            None => return deny(t, lang, corridor_app::ErrorCode::NotFound),
        },
        Err(e) => return deny(t, lang, e.code),
    };
    match app.licence_file(&p, lid).await {
        Ok((number, bytes)) => (
            [
                (header::CONTENT_TYPE, "application/cose".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}.cose\"", enc(&number)),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => deny(t, lang, e.code),
    }
}

/// The same use case as `POST /api/v1/cases/{id}/actions`; errors are shown on the case page.
/// A resubmission carries the corrected form as `f.<field>` inputs.
pub(crate) async fn act_on_case(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    CaseId(uuid): CaseId,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Response {
    use corridor_domain::case::Action;
    let (lang, t) = (cx.lang, cx.t());
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let fail = |error: String, status: StatusCode, x: CaseExtras| {
        let (app, cx, p) = (&app, &cx, &p);
        async move { render_case(app, cx, p, uuid, CaseExtras { error, ..x }, status).await }
    };
    if !cx.csrf_ok(get("csrf").unwrap_or("")) {
        return fail(
            t.bad_form.into(),
            StatusCode::FORBIDDEN,
            CaseExtras::default(),
        )
        .await;
    }
    let Some(action) = get("action").and_then(Action::parse) else {
        return fail(
            t.bad_form.into(),
            StatusCode::BAD_REQUEST,
            CaseExtras::default(),
        )
        .await;
    };
    let mut values = None;
    let form = if action == Action::Resubmit {
        let raw: std::collections::BTreeMap<String, String> = pairs
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("f.").map(|k| (k.to_string(), v.clone())))
            .collect();
        let fields = match app.get_case(&p, uuid).await {
            Ok(c) => app
                .matter(&c.matter_code, Some(c.catalogue_version))
                .map(|m| m.fields)
                .unwrap_or_default(),
            Err(e) => return deny(t, lang, e.code),
        };
        let json = fields::form_json(&fields, &raw);
        values = Some(raw);
        Some(json)
    } else {
        None
    };
    let req = corridor_app::cases::ActOnCase {
        action,
        correct_materials: pairs
            .iter()
            .filter(|(k, _)| k == "correct_material")
            .filter_map(|(_, v)| v.parse().ok())
            .collect(),
        correct_fields: pairs
            .iter()
            .filter(|(k, _)| k == "correct_field")
            .map(|(_, v)| v.clone())
            .collect(),
        reason: get("reason")
            .map(str::to_string)
            .filter(|r| !r.trim().is_empty()),
        identity_checked: get("identity_checked") == Some("true"),
        identity_seen: get("identity_seen")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        form,
        to_authority: get("to_authority")
            .filter(|v| !v.is_empty())
            .map(str::to_string),
    };
    match app.act(&p, uuid, req).await {
        // A transferred case is no longer this reviewer's: back to the queue.
        Ok(_) if action == Action::Transfer => redirect("/cases"),
        Ok(_) => redirect(&format!("/cases/{uuid}")),
        Err(e)
            if e.code == corridor_app::ErrorCode::Forbidden
                || e.code == corridor_app::ErrorCode::NotFound =>
        {
            deny(t, lang, e.code)
        }
        Err(e) => {
            let status = error_status(&e);
            let detail = if e.fields.is_empty() {
                error_text(lang, &e)
            } else {
                lang.error_title(e.code).to_string()
            };
            let x = CaseExtras {
                field_errors: e.fields,
                values,
                ..Default::default()
            };
            fail(detail, status, x).await
        }
    }
}
