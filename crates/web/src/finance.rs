//! The finance alliance on the pages: `/finance` (the office: members, the figures and a form
//! for a member; an enterprise: its financing needs and a form to post one; a member: the open
//! needs ranked for it), and `/finance/needs/{id}` (the members ranked for the need, explained,
//! with its pipeline). The rules are in `corridor_app::industry::finance`.

use crate::materials::field;
use crate::*;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use corridor_app::industry::{
    FinanceCounts, FinanceMove, FinanceStage, FinancingNeedView, MemberFit, MemberView,
    NeedForMember, NewFinancingNeed, NewMember,
};
use corridor_app::App;
use corridor_domain::case::{Principal, Role};
use corridor_industry::finance::{FinancingSpec, FirmStage, MemberKind, Product};
use std::collections::BTreeMap;
use std::sync::Arc;

fn val(f: &[(String, String)], k: &str) -> String {
    field(f, k).trim().to_string()
}

/// A whole number from a form ("" or not a number: 0, which the rules refuse by name).
fn number(f: &[(String, String)], k: &str) -> i64 {
    val(f, k).replace([',', '，'], "").parse().unwrap_or(0)
}

fn options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    name: impl Fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|x| (code(*x).to_string(), name(*x).to_string()))
        .collect()
}

#[derive(Template)]
#[template(path = "finance.html")]
struct FinancePage {
    t: &'static Texts,
    l: Lang,
    csrf: String,
    office: bool,
    counts: Option<FinanceCounts>,
    members: Vec<MemberView>,
    needs: Vec<FinancingNeedView>,
    /// The caller is a member: the open needs ranked for it.
    for_me: Option<Vec<NeedForMember>>,
    stages: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    form: FormState,
}

impl FinancePage {
    fn kind(&self, k: &MemberKind) -> &'static str {
        k.name(self.l == Lang::Zh)
    }
    fn stage(&self, s: &FirmStage) -> &'static str {
        s.name(self.l == Lang::Zh)
    }
    fn products(&self, m: &MemberView) -> String {
        m.products
            .iter()
            .map(|p| {
                format!(
                    "{} ({}–{})",
                    self.l.of(&p.name_zh, &p.name_en),
                    p.min_amount,
                    p.max_amount
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
    fn status(&self, s: &str) -> &'static str {
        status_name(self.l, s)
    }
    fn pipeline_stage(&self, s: &Option<FinanceStage>) -> String {
        s.map(|s| s.name(self.l == Lang::Zh).to_string())
            .unwrap_or_default()
    }
}

fn status_name(l: Lang, s: &str) -> &'static str {
    match (s, l) {
        ("financed", Lang::Zh) => "已融资",
        ("financed", Lang::En) => "Financed",
        ("withdrawn", Lang::Zh) => "已撤回",
        ("withdrawn", Lang::En) => "Withdrawn",
        (_, Lang::Zh) => "对接中",
        (_, Lang::En) => "Open",
    }
}

async fn page(app: &App, cx: &Cx, p: &Principal, form: FormState) -> Response {
    let l = cx.lang;
    let office = matches!(p.role, Role::JointOffice | Role::Admin);
    let (members, needs) = match (app.finance_members(p).await, app.financing_needs(p).await) {
        (Ok(m), Ok(n)) => (m, n),
        (Err(e), _) | (_, Err(e)) => return deny(cx.t(), l, e.code),
    };
    let for_me = app.needs_for_member(p, None).await.ok();
    let zh = l == Lang::Zh;
    let pg = FinancePage {
        t: cx.t(),
        l,
        csrf: cx.csrf(),
        office,
        counts: app.finance_counts(p).await.ok(),
        members,
        needs,
        for_me,
        stages: options(&FirmStage::ALL, FirmStage::as_str, |s| s.name(zh)),
        kinds: options(&MemberKind::ALL, MemberKind::as_str, |k| k.name(zh)),
        form,
    };
    cx.render(&pg, pg.form.status)
}

/// `GET /finance`.
pub(crate) async fn finance(State(app): State<Arc<App>>, SignedIn { cx, p }: SignedIn) -> Response {
    page(&app, &cx, &p, FormState::blank()).await
}

/// `POST /finance`: `what` = `need` (an enterprise's financing need) or `member` (the office's
/// member with a product: a new member, or one more product of a member already in).
pub(crate) async fn finance_post(
    State(app): State<Arc<App>>,
    Posted { cx, p, form: f }: Posted,
) -> Response {
    let stages =
        |k: &'static str| -> Vec<FirmStage> { f.all(k).filter_map(FirmStage::parse).collect() };
    let r = if f.val("what") == "member" {
        let n = NewMember {
            uscc: f.val("uscc"),
            name_zh: f.val("name_zh"),
            name_en: f.val("name_en"),
            kind: MemberKind::parse(&f.val("kind")).unwrap_or(MemberKind::Bank),
            city: f.val("city"),
            products: vec![Product {
                name_zh: f.val("product_zh"),
                name_en: f.val("product_en"),
                min_amount: number(&f, "min_amount"),
                max_amount: number(&f, "max_amount"),
                stages: stages("stages"),
                clusters: Vec::new(),
                cities: Vec::new(),
                description_zh: f.val("description_zh"),
                description_en: f.val("description_en"),
            }],
        };
        app.add_member_product(&p, &n)
            .await
            .map(|_| "/finance#members".to_string())
    } else {
        let n = NewFinancingNeed {
            uscc: Some(f.val("owner")).filter(|s| !s.is_empty()),
            spec: FinancingSpec {
                title_zh: f.val("title_zh"),
                title_en: f.val("title_en"),
                amount: number(&f, "amount"),
                stage: FirmStage::parse(&f.val("stage")).unwrap_or(FirmStage::Growth),
                purpose_zh: f.val("purpose_zh"),
                purpose_en: f.val("purpose_en"),
            },
        };
        app.post_financing_need(&p, &n)
            .await
            .map(|v| format!("/finance/needs/{}", enc(&v.id)))
    };
    match r {
        Ok(to) => redirect(&to),
        Err(e) => page(&app, &cx, &p, FormState::refused(cx.lang, &e, f)).await,
    }
}

#[derive(Template)]
#[template(path = "finance_need.html")]
struct NeedPage {
    t: &'static Texts,
    l: Lang,
    csrf: String,
    need: FinancingNeedView,
    /// The members ranked (the need's firm and the office).
    ranked: Vec<MemberFit>,
    /// The caller is a member: its own place and the fit.
    mine: Option<NeedForMember>,
    my_uscc: String,
    /// The caller may withdraw the need (its enterprise or the office, while open).
    may_withdraw: bool,
    message: String,
    errors: BTreeMap<String, String>,
}

impl NeedPage {
    fn status(&self) -> &'static str {
        status_name(self.l, &self.need.status)
    }
    fn stage(&self, s: &Option<FinanceStage>) -> String {
        s.map(|s| s.name(self.l == Lang::Zh).to_string())
            .unwrap_or_default()
    }
    fn moves(&self, s: &Option<FinanceStage>) -> Vec<(String, String)> {
        let zh = self.l == Lang::Zh;
        FinanceStage::ALL
            .iter()
            .filter(|to| match s {
                None => **to != FinanceStage::Declined,
                Some(from) => from.can_move_to(**to),
            })
            .map(|to| (to.as_str().to_string(), to.name(zh).to_string()))
            .collect()
    }
    fn signals(
        &self,
        s: &[corridor_app::industry::SignalView],
    ) -> Vec<(String, String, String, String)> {
        s.iter()
            .map(|x| {
                (
                    finance_signal(self.l, &x.name).to_string(),
                    format!("{:.2}", x.value),
                    format!("{:.2}", x.weight),
                    format!("{:.3}", x.contribution),
                )
            })
            .collect()
    }
    fn open(&self) -> bool {
        self.need.status == "open"
    }
    fn err(&self, k: &str) -> Option<&String> {
        self.errors.get(k)
    }
}

