//! Corridor's server-rendered pages, in Chinese and English. Handlers call the same
//! `corridor_app::App` methods as the JSON API; templates only lay out what those return.
//! The language comes from `?lang=`, remembered in a cookie, else from Accept-Language.
//! No page needs JavaScript.
//!
//! Public pages (home, matter search and detail, licence verification), sign-in, the
//! caller's queue, a case page with its actions, filing step by step (`filing`), and the
//! joint office's dashboard (`dashboard`).

mod authorisations;
mod dashboard;
mod fields;
mod filing;
mod industry;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use corridor_app::catalogue::MatterQuery;
use corridor_app::App;
use corridor_domain::catalogue::ServiceMode;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

/// Every string a page shows, in one language.
pub struct Texts {
    pub html_lang: &'static str,
    pub site: &'static str,
    pub language: &'static str,
    pub footer: &'static str,
    pub home_title: &'static str,
    pub home_intro: &'static str,
    pub search_label: &'static str,
    pub search: &'static str,
    pub mode: &'static str,
    pub modes: &'static str,
    pub city: &'static str,
    pub any: &'static str,
    pub members: &'static str,
    pub matters_in_catalogue: &'static str,
    pub windows_count: &'static str,
    pub results: &'static str,
    pub found: &'static str,
    pub matter: &'static str,
    pub limits: &'static str,
    pub working_days: &'static str,
    pub next_page: &'static str,
    pub catalogue_version: &'static str,
    pub authority: &'static str,
    pub promised: &'static str,
    pub statutory: &'static str,
    pub fee: &'static str,
    pub free: &'static str,
    pub output: &'static str,
    pub materials: &'static str,
    pub fields: &'static str,
    pub field: &'static str,
    pub required: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub not_found: &'static str,
    pub verify_title: &'static str,
    pub verify_intro: &'static str,
    pub verify_label: &'static str,
    pub verify_button: &'static str,
    pub verify_file: &'static str,
    pub file_this: &'static str,
    pub verdict_valid: &'static str,
    pub verdict_invalid: &'static str,
    pub holder: &'static str,
    pub number: &'static str,
    pub issuer: &'static str,
    pub valid_until: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub my_cases: &'static str,
    pub industry: &'static str,
    pub cases_count: &'static str,
    pub receipt: &'static str,
    pub status: &'static str,
    pub deadline: &'static str,
    pub overdue: &'static str,
    pub near_due: &'static str,
    pub paused: &'static str,
    pub applicant: &'static str,
    pub received_at: &'static str,
    pub decided_by: &'static str,
    pub timeline: &'static str,
    pub bad_form: &'static str,
    pub actions: &'static str,
    pub reason: &'static str,
    pub identity_checked: &'static str,
    pub identity_seen: &'static str,
}

const ZH: Texts = Texts {
    html_lang: "zh-CN",
    site: "G60科创走廊 跨省通办",
    language: "语言",
    footer: "长三角G60科创走廊九城市政务服务“一网通办”“异地通办”。",
    home_title: "异地受理 · 远程审批 · 就近发证",
    home_intro: "在九城市任一通办窗口或网上提交，由申请人所在地的有权机关审批。",
    search_label: "查找事项（中文或英文）",
    search: "查找",
    mode: "办理方式",
    modes: "办理方式",
    city: "审批城市",
    any: "不限",
    members: "成员城市",
    matters_in_catalogue: "项通办事项",
    windows_count: "个通办窗口",
    results: "事项查询",
    found: "项事项",
    matter: "事项",
    limits: "承诺/法定时限",
    working_days: "个工作日",
    next_page: "下一页",
    catalogue_version: "目录版本",
    authority: "审批机关类别",
    promised: "承诺",
    statutory: "法定",
    fee: "收费",
    free: "不收费",
    output: "办理结果",
    materials: "申请材料",
    fields: "填报内容",
    field: "字段",
    required: "必填",
    yes: "是",
    no: "否",
    not_found: "未找到该事项",
    verify_title: "电子证照核验",
    verify_intro: "粘贴证照二维码内容（以 G60:1: 开头），核验签名、有效期和吊销状态。",
    verify_label: "二维码内容",
    verify_button: "核验",
    verify_file: "或上传证照文件（.cose）",
    file_this: "在线办理",
    verdict_valid: "有效证照",
    verdict_invalid: "证照无效",
    holder: "持证主体",
    number: "证照编号",
    issuer: "发证机关",
    valid_until: "有效期至",
    sign_in: "登录",
    sign_out: "退出登录",
    username: "用户名",
    password: "密码",
    my_cases: "我的办件",
    industry: "产业链",
    cases_count: "件",
    receipt: "受理编号",
    status: "状态",
    deadline: "办结期限",
    overdue: "已逾期",
    near_due: "临近期限",
    paused: "补正中，计时暂停",
    applicant: "申请人",
    received_at: "收件地",
    decided_by: "审批机关",
    timeline: "办理过程",
    bad_form: "表单已过期，请重新提交",
    actions: "办理",
    reason: "理由或说明（不予受理、不予许可、补正时必填）",
    identity_checked: "已核验申请人身份和材料形式",
    identity_seen: "代理人证件号（由他人代办时填写；须已登记授权）",
};

