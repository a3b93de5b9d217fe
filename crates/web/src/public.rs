//! Public pages: home, matter search and a matter's page.

use crate::*;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use corridor_app::catalogue::MatterQuery;
use corridor_app::App;
use corridor_domain::catalogue::ServiceMode;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "home.html")]
pub(crate) struct HomePage {
    t: &'static Texts,
    form: SearchForm,
    members: Vec<(String, String, String)>,
    total_matters: usize,
    total_windows: usize,
}

pub(crate) struct MatterRow {
    code: String,
    name: String,
    modes: Vec<&'static str>,
    promised: u32,
    statutory: u32,
}

#[derive(Template)]
#[template(path = "matters.html")]
pub(crate) struct MattersPage {
    t: &'static Texts,
    form: SearchForm,
    items: Vec<MatterRow>,
    total: i64,
    has_more: bool,
    next_url: String,
}

#[derive(Template)]
#[template(path = "matter.html")]
pub(crate) struct MatterPage {
    t: &'static Texts,
    l: Lang,
    code: String,
    name: String,
    version: i64,
    authority: String,
    /// Which city's authority decides: the applicant's home city, or the answer to a field.
    competence: String,
    /// Multi-site: each part and the field whose city decides it.
    joint_parts: Vec<String>,
    modes: Vec<&'static str>,
    promised: u32,
    statutory: u32,
    fee: String,
    /// What the city's rule computes at the decision (empty: nothing).
    amount: String,
    output: String,
    materials: Vec<String>,
    fields: Vec<Pair>,
}

/// The matter search form (`search_form.html`): what was asked, and the choices.
pub(crate) struct SearchForm {
    q: String,
    mode: String,
    city: String,
    modes: Vec<Pair>,
    cities: Vec<Pair>,
}

impl SearchForm {
    fn new(app: &App, lang: Lang, sq: &SearchQuery) -> SearchForm {
        let (modes, cities) = choices(app, lang);
        let s = |x: &Option<String>| x.clone().unwrap_or_default();
        SearchForm {
            q: s(&sq.q),
            mode: s(&sq.mode),
            city: s(&sq.city),
            modes,
            cities,
        }
    }
}

pub(crate) fn choices(app: &App, lang: Lang) -> (Vec<Pair>, Vec<Pair>) {
    let modes = ServiceMode::ALL
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

pub(crate) async fn home(State(app): State<Arc<App>>, cx: Cx) -> Response {
    let lang = cx.lang;
    let r = app.reference();
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
        form: SearchForm::new(&app, lang, &SearchQuery::default()),
        members,
        total_matters: r.current.len(),
        total_windows: r.windows.len(),
    };
    cx.render(&p, StatusCode::OK)
}

#[derive(Deserialize, Default)]
pub(crate) struct SearchQuery {
    q: Option<String>,
    mode: Option<String>,
    city: Option<String>,
    page: Option<i64>,
}

pub(crate) async fn matters(
    State(app): State<Arc<App>>,
    cx: Cx,
    Query(sq): Query<SearchQuery>,
) -> Response {
    let lang = cx.lang;
    let page_no = sq.page.unwrap_or(1).max(1);
    let q = MatterQuery {
        q: sq.q.clone(),
        city: sq.city.clone().filter(|c| !c.is_empty()),
        mode: sq.mode.clone().filter(|m| !m.is_empty()),
        category: None,
        page: Some(page_no),
        per_page: Some(30),
    };
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
        form: SearchForm::new(&app, lang, &sq),
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
    cx.render(&p, StatusCode::OK)
}

pub(crate) async fn matter(
    State(app): State<Arc<App>>,
    cx: Cx,
    Path(code): Path<String>,
) -> Response {
    let lang = cx.lang;
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
        l: lang,
        code: m.code.clone(),
        name: lang.of(&m.name_zh, &m.name_en),
        version: r.version,
        authority,
        competence: match m.competent_city_field() {
            Some(f) => lang
                .of(
                    &format!("“{}”所在城市的主管部门，不论申请人在哪里", f.label_zh),
                    &format!("the authority of the city in “{}”, wherever the applicant is", f.label_en),
                ),
            None => lang
                .of(
                    "申请人所在地（企业登记地或户籍地）的主管部门",
                    "the authority of the applicant's home city (where the enterprise is registered or the person is resident)",
                ),
        },
        joint_parts: m
            .parts
            .iter()
            .map(|s| {
                let f = m.fields.iter().find(|f| f.key == s.city_field);
                let by = f.map(|f| lang.of(&f.label_zh, &f.label_en)).unwrap_or_default();
                format!("{} ({by})", lang.of(&s.name_zh, &s.name_en))
            })
            .collect(),
        modes: m.modes.iter().map(|md| lang.mode(*md)).collect(),
        promised: m.promised_days,
        statutory: m.statutory_days,
        amount: m
            .amount
            .map(|k| {
                lang.of(
                    &format!("{}：审批决定时按主管城市现行规则计算", k.label(true)),
                    &format!(
                        "the {}: computed at the decision by the competent city's rule in force",
                        k.label(false)
                    ),
                )
            })
            .unwrap_or_default(),
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
    cx.render(&p, StatusCode::OK)
}
