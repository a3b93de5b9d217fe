//! `/industry/reserve`: a head enterprise's partner reserve (add with scope and dates, remove);
//! the joint office's view of every reserve (naming the head enterprise to change one); the
//! reserves a firm is in. The rules are in `corridor_app::industry` (reserve).

use crate::*;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use corridor_app::industry::{NewPartner, PartnerView};
use corridor_app::App;
use corridor_domain::case::{Principal, Role};
use std::sync::Arc;

#[derive(Template)]
#[template(path = "reserve.html")]
struct ReservePage {
    t: &'static Texts,
    l: Lang,
    csrf: String,
    office: bool,
    /// The caller keeps a reserve (a head enterprise, or the office).
    keeps: bool,
    partners: Vec<PartnerView>,
    holding_me: Vec<PartnerView>,
    form: FormState,
}

async fn page(app: &App, cx: &Cx, p: &Principal, form: FormState) -> Response {
    let office = matches!(p.role, Role::JointOffice | Role::Admin);
    let (keeps, partners) = match app.partner_reserve(p, None).await {
        Ok(v) => (true, v),
        Err(e) if e.code == corridor_app::ErrorCode::Forbidden => (false, Vec::new()),
        Err(e) => return deny(cx.t(), cx.lang, e.code),
    };
    let holding_me = app.reserves_holding_me(p).await.unwrap_or_default();
    let pg = ReservePage {
        t: cx.t(),
        l: cx.lang,
        csrf: cx.csrf(),
        office,
        keeps,
        partners,
        holding_me,
        form,
    };
    cx.render(&pg, pg.form.status)
}

/// `GET /industry/reserve`.
pub(crate) async fn reserve(State(app): State<Arc<App>>, SignedIn { cx, p }: SignedIn) -> Response {
    page(&app, &cx, &p, FormState::blank()).await
}

/// `POST /industry/reserve`: add (`partner_uscc`, `scope`, `authorised_on`, `valid_until`, and
/// for the office `head_uscc`) or remove (`remove` = the partner's USCC).
pub(crate) async fn reserve_post(
    State(app): State<Arc<App>>,
    Posted { cx, p, form: f }: Posted,
) -> Response {
    let head = Some(f.val("head_uscc")).filter(|s| !s.trim().is_empty());
    let r = match f.val("remove") {
        partner if !partner.is_empty() => app.remove_partner(&p, head.as_deref(), &partner).await,
        _ => {
            let n = NewPartner {
                partner_uscc: f.val("partner_uscc"),
                scope: f.val("scope"),
                authorised_on: f.val("authorised_on"),
                valid_until: Some(f.val("valid_until")).filter(|s| !s.trim().is_empty()),
                head_uscc: head,
            };
            app.add_partner(&p, &n).await.map(|_| ())
        }
    };
    match r {
        Ok(()) => redirect("/industry/reserve"),
        Err(e) => page(&app, &cx, &p, FormState::refused(cx.lang, &e, f)).await,
    }
}