const EN: Texts = Texts {
    html_lang: "en",
    site: "G60 Corridor Any-Window Services",
    language: "Language",
    footer: "Cross-city government services of the nine cities of the Yangtze River Delta G60 Science and Technology Innovation Corridor.",
    home_title: "Accept locally · approve remotely · issue locally",
    home_intro: "File online or at any service window in the nine cities; the competent authority of your home city decides.",
    search_label: "Find a matter (Chinese or English)",
    search: "Search",
    mode: "Service mode",
    modes: "Service modes",
    city: "Deciding city",
    any: "Any",
    members: "Member cities",
    matters_in_catalogue: "matters in the catalogue",
    windows_count: "service windows",
    results: "Find a matter",
    found: "matters found",
    matter: "Matter",
    limits: "Promised / statutory limit",
    working_days: "working days",
    next_page: "Next page",
    catalogue_version: "catalogue version",
    authority: "Competent authority",
    promised: "promised",
    statutory: "statutory",
    fee: "Fee",
    free: "free of charge",
    output: "Result",
    materials: "Materials",
    fields: "Form fields",
    field: "Field",
    required: "Required",
    yes: "yes",
    no: "no",
    not_found: "No such matter",
    verify_title: "Verify an e-licence",
    verify_intro: "Paste the licence's QR text (it starts with G60:1:) to check its signature, validity and revocation.",
    verify_label: "QR text",
    verify_button: "Verify",
    verify_file: "Or upload the licence file (.cose)",
    file_this: "File this matter",
    verdict_valid: "Valid licence",
    verdict_invalid: "Not valid",
    holder: "Holder",
    number: "Licence number",
    issuer: "Issued by",
    valid_until: "Valid until",
    sign_in: "Sign in",
    sign_out: "Sign out",
    username: "Username",
    password: "Password",
    my_cases: "My cases",
    industry: "Industry chain",
    cases_count: "cases",
    receipt: "Receipt number",
    status: "Status",
    deadline: "Deadline",
    overdue: "overdue",
    near_due: "near the deadline",
    paused: "correction pending, clock paused",
    applicant: "Applicant",
    received_at: "Received at",
    decided_by: "Decided by",
    timeline: "History",
    bad_form: "The form expired; please submit it again",
    actions: "Act on this case",
    reason: "Reason or note (required to refuse, reject or request a correction)",
    identity_checked: "Applicant's identity and the form of the materials checked",
    identity_seen: "Agent's ID number (when someone else comes for the person; an authorisation must be on record)",
};

impl Lang {
    /// The Chinese or the English of a pair, for strings used on one page only.
    pub fn pick(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The Chinese or the English of a pair of owned strings (catalogue names and the like).
    pub fn of(self, zh: &str, en: &str) -> String {
        match self {
            Lang::Zh => zh.to_string(),
            Lang::En => en.to_string(),
        }
    }

    /// An error code's title in this language.
    pub fn error_title(self, code: corridor_app::ErrorCode) -> &'static str {
        match self {
            Lang::Zh => code.title_zh(),
            Lang::En => code.title_en(),
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
    fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
    /// The verifier's reason codes in words.
    fn reason(self, code: &str) -> &'static str {
        match (self, code) {
            (Lang::Zh, "malformed") => "格式错误",
            (Lang::Zh, "unknown_key") => "签名密钥不在信任列表中",
            (Lang::Zh, "bad_signature") => "签名不符，内容可能被篡改",
            (Lang::Zh, "key_revoked") => "签发密钥已声明泄露",
            (Lang::Zh, "not_yet_valid") => "尚未生效",
            (Lang::Zh, "expired") => "已过有效期",
            (Lang::Zh, "licence_revoked") => "证照已被发证机关吊销",
            (Lang::En, "malformed") => "malformed",
            (Lang::En, "unknown_key") => "signed with a key that is not in the trust list",
            (Lang::En, "bad_signature") => {
                "the signature does not match: the content may have been altered"
            }
            (Lang::En, "key_revoked") => "the signing key was reported compromised",
            (Lang::En, "not_yet_valid") => "not yet valid",
            (Lang::En, "expired") => "expired",
            (Lang::En, "licence_revoked") => "revoked by the issuing authority",
            _ => "invalid",
        }
    }

    fn action(self, a: corridor_domain::case::Action) -> &'static str {
        use corridor_domain::case::Action::*;
        match (self, a) {
            (Lang::Zh, Receive) => "收件",
            (Lang::Zh, Forward) => "转递",
            (Lang::Zh, Accept) => "受理",
            (Lang::Zh, Refuse) => "不予受理",
            (Lang::Zh, RequestCorrection) => "要求补正",
            (Lang::Zh, Resubmit) => "提交补正",
            (Lang::Zh, Approve) => "批准",
            (Lang::Zh, Reject) => "不予许可",
            (Lang::Zh, IssueLicence) => "发证",
            (Lang::Zh, Deliver) => "送达",
            (Lang::Zh, Withdraw) => "撤回",
            (Lang::En, Receive) => "Receive",
            (Lang::En, Forward) => "Forward",
            (Lang::En, Accept) => "Accept",
            (Lang::En, Refuse) => "Refuse",
            (Lang::En, RequestCorrection) => "Request a correction",
            (Lang::En, Resubmit) => "Resubmit",
            (Lang::En, Approve) => "Approve",
            (Lang::En, Reject) => "Reject",
            (Lang::En, IssueLicence) => "Issue the licence",
            (Lang::En, Deliver) => "Deliver",
            (Lang::En, Withdraw) => "Withdraw",
        }
    }

