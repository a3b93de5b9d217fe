//! `/amount-rules`: each city's rule for the matters whose amount is computed at the decision
//! (public: what an applicant may get or pay, and how), and for the joint office and
//! administrators the form that publishes a new version. The same `App` methods as the API
//! decide.

use crate::Posted;
use crate::{deny, redirect, Lang, Texts};
use crate::{error_status, Cx, SignedIn};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use corridor_app::amounts::{AmountRuleView, PublishAmountRule};
use corridor_app::App;
use corridor_domain::case::Role;
use std::sync::Arc;

/// The longest rule text the form takes (the API's body limit is the real bound).
const RULE_TEXT_LIMIT: usize = 20_000;

struct Row {
    matter_code: String,
    matter: String,
    city: String,
    city_code: String,
    basis: String,
    version: i64,
    published: String,
    note: String,
    /// The day it takes effect, and whether it is the version in force today.
    effective_from: String,
    in_force: bool,
}

#[derive(Template)]
#[template(path = "amount_rules.html")]
struct RulesPage {
    t: &'static Texts,
    l: Lang,
    rows: Vec<Row>,
    matter: String,
    may_publish: bool,
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct RulesQuery {
    matter: Option<String>,
}

fn row(lang: Lang, v: &AmountRuleView) -> Row {
    Row {
        matter_code: v.matter_code.clone(),
        matter: lang.of(&v.matter_name_zh, &v.matter_name_en),
        city: lang.of(&v.city_zh, &v.city_en),
        city_code: v.city.clone(),
        basis: lang.of(&v.rule.basis_zh, &v.rule.basis_en),
        version: v.version,
        published: crate::page::local_time(&v.published_at),
        note: v.note.clone(),
        effective_from: v.effective_from.clone(),
        in_force: v.in_force,
    }
}

fn may_publish(p: Option<&corridor_domain::case::Principal>) -> bool {
    p.is_some_and(|p| matches!(p.role, Role::JointOffice | Role::Admin))
}

pub(crate) async fn list(
    State(app): State<Arc<App>>,
    cx: Cx,
    Query(q): Query<RulesQuery>,
) -> Response {
    let lang = cx.lang;
    let p = crate::page::principal(&app, &cx.headers).await;
    let matter = q
        .matter
        .unwrap_or_default()
        .chars()
        .take(32)
        .collect::<String>();
    let rows = app
        .amount_rules()
        .iter()
        .filter(|v| matter.is_empty() || v.matter_code == matter)
        .map(|v| row(lang, v))
        .collect();
    let pg = RulesPage {
        t: lang.texts(),
        l: lang,
        rows,
        matter,
        may_publish: may_publish(p.as_ref()),
    };
    cx.render(&pg, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "amount_rule.html")]
struct RulePage {
    t: &'static Texts,
    l: Lang,
    csrf: String,
    city_code: String,
    matter_code: String,
    title: String,
    history: Vec<Row>,
    rule_text: String,
    note: String,
    effective_from: String,
    /// Each error next to its field: the rule's, the note's, the effective date's.
    rule_error: String,
    note_error: String,
    date_error: String,
    saved: bool,
}

/// What the form held: the rule's text, the note, the effective date.
type FormState = (String, String, String);
/// The errors next to the rule, the note and the date; and whether a version was just saved.
type Shown = (String, String, String, bool);

#[derive(serde::Deserialize, Default)]
pub(crate) struct SavedQuery {
    saved: Option<String>,
}

async fn render_rule(
    app: &App,
    cx: &Cx,
    (city, matter): (&str, &str),
    form: Option<FormState>,
    (rule_error, note_error, date_error, saved): Shown,
    status: StatusCode,
) -> Response {
    let lang = cx.lang;
    let history = match app.amount_rule_history(city, matter).await {
        Ok(h) => h,
        Err(e) => return deny(lang.texts(), lang, e.code),
    };
    let (rule_text, note, effective_from) = form.unwrap_or_else(|| {
        let text = history
            .first()
            .and_then(|v| serde_json::to_string_pretty(&v.rule).ok())
            .unwrap_or_default();
        (text, String::new(), String::new())
    });
    let title = history
        .first()
        .map(|v| {
            format!(
                "{} · {}",
                lang.of(&v.city_zh, &v.city_en),
                lang.of(&v.matter_name_zh, &v.matter_name_en)
            )
        })
        .unwrap_or_default();
    let pg = RulePage {
        t: lang.texts(),
        l: lang,
        csrf: cx.csrf(),
        city_code: city.to_string(),
        matter_code: matter.to_string(),
        title,
        history: history.iter().map(|v| row(lang, v)).collect(),
        rule_text,
        note,
        effective_from,
        rule_error,
        note_error,
        date_error,
        saved,
    };
    cx.render(&pg, status)
}

/// One city's rule for a matter: its versions, and the form that publishes the next.
pub(crate) async fn show(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    Path((city, matter)): Path<(String, String)>,
    Query(q): Query<SavedQuery>,
) -> Response {
    let lang = cx.lang;
    if !may_publish(Some(&p)) {
        return deny(lang.texts(), lang, corridor_app::ErrorCode::Forbidden);
    }
    let state = (
        String::new(),
        String::new(),
        String::new(),
        q.saved.is_some(),
    );
    render_rule(&app, &cx, (&city, &matter), None, state, StatusCode::OK).await
}

/// Publishes the rule of the form as the next version; a rule that does not parse or fit the
/// matter is shown again with the reason next to it.
pub(crate) async fn publish(
    State(app): State<Arc<App>>,
    Path((city, matter)): Path<(String, String)>,
    Posted { cx, p, form }: Posted,
) -> Response {
    let lang = cx.lang;
    let get = |k: &str, limit: usize| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.chars().take(limit).collect::<String>())
            .unwrap_or_default()
    };
    let (text, note) = (get("rule", RULE_TEXT_LIMIT), get("note", 1000));
    let effective_from = get("effective_from", 32);
    let again = |(rule_error, note_error, date_error): (String, String, String), status| {
        let form = Some((text.clone(), note.clone(), effective_from.clone()));
        let app = app.clone();
        let (city, matter) = (city.clone(), matter.clone());
        async move {
            let state = (rule_error, note_error, date_error, false);
            render_rule(&app, &cx, (&city, &matter), form, state, status).await
        }
    };
    let rule = match serde_json::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            let msg = format!(
                "{}{e}",
                lang.pick("规则不是有效的 JSON：", "the rule is not valid JSON: ")
            );
            let errors = (msg, String::new(), String::new());
            return again(errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match app
        .publish_amount_rule(
            &p,
            &city,
            &matter,
            PublishAmountRule {
                rule,
                note: note.clone(),
                effective_from: Some(effective_from.clone()).filter(|d| !d.is_empty()),
            },
        )
        .await
    {
        Ok(_) => redirect(&format!("/amount-rules/{city}/{matter}?saved=1")),
        Err(e) => {
            let (errors, error) = crate::split_errors(lang, &e);
            let status = error_status(&e);
            let none = String::new;
            let shown = match (errors.get("note"), errors.get("effective_from")) {
                (Some(n), _) => (none(), n.clone(), none()),
                (None, Some(d)) => (none(), none(), d.clone()),
                (None, None) => (error, none(), none()),
            };
            again(shown, status).await
        }
    }
}
