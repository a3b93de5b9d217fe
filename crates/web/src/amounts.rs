//! `/amount-rules`: each city's rule for the matters whose amount is computed at the decision
//! (public: what an applicant may get or pay, and how), and for the joint office and
//! administrators the form that publishes a new version. The same `App` methods as the API
//! decide.

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
    /// The rule's error, shown next to the text; the note's next to the note.
    rule_error: String,
    note_error: String,
    saved: bool,
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct SavedQuery {
    saved: Option<String>,
}

async fn render_rule(
    app: &App,
    cx: &Cx,
    (city, matter): (&str, &str),
    form: Option<(String, String)>,
    (rule_error, note_error, saved): (String, String, bool),
    status: StatusCode,
) -> Response {
    let lang = cx.lang;
    let history = match app.amount_rule_history(city, matter).await {
        Ok(h) => h,
        Err(e) => return deny(lang.texts(), lang, e.code),
    };
    let (rule_text, note) = form.unwrap_or_else(|| {
        let text = history
            .first()
            .and_then(|v| serde_json::to_string_pretty(&v.rule).ok())
            .unwrap_or_default();
        (text, String::new())
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
        rule_error,
        note_error,
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
    let state = (String::new(), String::new(), q.saved.is_some());
    render_rule(&app, &cx, (&city, &matter), None, state, StatusCode::OK).await
}

/// Publishes the rule of the form as the next version; a rule that does not parse or fit the
/// matter is shown again with the reason next to it.
pub(crate) async fn publish(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    Path((city, matter)): Path<(String, String)>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Response {
    let lang = cx.lang;
    if !cx.form_csrf_ok(&form) {
        return deny(lang.texts(), lang, corridor_app::ErrorCode::Forbidden);
    }
    let get = |k: &str, limit: usize| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.chars().take(limit).collect::<String>())
            .unwrap_or_default()
    };
    let (text, note) = (get("rule", RULE_TEXT_LIMIT), get("note", 1000));
    let again = |rule_error: String, note_error: String, status| {
        let form = Some((text.clone(), note.clone()));
        let app = app.clone();
        let (city, matter) = (city.clone(), matter.clone());
        async move {
            let state = (rule_error, note_error, false);
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
            return again(msg, String::new(), StatusCode::UNPROCESSABLE_ENTITY).await;
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
            },
        )
        .await
    {
        Ok(_) => redirect(&format!("/amount-rules/{city}/{matter}?saved=1")),
        Err(e) => {
            let (errors, error) = crate::fields::form_errors(lang, &e);
            let status = error_status(&e);
            match errors.get("note") {
                Some(n) => again(String::new(), n.clone(), status).await,
                None => again(error, String::new(), status).await,
            }
        }
    }
}