    fn role(self, r: corridor_domain::case::Role) -> &'static str {
        use corridor_domain::case::Role::*;
        match r {
            Applicant => self.pick("申请人", "applicant"),
            Clerk => self.pick("窗口收件人员", "window clerk"),
            Reviewer => self.pick("审批人员", "reviewer"),
            JointOffice => self.pick("联席办", "joint office"),
            Admin => self.pick("系统管理员", "administrator"),
        }
    }

    fn mode(self, m: ServiceMode) -> &'static str {
        match (self, m) {
            (Lang::Zh, ServiceMode::FullyOnline) => "全程网办",
            (Lang::Zh, ServiceMode::RemoteReceipt) => "异地代收代办",
            (Lang::Zh, ServiceMode::MultiSite) => "多地联办",
            (Lang::En, ServiceMode::FullyOnline) => "fully online",
            (Lang::En, ServiceMode::RemoteReceipt) => "remote receipt",
            (Lang::En, ServiceMode::MultiSite) => "multi-site",
        }
    }
}

#[derive(Deserialize, Default)]
pub struct LangQuery {
    pub lang: Option<String>,
}

/// `?lang=` wins (and is remembered), then the `lang` cookie, then Accept-Language; Chinese
/// by default.
fn negotiate(headers: &HeaderMap, q: Option<&str>) -> (Lang, bool) {
    let parse = |s: &str| match s {
        "en" => Some(Lang::En),
        "zh" => Some(Lang::Zh),
        _ => None,
    };
    if let Some(l) = q.and_then(parse) {
        return (l, true);
    }
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().strip_prefix("lang="))
        .find_map(parse);
    if let Some(l) = cookie {
        return (l, false);
    }
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let first = accept
        .split(',')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    (
        if first.starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        },
        false,
    )
}

fn page<T: Template>(t: &T, lang: Lang, remember: bool, status: StatusCode) -> Response {
    match t.render() {
        Ok(html) => {
            let mut r = (status, Html(html)).into_response();
            if remember {
                let c = format!(
                    "lang={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
                    lang.code()
                );
                if let Ok(v) = c.parse() {
                    r.headers_mut().insert(header::SET_COOKIE, v);
                }
            }
            r.headers_mut().insert(
                header::CONTENT_LANGUAGE,
                lang.texts()
                    .html_lang
                    .parse()
                    .unwrap_or(header::HeaderValue::from_static("zh-CN")),
            );
            r
        }
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response(),
    }
}

type Pair = (String, String);

/// The client's address, as the server resolved it for this request (the peer, or the address
/// a trusted proxy names in `X-Forwarded-For`). Without one (a request not from a socket) it
/// is the unspecified address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientIp>()
            .copied()
            .unwrap_or(ClientIp(std::net::IpAddr::from([0u8, 0, 0, 0]))))
    }
}

/// Percent-encodes everything but ASCII letters, digits and `-`.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A local path to return to after sign-in (never another site): it starts with one `/`
/// followed by a path character, and holds only printable ASCII without `\\` or `:`.
/// Browsers drop tabs and line breaks from URLs and read `\\` as `/`, so `/<TAB>/evil.example`
/// or `/\\evil.example` would lead off the site; a path that could be read that way is refused.
pub fn safe_next(next: &str) -> Option<&str> {
    let b = next.as_bytes();
    let local = b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && next.len() <= 2048
        && b.iter()
            .all(|&c| c.is_ascii_graphic() && c != b'\\' && c != b':');
    local.then_some(next)
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    t: &'static Texts,
    q: String,
    mode: String,
    city: String,
    modes: Vec<Pair>,
    cities: Vec<Pair>,
    members: Vec<(String, String, String)>,
    total_matters: usize,
    total_windows: usize,
}

struct MatterRow {
    code: String,
    name: String,
    modes: Vec<&'static str>,
    promised: u32,
    statutory: u32,
}

#[derive(Template)]
#[template(path = "matters.html")]
struct MattersPage {
    t: &'static Texts,
    q: String,
    mode: String,
    city: String,
    modes: Vec<Pair>,
    cities: Vec<Pair>,
    items: Vec<MatterRow>,
    total: i64,
    has_more: bool,
    next_url: String,
}

