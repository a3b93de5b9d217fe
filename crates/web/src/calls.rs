//! Open calls on the pages: `/industry/calls` (the calls; the office opens one),
//! `/industry/calls/{id}` (a call's needs; the office reviews them), `/industry/open-needs`
//! (the open needs that fit the signed-in firm, ranked and explained), and a need's proposals
//! (`POST /needs/{id}/proposals`, a proposal's documents). The rules are in
//! `corridor_app::industry::{calls, proposals}`.

use crate::materials::{field, file_answer};
use crate::*;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use corridor_app::industry::{
    CallView, FitQuery, NeedFit, NeedView, NewCall, NewProposal, Review, ReviewDecision,
};
use corridor_app::App;
use corridor_domain::case::{Principal, Role};
use corridor_industry::matching::NeedKind;
use corridor_industry::Cluster;
use std::sync::Arc;

fn office(p: &Principal) -> bool {
    matches!(p.role, Role::JointOffice | Role::Admin)
}

pub(crate) fn cluster_names(l: Lang, cs: &[Cluster]) -> String {
    cs.iter()
        .map(|c| match l {
            Lang::Zh => c.name_zh().to_string(),
            Lang::En => c.as_str().replace('_', " "),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn kind_names(l: Lang, ks: &[NeedKind]) -> String {
    ks.iter()
        .map(|k| k.name(l == Lang::Zh))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------- the calls ----------

#[derive(Template)]
#[template(path = "calls.html")]
struct CallsPage {
    t: &'static Texts,
    l: Lang,
    csrf: String,
    office: bool,
    calls: Vec<CallView>,
    clusters: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    form: FormState,
}

impl CallsPage {
    fn scope(&self, c: &CallView) -> String {
        format!(
            "{} · {}",
            cluster_names(self.l, &c.clusters),
            kind_names(self.l, &c.kinds)
        )
    }
}

async fn calls_page(app: &App, cx: &Cx, p: &Principal, form: FormState) -> Response {
    let calls = match app.calls(p).await {
        Ok(c) => c,
        Err(e) => return deny(cx.t(), cx.lang, e.code),
    };
    let l = cx.lang;
    let pg = CallsPage {
        t: cx.t(),
        l,
        csrf: cx.csrf(),
        office: office(p),
        calls,
        clusters: Cluster::ALL
            .iter()
            .map(|c| (c.as_str().into(), cluster_names(l, &[*c])))
            .collect(),
        kinds: NeedKind::ALL
            .iter()
            .map(|k| (k.as_str().into(), k.name(l == Lang::Zh).into()))
            .collect(),
        form,
    };
    cx.render(&pg, pg.form.status)
}

/// `GET /industry/calls`.
pub(crate) async fn calls(State(app): State<Arc<App>>, SignedIn { cx, p }: SignedIn) -> Response {
    calls_page(&app, &cx, &p, FormState::blank()).await
}

/// `POST /industry/calls`: the office opens a call.
pub(crate) async fn open_call(
    State(app): State<Arc<App>>,
    Posted { cx, p, form: f }: Posted,
) -> Response {
    let n = NewCall {
        title_zh: f.val("title_zh"),
        title_en: f.val("title_en"),
        scope_zh: f.val("scope_zh"),
        scope_en: f.val("scope_en"),
        clusters: f.all("clusters").filter_map(Cluster::parse).collect(),
        kinds: f.all("kinds").filter_map(NeedKind::parse).collect(),
        opens: f.val("opens"),
        closes: f.val("closes"),
    };
    match app.create_call(&p, &n).await {
        Ok(c) => redirect(&format!("/industry/calls/{}", enc(&c.id))),
        Err(e) => calls_page(&app, &cx, &p, FormState::refused(cx.lang, &e, f)).await,
    }
}

// ---------- one call ----------

struct CallNeedRow {
    id: String,
    title: String,
    owner: String,
    kind: String,
    review: Review,
    review_name: String,
    note: String,
    deadline: String,
}

#[derive(Template)]
#[template(path = "call.html")]
struct CallPage {
    t: &'static Texts,
    l: Lang,
    csrf: String,
    office: bool,
    call: CallView,
    scope: String,
    needs: Vec<CallNeedRow>,
    message: String,
}

async fn call_page(
    app: &App,
    cx: &Cx,
    p: &Principal,
    id: &str,
    message: String,
    status: StatusCode,
) -> Response {
    let l = cx.lang;
    let (call, needs) = match (app.call(p, id).await, app.call_needs(p, id).await) {
        (Ok(c), Ok(n)) => (c, n),
        (Err(e), _) | (_, Err(e)) => return deny(cx.t(), l, e.code),
    };
    let zh = l == Lang::Zh;
    let needs = needs
        .iter()
        .map(|n: &NeedView| {
            let (review, note) = n
                .call
                .as_ref()
                .map(|c| (c.review, c.note.clone()))
                .unwrap_or((Review::Pending, String::new()));
            CallNeedRow {
                id: n.id.clone(),
                title: l.of(&n.spec.title_zh, &n.spec.title_en),
                owner: l.of(&n.owner_name_zh, &n.owner_name_en),
                kind: n.spec.kind.name(zh).into(),
                review,
                review_name: review.name(zh).into(),
                note,
                deadline: n.deadline.clone().unwrap_or_else(|| "—".into()),
            }
        })
        .collect();
    let pg = CallPage {
        t: cx.t(),
        l,
        csrf: cx.csrf(),
        office: office(p),
        scope: format!(
            "{} · {}",
            cluster_names(l, &call.clusters),
            kind_names(l, &call.kinds)
        ),
        call,
        needs,
        message,
    };
    cx.render(&pg, status)
}

/// `GET /industry/calls/{id}`.
pub(crate) async fn call(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    Path(id): Path<String>,
) -> Response {
    call_page(&app, &cx, &p, &id, String::new(), StatusCode::OK).await
}

/// `POST /industry/calls/{id}/review`: `need`, `review` (`approved`/`refused`), `note`.
pub(crate) async fn review(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Posted { cx, p, form: f }: Posted,
) -> Response {
    let Some(review) = Review::parse(&f.val("review")) else {
        return deny(cx.t(), cx.lang, corridor_app::ErrorCode::BadRequest);
    };
    let d = ReviewDecision {
        review,
        note: f.val("note"),
    };
    let need = f.val("need");
    match app.review_need(&p, &need, &d).await {
        Ok(_) => redirect(&format!("/industry/calls/{}#need-{}", enc(&id), enc(&need))),
        Err(e) => {
            let msg = error_text(cx.lang, &e);
            call_page(&app, &cx, &p, &id, msg, error_status(&e)).await
        }
    }
}

// ---------- the open needs that fit the signed-in firm ----------

struct FitRow {
    rank: usize,
    id: String,
    title: String,
    owner: String,
    kind: String,
    deadline: String,
    score: String,
    matched: String,
    signals: Vec<(String, String, String, String)>,
    answered: bool,
}

#[derive(Template)]
#[template(path = "open_needs.html")]
struct OpenNeedsPage {
    t: &'static Texts,
    l: Lang,
    rows: Vec<FitRow>,
    uscc: String,
    office: bool,
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct FitParams {
    uscc: Option<String>,
}

/// `GET /industry/open-needs` (the office adds `?uscc=`).
pub(crate) async fn open_needs(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    q: Result<axum::extract::Query<FitParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let l = cx.lang;
    let uscc = q.map(|q| q.0).unwrap_or_default().uscc.unwrap_or_default();
    let fits: Vec<NeedFit> = if office(&p) && uscc.trim().is_empty() {
        Vec::new()
    } else {
        let q = FitQuery {
            uscc: Some(uscc.clone()).filter(|s| !s.trim().is_empty()),
            ..Default::default()
        };
        match app.needs_for_firm(&p, &q).await {
            Ok(f) => f,
            Err(e) => return deny(cx.t(), l, e.code),
        }
    };
    let zh = l == Lang::Zh;
    let rows = fits
        .into_iter()
        .map(|f| FitRow {
            rank: f.rank,
            id: f.need.id.clone(),
            title: l.of(&f.need.spec.title_zh, &f.need.spec.title_en),
            owner: l.of(&f.need.owner_name_zh, &f.need.owner_name_en),
            kind: f.need.spec.kind.name(zh).into(),
            deadline: f.need.deadline.clone().unwrap_or_else(|| "—".into()),
            score: format!("{:.3}", f.score),
            matched: crate::industry::matched_line(&f.matched),
            signals: crate::industry::signal_rows(l, &f.signals),
            answered: f.proposal.is_some(),
        })
        .collect();
    let pg = OpenNeedsPage {
        t: cx.t(),
        l,
        rows,
        uscc,
        office: office(&p),
    };
    cx.render(&pg, StatusCode::OK)
}

// ---------- proposals ----------

/// `POST /needs/{id}/proposals` (multipart: `csrf`, `body`, optionally `file`): the signed-in
/// firm answers the need; back to the need's page, or the page with the reason by the field.
pub(crate) async fn propose(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    PostedFile { cx, p, up }: PostedFile,
) -> Response {
    let l = cx.lang;
    let n = NewProposal {
        body: field(&up.fields, "body").to_string(),
    };
    let back = |e: &corridor_app::AppError| {
        let (errors, message) = split_errors(l, e);
        (errors, message, error_status(e))
    };
    let pr = match app.propose(&p, &id, &n).await {
        Ok(v) => v,
        Err(e) => {
            let (errors, message, status) = back(&e);
            let form = vec![("body".to_string(), n.body.clone())];
            return crate::industry::need_page(&app, &cx, &p, &id, message, errors, form, status)
                .await;
        }
    };
    if let Some(file) = up.file.filter(|f| !f.bytes.is_empty()) {
        if let Err(e) = app.add_proposal_file(&p, &pr.id, file).await {
            let (errors, message, status) = back(&e);
            let page = crate::industry::need_page;
            return page(&app, &cx, &p, &id, message, errors, Vec::new(), status).await;
        }
    }
    redirect(&format!("/needs/{}#my-proposal", enc(&id)))
}

/// `POST /proposals/{id}/files` (multipart: `csrf`, `need`, `file`): a further document.
pub(crate) async fn upload(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    PostedDocument {
        cx,
        p,
        file,
        fields,
    }: PostedDocument,
) -> Response {
    let need = field(&fields, "need").to_string();
    match app.add_proposal_file(&p, &id, file).await {
        Ok(_) => redirect(&format!("/needs/{}#my-proposal", enc(&need))),
        Err(e) => {
            let (errors, message) = split_errors(cx.lang, &e);
            let st = error_status(&e);
            crate::industry::need_page(&app, &cx, &p, &need, message, errors, Vec::new(), st).await
        }
    }
}

/// `GET /proposals/{id}/files/{file}`.
pub(crate) async fn download(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    Path((id, file)): Path<(String, String)>,
) -> Response {
    match app.proposal_file(&p, &id, &file).await {
        Ok((v, bytes)) => file_answer(v.download_headers(), bytes),
        Err(e) => deny(cx.t(), cx.lang, e.code),
    }
}
