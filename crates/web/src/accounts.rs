//! Enterprise accounts on the pages: self-registration (`/register`), and `/industry/accounts`
//! where the joint office confirms or refuses the accounts waiting and an account sees its own
//! link. The rules are in `corridor_app::industry::accounts`.

use crate::*;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use corridor_app::industry::accounts::{AccountDecision, AccountLink, Registration};
use corridor_app::App;
use corridor_domain::case::Role;
use std::collections::BTreeMap;
use std::sync::Arc;

type Form = axum::Form<Vec<(String, String)>>;

fn val(f: &[(String, String)], k: &str) -> String {
    crate::materials::field(f, k).to_string()
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    t: &'static Texts,
    l: Lang,
    csrf: String,
    form: Vec<(String, String)>,
    errors: BTreeMap<String, String>,
    message: String,
    /// Registered: the link, waiting for the joint office.
    done: Option<AccountLink>,
}

impl RegisterPage {
    fn f(&self, k: &str) -> String {
        if k == "password" {
            return String::new();
        }
        val(&self.form, k)
    }
    fn err(&self, k: &str) -> Option<&String> {
        self.errors.get(k)
    }
    fn is_password(&self, k: &str) -> bool {
        k == "password"
    }
}

fn register_page(cx: &Cx, pg: RegisterPage, status: StatusCode) -> Response {
    cx.render(&pg, status)
}

/// `GET /register`: the form.
pub(crate) async fn register_form(cx: Cx) -> Response {
    let pg = RegisterPage {
        t: cx.t(),
        l: cx.lang,
        csrf: cx.csrf(),
        form: Vec::new(),
        errors: BTreeMap::new(),
        message: String::new(),
        done: None,
    };
    register_page(&cx, pg, StatusCode::OK)
}

/// `POST /register`: registered (the page says what happens next), or the form again with
/// each reason next to its field.
pub(crate) async fn register_submit(
    State(app): State<Arc<App>>,
    client: Option<axum::Extension<corridor_app::ClientIp>>,
    cx: Cx,
    axum::Form(f): Form,
) -> Response {
    let ip = corridor_app::ClientIp::or_unknown(client.map(|e| e.0));
    if !cx.csrf_ok(&val(&f, "csrf")) {
        return deny(cx.t(), cx.lang, corridor_app::ErrorCode::Forbidden);
    }
    let r = Registration {
        username: val(&f, "username"),
        password: val(&f, "password"),
        uscc: val(&f, "uscc"),
        company_name: val(&f, "company_name"),
        contact_name: val(&f, "contact_name"),
        contact_phone: val(&f, "contact_phone"),
    };
    let (done, errors, message, status) = match app.register_enterprise(&r, ip).await {
        Ok(l) => (Some(l), BTreeMap::new(), String::new(), StatusCode::OK),
        Err(e) => {
            let (errors, message) = split_errors(cx.lang, &e);
            (None, errors, message, error_status(&e))
        }
    };
    let pg = RegisterPage {
        t: cx.t(),
        l: cx.lang,
        csrf: cx.csrf(),
        form: f.into_iter().filter(|(k, _)| k != "csrf").collect(),
        errors,
        message,
        done,
    };
    register_page(&cx, pg, status)
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    t: &'static Texts,
    l: Lang,
    csrf: String,
    office: bool,
    pending: Vec<AccountLink>,
    mine: Option<AccountLink>,
    errors: BTreeMap<String, String>,
    message: String,
}

impl AccountsPage {
    fn err_of(&self, user: &str) -> &str {
        self.errors
            .get(&format!("note-{user}"))
            .map_or("", String::as_str)
    }
    fn status_text(&self, s: &str) -> &'static str {
        match s {
            "pending" => self.l.pick("待联席办确认", "Waiting for the joint office"),
            "confirmed" => self.l.pick("已确认", "Confirmed"),
            _ => self.l.pick("未通过", "Refused"),
        }
    }
}

async fn accounts_page(
    app: &App,
    cx: &Cx,
    p: &corridor_domain::case::Principal,
    errors: BTreeMap<String, String>,
    message: String,
    status: StatusCode,
) -> Response {
    let office = matches!(p.role, Role::JointOffice | Role::Admin);
    let pending = if office {
        match app.enterprise_accounts(p, "pending").await {
            Ok(v) => v,
            Err(e) => return deny(cx.t(), cx.lang, e.code),
        }
    } else {
        Vec::new()
    };
    let mine = app.my_account_link(p).await.ok().flatten();
    let pg = AccountsPage {
        t: cx.t(),
        l: cx.lang,
        csrf: cx.csrf(),
        office,
        pending,
        mine,
        errors,
        message,
    };
    cx.render(&pg, status)
}

/// `GET /industry/accounts`: the office's accounts waiting; an account's own link.
pub(crate) async fn accounts(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
) -> Response {
    accounts_page(
        &app,
        &cx,
        &p,
        BTreeMap::new(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

/// `POST /industry/accounts/{user}`: the office's decision (`decision` = confirm or refuse,
/// `note`); back to the list, or the list with the reason next to that account's note.
pub(crate) async fn decide(
    State(app): State<Arc<App>>,
    Path(user): Path<String>,
    Posted { cx, p, form: f }: Posted,
) -> Response {
    let d = AccountDecision {
        confirm: val(&f, "decision") == "confirm",
        note: Some(val(&f, "note")).filter(|s| !s.trim().is_empty()),
    };
    match app.decide_enterprise_account(&p, &user, &d).await {
        Ok(_) => redirect("/industry/accounts"),
        Err(e) => {
            let (mut errors, message) = split_errors(cx.lang, &e);
            if let Some(why) = errors.remove("note") {
                errors.insert(format!("note-{user}"), why);
            }
            accounts_page(&app, &cx, &p, errors, message, error_status(&e)).await
        }
    }
}