#[derive(Template)]
#[template(path = "matter.html")]
struct MatterPage {
    t: &'static Texts,
    code: String,
    name: String,
    version: i64,
    authority: String,
    modes: Vec<&'static str>,
    promised: u32,
    statutory: u32,
    fee: String,
    output: String,
    materials: Vec<String>,
    fields: Vec<Pair>,
}

fn choices(app: &App, lang: Lang) -> (Vec<Pair>, Vec<Pair>) {
    let modes = [
        ServiceMode::FullyOnline,
        ServiceMode::RemoteReceipt,
        ServiceMode::MultiSite,
    ]
    .into_iter()
    .map(|m| (m.as_str().to_string(), lang.mode(m).to_string()))
    .collect();
    let cities = app
        .reference()
        .jurisdictions
        .iter()
        .filter(|j| j.member)
        .map(|j| (j.code.to_string(), lang.of(&j.name_zh, &j.name_en)))
        .collect();
    (modes, cities)
}

async fn home(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(lq): Query<LangQuery>,
) -> Response {
    let (lang, remember) = negotiate(&headers, lq.lang.as_deref());
    let r = app.reference();
    let (modes, cities) = choices(&app, lang);
    let members = r
        .jurisdictions
        .iter()
        .filter(|j| j.member)
        .map(|j| {
            let (n, p) = if lang == Lang::Zh {
                (&j.name_zh, &j.province_zh)
            } else {
                (&j.name_en, &j.province_en)
            };
            (j.code.to_string(), n.clone(), p.clone())
        })
        .collect();
    let p = HomePage {
        t: lang.texts(),
        q: String::new(),
        mode: String::new(),
        city: String::new(),
        modes,
        cities,
        members,
        total_matters: r.current.len(),
        total_windows: r.windows.len(),
    };
    page(&p, lang, remember, StatusCode::OK)
}

#[derive(Deserialize, Default)]
struct SearchQuery {
    q: Option<String>,
    mode: Option<String>,
    city: Option<String>,
    page: Option<i64>,
    lang: Option<String>,
}

async fn matters(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(sq): Query<SearchQuery>,
) -> Response {
    let (lang, remember) = negotiate(&headers, sq.lang.as_deref());
    let page_no = sq.page.unwrap_or(1).max(1);
    let q = MatterQuery {
        q: sq.q.clone(),
        city: sq.city.clone().filter(|c| !c.is_empty()),
        mode: sq.mode.clone().filter(|m| !m.is_empty()),
        category: None,
        page: Some(page_no),
        per_page: Some(30),
    };
    let (modes, cities) = choices(&app, lang);
    let (items, total) = match app.search_matters(&q) {
        Ok(p) => (p.items, p.total),
        Err(_) => (Vec::new(), 0),
    };
    let rows = items
        .into_iter()
        .map(|m| MatterRow {
            name: if lang == Lang::Zh {
                m.name_zh
            } else {
                m.name_en
            },
            code: m.code,
            modes: m.modes.iter().map(|md| lang.mode(*md)).collect(),
            promised: m.promised_days,
            statutory: m.statutory_days,
        })
        .collect();
    let enc = |s: &Option<String>| enc(s.as_deref().unwrap_or(""));
    let p = MattersPage {
        t: lang.texts(),
        q: sq.q.clone().unwrap_or_default(),
        mode: sq.mode.clone().unwrap_or_default(),
        city: sq.city.clone().unwrap_or_default(),
        modes,
        cities,
        items: rows,
        has_more: page_no.saturating_mul(30) < total,
        next_url: format!(
            "/matters?q={}&mode={}&city={}&page={}",
            enc(&sq.q),
            enc(&sq.mode),
            enc(&sq.city),
            page_no.saturating_add(1)
        ),
        total,
    };
    page(&p, lang, remember, StatusCode::OK)
}