fn finance_signal(l: Lang, s: &str) -> &'static str {
    match (s, l) {
        ("amount", Lang::Zh) => "金额区间",
        ("amount", Lang::En) => "amount band",
        ("stage", Lang::Zh) => "企业阶段",
        ("stage", Lang::En) => "stage",
        ("cluster", Lang::Zh) => "产业集群",
        ("cluster", Lang::En) => "cluster",
        ("city", Lang::Zh) => "服务城市",
        ("city", Lang::En) => "city",
        (_, Lang::Zh) => "用途相关度",
        (_, Lang::En) => "purpose relevance",
    }
}

async fn need_page(
    app: &App,
    cx: &Cx,
    p: &Principal,
    id: &str,
    message: String,
    errors: BTreeMap<String, String>,
    status: StatusCode,
) -> Response {
    let l = cx.lang;
    let need = match app.financing_need(p, id).await {
        Ok(n) => n,
        Err(e) => return deny(cx.t(), l, e.code),
    };
    let ranked = app.rank_members(p, id).await.unwrap_or_default();
    let mine = app
        .needs_for_member(p, None)
        .await
        .ok()
        .and_then(|v| v.into_iter().find(|x| x.need.id == id));
    let my_uscc = app
        .my_enterprise(p)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let pg = NeedPage {
        may_withdraw: app.may_withdraw_financing(p, id).await,
        t: cx.t(),
        l,
        csrf: cx.csrf(),
        need,
        ranked,
        mine,
        my_uscc,
        message,
        errors,
    };
    cx.render(&pg, status)
}

/// `GET /finance/needs/{id}`.
pub(crate) async fn need(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    Path(id): Path<String>,
) -> Response {
    need_page(
        &app,
        &cx,
        &p,
        &id,
        String::new(),
        BTreeMap::new(),
        StatusCode::OK,
    )
    .await
}

/// `POST /finance/needs/{id}`: `member_uscc`, `stage`, `amount` (at `financed`).
pub(crate) async fn move_member(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Posted { cx, p, form: f }: Posted,
) -> Response {
    let Some(stage) = FinanceStage::parse(&f.val("stage")) else {
        return deny(cx.t(), cx.lang, corridor_app::ErrorCode::BadRequest);
    };
    let member = f.val("member_uscc");
    let m = FinanceMove {
        member_uscc: member.clone(),
        stage,
        amount: Some(number(&f, "amount")).filter(|_| stage == FinanceStage::Financed),
    };
    match app.move_financing(&p, &id, &m).await {
        Ok(_) => redirect(&format!("/finance/needs/{}#pipeline", enc(&id))),
        Err(e) => {
            let (mut errors, message) = split_errors(cx.lang, &e);
            if let Some(why) = errors.remove("amount") {
                errors.insert(format!("amount-{member}"), why);
            }
            need_page(&app, &cx, &p, &id, message, errors, error_status(&e)).await
        }
    }
}

/// `POST /finance/needs/{id}/withdraw`.
pub(crate) async fn withdraw(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Posted { cx, p, form: _ }: Posted,
) -> Response {
    match app.withdraw_financing_need(&p, &id).await {
        Ok(_) => redirect(&format!("/finance/needs/{}", enc(&id))),
        Err(e) => {
            let (errors, message) = split_errors(cx.lang, &e);
            need_page(&app, &cx, &p, &id, message, errors, error_status(&e)).await
        }
    }
}