async fn matter(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(lq): Query<LangQuery>,
) -> Response {
    let (lang, remember) = negotiate(&headers, lq.lang.as_deref());
    let t = lang.texts();
    let Ok(m) = app.matter(&code, None) else {
        return (StatusCode::NOT_FOUND, Html(format!("<!doctype html><html lang=\"{}\"><title>{}</title><p>{}</p><a href=\"/\">{}</a></html>", t.html_lang, t.not_found, t.not_found, t.site))).into_response();
    };
    let r = app.reference();
    let zh = lang == Lang::Zh;
    let authority = r
        .authority_kinds
        .iter()
        .find(|k| k.code == m.authority_kind)
        .map(|k| lang.of(&k.name_zh, &k.name_en))
        .unwrap_or_default();
    let p = MatterPage {
        t,
        code: m.code.clone(),
        name: lang.of(&m.name_zh, &m.name_en),
        version: r.version,
        authority,
        modes: m.modes.iter().map(|md| lang.mode(*md)).collect(),
        promised: m.promised_days,
        statutory: m.statutory_days,
        fee: if m.fee_yuan > 0.0 {
            format!("{} {}", m.fee_yuan, if zh { "元" } else { "yuan" })
        } else {
            t.free.to_string()
        },
        output: lang.of(&m.output.name_zh, &m.output.name_en),
        materials: m
            .materials
            .iter()
            .map(|x| lang.of(&x.name_zh, &x.name_en))
            .collect(),
        fields: m
            .fields
            .iter()
            .map(|f| {
                (
                    lang.of(&f.label_zh, &f.label_en),
                    if f.required { t.yes } else { t.no }.to_string(),
                )
            })
            .collect(),
    };
    page(&p, lang, remember, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    t: &'static Texts,
    csrf: String,
    qr: String,
    checked: bool,
    valid: bool,
    reason: String,
    detail: String,
    has_licence: bool,
    rows: Vec<Pair>,
}

async fn verify_form(headers: HeaderMap, Query(lq): Query<LangQuery>) -> Response {
    let (lang, remember) = negotiate(&headers, lq.lang.as_deref());
    let (csrf, fresh) = csrf_token(&headers);
    let p = VerifyPage {
        t: lang.texts(),
        csrf: csrf.clone(),
        qr: String::new(),
        checked: false,
        valid: false,
        reason: String::new(),
        detail: String::new(),
        has_licence: false,
        rows: Vec::new(),
    };
    let mut r = page(&p, lang, remember, StatusCode::OK);
    remember_csrf(&mut r, &csrf, fresh);
    r
}

#[derive(Deserialize)]
struct VerifyForm {
    #[serde(default)]
    csrf: String,
    qr: String,
}

/// Verifies against this node's trust and revocation lists (the same use case as the API).
async fn verify_submit(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(lq): Query<LangQuery>,
    axum::Form(f): axum::Form<VerifyForm>,
) -> Response {
    let (lang, remember) = negotiate(&headers, lq.lang.as_deref());
    if !csrf_ok(&headers, &f.csrf) {
        return deny(lang.texts(), lang, corridor_app::ErrorCode::Forbidden);
    }
    let qr = f.qr.trim().to_string();
    verify_render(&app, &headers, lang, remember, qr.as_bytes(), qr.clone()).await
}

/// The same check for an uploaded licence file (the signed envelope, or a text file with
/// the QR text or base64).
async fn verify_upload(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(lq): Query<LangQuery>,
    mut mp: axum::extract::Multipart,
) -> Response {
    let (lang, remember) = negotiate(&headers, lq.lang.as_deref());
    let mut bytes = Vec::new();
    let mut sent = String::new();
    while let Ok(Some(field)) = mp.next_field().await {
        match field.name() {
            Some("file") => match field.bytes().await {
                Ok(b) => bytes = b.to_vec(),
                Err(_) => break,
            },
            Some("csrf") => sent = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    if !csrf_ok(&headers, &sent) {
        return deny(lang.texts(), lang, corridor_app::ErrorCode::Forbidden);
    }
    verify_render(&app, &headers, lang, remember, &bytes, String::new()).await
}

async fn verify_render(
    app: &App,
    headers: &HeaderMap,
    lang: Lang,
    remember: bool,
    input: &[u8],
    qr: String,
) -> Response {
    let t = lang.texts();
    let answer = match app.verify_licence(input).await {
        Ok(a) => a,
        Err(_) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "verification failed").into_response()
        }
    };
    let zh = lang == Lang::Zh;
    let l = answer.licence.clone().unwrap_or_default();
    let s = |k: &str| l.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let until = l
        .get("valid_until")
        .and_then(|v| v.as_i64())
        .and_then(|secs| time::OffsetDateTime::from_unix_timestamp(secs).ok())
        .map(|d| d.to_offset(corridor_domain::clock::CST).date().to_string())
        .unwrap_or_else(|| "—".into());
    let holder = l.get("holder").cloned().unwrap_or_default();
    let holder_text = format!(
        "{} {}",
        holder.get("name").and_then(|v| v.as_str()).unwrap_or(""),
        holder
            .get("uscc")
            .or_else(|| holder.get("id_masked"))
            .and_then(|v| v.as_str())
            .unwrap_or("")
    );
    let rows = vec![
        (t.number.to_string(), s("number")),
        (
            if zh { "证照类型" } else { "Licence" }.to_string(),
            if zh { s("title_zh") } else { s("title_en") },
        ),
        (t.holder.to_string(), holder_text),
        (
            t.issuer.to_string(),
            if zh {
                s("authority_zh")
            } else {
                s("authority_en")
            },
        ),
        (t.valid_until.to_string(), until),
    ];
    let (csrf, _) = csrf_token(headers);
    let p = VerifyPage {
        t,
        csrf,
        qr,
        checked: true,
        valid: answer.valid,
        reason: answer
            .reason
            .as_deref()
            .map(|r| lang.reason(r).to_string())
            .unwrap_or_default(),
        detail: answer.detail.clone().unwrap_or_default(),
        has_licence: answer.licence.is_some(),
        rows,
    };
    page(
        &p,
        lang,
        remember,
        if answer.valid {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
    )
}

// ---------- sign-in, queue, case ----------

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The CSRF token for this request's forms. Signed in, it is derived from the session token
/// (a hash of it under its own label), so it is bound to the session: it changes with every
/// sign-in, dies with the session, and cannot be planted by a cookie set from elsewhere.
/// Before sign-in (the sign-in form itself) it is a random value in a `SameSite=Strict`
/// cookie that the form carries back. Returns the token and whether a cookie must be set.
fn csrf_token(headers: &HeaderMap) -> (String, bool) {
    if let Some(s) = session_cookie(headers) {
        return (session_csrf(&s), false);
    }
    match cookie(headers, "csrf")
        .filter(|c| c.len() == 32 && c.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        Some(c) => (c, false),
        None => {
            let mut b = [0u8; 16];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
            (b.iter().map(|x| format!("{x:02x}")).collect(), true)
        }
    }
}

/// The session token from its cookie, when it has the shape of one.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    cookie(headers, "session").filter(|c| c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The CSRF token of a session: the first 128 bits of SHA-256 over a label and the session
/// token, which is itself 256 random bits (so the token cannot be guessed without it, and does
/// not reveal it).
fn session_csrf(session: &str) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(format!("corridor-csrf\n{session}").as_bytes());
    d.iter().take(16).map(|x| format!("{x:02x}")).collect()
}

/// Whether a submitted form's CSRF token is this request's (compared in constant time).
fn csrf_ok(headers: &HeaderMap, sent: &str) -> bool {
    let expected = match session_cookie(headers) {
        Some(s) => session_csrf(&s),
        None => match cookie(headers, "csrf") {
            Some(c) if !c.is_empty() => c,
            _ => return false,
        },
    };
    expected.len() == sent.len()
        && expected
            .bytes()
            .zip(sent.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

fn set_cookie(r: &mut Response, c: String) {
    if let Ok(v) = c.parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Sets the CSRF cookie when the token was just made.
fn remember_csrf(r: &mut Response, csrf: &str, fresh: bool) {
    if fresh {
        set_cookie(r, format!("csrf={csrf}; Path=/; HttpOnly; SameSite=Strict"));
    }
}

fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: &'static Texts,
    csrf: String,
    username: String,
    error: String,
    next: String,
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    lang: Option<String>,
    next: Option<String>,
}

async fn login_form(headers: HeaderMap, Query(lq): Query<LoginQuery>) -> Response {
    let (lang, remember) = negotiate(&headers, lq.lang.as_deref());
    let (csrf, fresh) = csrf_token(&headers);
    let mut r = page(
        &LoginPage {
            t: lang.texts(),
            csrf: csrf.clone(),
            username: String::new(),
            error: String::new(),
            next: lq
                .next
                .as_deref()
                .and_then(safe_next)
                .unwrap_or("")
                .to_string(),
        },
        lang,
        remember,
        StatusCode::OK,
    );
    remember_csrf(&mut r, &csrf, fresh);
    r
}

#[derive(Deserialize)]
struct LoginForm {
    csrf: String,
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn login_submit(
    State(app): State<Arc<App>>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    axum::Form(f): axum::Form<LoginForm>,
) -> Response {
    let (lang, _) = negotiate(&headers, None);
    let t = lang.texts();
    let (csrf, _) = csrf_token(&headers);
    if !csrf_ok(&headers, &f.csrf) {
        return page(
            &LoginPage {
                t,
                csrf,
                username: f
                    .username
                    .chars()
                    .take(corridor_app::auth::MAX_USERNAME)
                    .collect(),
                error: t.bad_form.into(),
                next: safe_next(&f.next).unwrap_or("").to_string(),
            },
            lang,
            false,
            StatusCode::FORBIDDEN,
        );
    }
    match app.login(&f.username, &f.password, client).await {
        Ok(a) => {
            let home = match a.user.role.as_str() {
                "joint_office" => "/dashboard",
                _ => "/cases",
            };
            let mut r = redirect(safe_next(&f.next).unwrap_or(home));
            set_cookie(
                &mut r,
                format!(
                    "session={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
                    a.token, a.expires_in
                ),
            );
            r
        }
        Err(e) => {
            let msg = lang.error_title(e.code);
            let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::UNAUTHORIZED);
            let mut r = page(
                &LoginPage {
                    t,
                    csrf,
                    username: f
                        .username
                        .chars()
                        .take(corridor_app::auth::MAX_USERNAME)
                        .collect(),
                    error: msg.into(),
                    next: safe_next(&f.next).unwrap_or("").to_string(),
                },
                lang,
                false,
                status,
            );
            if let Some(s) = e.retry_after_s {
                r.headers_mut().insert(header::RETRY_AFTER, s.into());
            }
            r
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    axum::Form(f): axum::Form<CsrfForm>,
) -> Response {
    if !csrf_ok(&headers, &f.csrf) {
        return (StatusCode::FORBIDDEN, "CSRF").into_response();
    }
    if let Some(tok) = cookie(&headers, "session") {
        let _ = app.logout(&tok).await;
    }
    let mut r = redirect("/");
    set_cookie(
        &mut r,
        "session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0".into(),
    );
    r
}

async fn principal(app: &App, headers: &HeaderMap) -> Option<corridor_domain::case::Principal> {
    let tok = cookie(headers, "session")?;
    app.authenticate(&tok).await.ok()
}

fn status_text(lang: Lang, s: corridor_domain::case::Status) -> String {
    if lang == Lang::Zh {
        s.label_zh().to_string()
    } else {
        s.as_str().replace('_', " ")
    }
}

fn due_text(t: &Texts, d: corridor_domain::case::DueState) -> String {
    use corridor_domain::case::DueState::*;
    match d {
        Overdue => t.overdue.into(),
        NearDue => t.near_due.into(),
        Paused => t.paused.into(),
        None | OnTrack => String::new(),
    }
}

struct CaseRow {
    id: String,
    receipt: String,
    matter: String,
    status: String,
    deadline: String,
    due: String,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
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
}

#[derive(Deserialize, Default)]
struct PageQ {
    page: Option<i64>,
    lang: Option<String>,
    show: Option<String>,
}

/// Statuses still waiting for someone: the default view of a queue.
const OPEN_STATUSES: &str =
    "submitted,received,forwarded,accepted,correction_requested,resubmitted,approved,rejected,licence_issued";

async fn my_cases(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<PageQ>,
) -> Response {
    let (lang, remember) = negotiate(&headers, q.lang.as_deref());
    let Some(p) = principal(&app, &headers).await else {
        return redirect("/login?next=/cases");
    };
    if p.role == corridor_domain::case::Role::JointOffice {
        return redirect("/dashboard");
    }
    let t = lang.texts();
    let page_no = q.page.unwrap_or(1).max(1);
    let show_all = q.show.as_deref() == Some("all");
    let query = corridor_app::cases::CaseQuery {
        page: Some(page_no),
        per_page: Some(30),
        status: (!show_all).then(|| OPEN_STATUSES.to_string()),
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
    let (csrf, fresh) = csrf_token(&headers);
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
        })
        .collect();
    let pg = CasesPage {
        t,
        l: lang,
        csrf: csrf.clone(),
        who: format!("{} · {}", p.username, lang.role(p.role)),
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
    };
    let mut r = page(&pg, lang, remember, StatusCode::OK);
    remember_csrf(&mut r, &csrf, fresh);
    r
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    t: &'static Texts,
    l: Lang,
    receipt: String,
    matter: String,
    matter_code: String,
    status: String,
    deadline: String,
    due: String,
    applicant: String,
    received: String,
    competent: String,
    filed_on: String,
    reason: String,
    correction: bool,
    form: Vec<Pair>,
    materials: Vec<(String, bool)>,
    events: Vec<(String, String, String)>,
    id: String,
    csrf: String,
    actions: Vec<Pair>,
    needs_identity: bool,
    needs_reason: bool,
    resubmit: Vec<fields::FieldRow>,
    licence: Option<(String, String, String)>,
    filed: bool,
    error: String,
}

fn deny(t: &Texts, lang: Lang, code: corridor_app::ErrorCode) -> Response {
    let msg = lang.error_title(code);
    (
        StatusCode::from_u16(code.status()).unwrap_or(StatusCode::FORBIDDEN),
        Html(format!(
            "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{msg}</title></head><body><main><h1>{msg}</h1><p><a href=\"/cases\">{}</a> · <a href=\"/\">{}</a></p></main></body></html>",
            t.html_lang, t.my_cases, t.site
        )),
    )
        .into_response()
}

/// What a case page shows besides the case itself.
#[derive(Default)]
struct CaseExtras {
    error: String,
    filed: bool,
    field_errors: Vec<corridor_domain::catalogue::FieldError>,
    values: Option<std::collections::BTreeMap<String, String>>,
}

async fn render_case(
    app: &App,
    headers: &HeaderMap,
    p: &corridor_domain::case::Principal,
    uuid: uuid::Uuid,
    neg: (Lang, bool),
    x: CaseExtras,
    status: StatusCode,
) -> Response {
    use corridor_domain::case::Action;
    let (lang, remember) = neg;
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
                        "submit" => lang.pick("提交申请", "submitted").to_string(),
                        other => other.replace('_', " "),
                    });
                let who = corridor_domain::case::Role::parse(&e.role)
                    .map(|r| lang.role(r).to_string())
                    .unwrap_or(e.role);
                (e.at.replace('T', " "), what, who)
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
    let materials = matter
        .as_ref()
        .map(|m| {
            m.materials
                .iter()
                .map(|x| (lang.of(&x.name_zh, &x.name_en), x.required))
                .collect()
        })
        .unwrap_or_default();
    let can_resubmit = c.allowed_actions.contains(&Action::Resubmit);
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
    let (csrf, fresh) = csrf_token(headers);
    let cp = CasePage {
        t,
        l: lang,
        receipt: c.receipt_no.clone(),
        matter: lang.of(&c.matter_name_zh, &c.matter_name_en),
        matter_code: c.matter_code.clone(),
        status: status_text(lang, c.status),
        deadline: c.deadline.clone().unwrap_or_else(|| "—".into()),
        due: due_text(t, c.due),
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
        filed_on: c.filed_on.clone(),
        reason: c.reason.clone().unwrap_or_default(),
        correction: c.status == corridor_domain::case::Status::CorrectionRequested,
        form,
        materials,
        events,
        id: c.id.to_string(),
        csrf: csrf.clone(),
        needs_identity: c.allowed_actions.contains(&Action::Receive),
        needs_reason: c.allowed_actions.iter().any(|a| {
            matches!(
                a,
                Action::Refuse | Action::Reject | Action::RequestCorrection
            )
        }),
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
    let mut resp = page(&cp, lang, remember, status);
    remember_csrf(&mut resp, &csrf, fresh);
    resp
}

#[derive(Deserialize, Default)]
struct CaseQ {
    lang: Option<String>,
    filed: Option<String>,
}

async fn one_case(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<CaseQ>,
) -> Response {
    let (lang, remember) = negotiate(&headers, q.lang.as_deref());
    let Some(p) = principal(&app, &headers).await else {
        return redirect(&format!("/login?next=/cases/{}", enc(&id)));
    };
    let Ok(uuid) = id.parse() else {
        return deny(lang.texts(), lang, corridor_app::ErrorCode::NotFound);
    };
    let x = CaseExtras {
        filed: q.filed.is_some(),
        ..Default::default()
    };
    render_case(
        &app,
        &headers,
        &p,
        uuid,
        (lang, remember),
        x,
        StatusCode::OK,
    )
    .await
}

/// The signed licence file of a case, for its holder and the issuing authority.
async fn case_licence(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (lang, _) = negotiate(&headers, None);
    let t = lang.texts();
    let Some(p) = principal(&app, &headers).await else {
        return redirect("/login");
    };
    let Ok(uuid) = id.parse::<uuid::Uuid>() else {
        return deny(t, lang, corridor_app::ErrorCode::NotFound);
    };
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
async fn act_on_case(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Response {
    use corridor_domain::case::Action;
    let (lang, _) = negotiate(&headers, None);
    let t = lang.texts();
    let Some(p) = principal(&app, &headers).await else {
        return redirect("/login");
    };
    let Ok(uuid) = id.parse::<uuid::Uuid>() else {
        return deny(t, lang, corridor_app::ErrorCode::NotFound);
    };
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let fail = |error: String, status: StatusCode, x: CaseExtras| {
        let headers = headers.clone();
        let app = app.clone();
        let p = p.clone();
        async move {
            render_case(
                &app,
                &headers,
                &p,
                uuid,
                (lang, false),
                CaseExtras { error, ..x },
                status,
            )
            .await
        }
    };
    if !csrf_ok(&headers, get("csrf").unwrap_or("")) {
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
        reason: get("reason")
            .map(str::to_string)
            .filter(|r| !r.trim().is_empty()),
        identity_checked: get("identity_checked") == Some("true"),
        identity_seen: get("identity_seen")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        form,
    };
    match app.act(&p, uuid, req).await {
        Ok(_) => redirect(&format!("/cases/{uuid}")),
        Err(e)
            if e.code == corridor_app::ErrorCode::Forbidden
                || e.code == corridor_app::ErrorCode::NotFound =>
        {
            deny(t, lang, e.code)
        }
        Err(e) => {
            let title = lang.error_title(e.code);
            let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST);
            let detail = if e.fields.is_empty() {
                format!("{title}: {}", e.detail)
            } else {
                title.to_string()
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

/// The pages, ready to merge into the server's router.
/// The pages' one stylesheet (the Content-Security-Policy allows styles from this site only,
/// none inline).
async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/corridor.css"),
    )
        .into_response()
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/static/corridor.css", get(stylesheet))
        .route("/matters", get(matters))
        .route("/matters/{code}", get(matter))
        .route("/verify", get(verify_form).post(verify_submit))
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", axum::routing::post(logout))
        .route("/cases", get(my_cases))
        .route(
            "/authorisations",
            get(authorisations::list).post(authorisations::create),
        )
        .route(
            "/authorisations/{id}/revoke",
            axum::routing::post(authorisations::revoke),
        )
        .route("/cases/{id}", get(one_case))
        .route("/cases/{id}/act", axum::routing::post(act_on_case))
        .route("/cases/{id}/licence", get(case_licence))
        .route("/file", get(filing::start))
        .route(
            "/file/{code}",
            get(filing::first_step).post(filing::post_step),
        )
        .route("/dashboard", get(dashboard::dashboard))
        .route("/industry", get(industry::search))
        .route("/industry/outcomes", get(industry::outcomes))
        .route("/opportunities", get(industry::opportunities))
        .route("/needs", get(industry::needs).post(industry::post_need))
        .route("/needs/{id}", get(industry::need))
        .route(
            "/needs/{id}/stage",
            axum::routing::post(industry::move_stage),
        )
        .route("/verify/file", axum::routing::post(verify_upload))
        .with_state(app)
}
