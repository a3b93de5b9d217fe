//! Industry-chain pages for the joint office and head enterprises (and registry search for
//! every signed-in enterprise): search with facets, needs, a need with its ranked and
//! explained matches and its pipeline board, and outcome statistics. They call the same
//! `App` methods as the API, so the access rules are the same.

use crate::Posted;
use crate::{deny, enc, redirect, Lang, Texts};
use crate::{error_status, error_text, Cx, SignedIn};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use corridor_app::industry::{
    CandidateView, EnterpriseQuery, EnterpriseSearch, HeadStats, MatchView, NeedView, NewNeed,
    ProposalView, Review, StageMove,
};
use corridor_app::App;
use corridor_industry::matching::{NeedKind, NeedSpec, Stage};
use corridor_industry::Cluster;
use serde::Deserialize;
use std::sync::Arc;

mod need;
#[allow(unused_imports)]
pub(crate) use need::*;

fn cluster_name(lang: Lang, c: &str) -> String {
    Cluster::parse(c)
        .map(|c| match lang {
            Lang::Zh => c.name_zh().to_string(),
            Lang::En => c.as_str().replace('_', " "),
        })
        .unwrap_or_else(|| c.to_string())
}

fn flag_name(lang: Lang, f: &str) -> &'static str {
    match f {
        "high_tech" => lang.texts().high_tech,
        "specialised" => lang.texts().specialised_sme,
        "head" => lang.texts().head_enterprise,
        "listed" => lang.texts().listed,
        _ => "",
    }
}

fn signal_name(lang: Lang, s: &str) -> &'static str {
    match s {
        "text" => lang.texts().text_relevance,
        "cluster" => lang.texts().cluster,
        "industry" => lang.texts().industry_class,
        "preferred_city" => lang.texts().preferred_city,
        "corridor_city" => lang.texts().corridor_city,
        "high_tech" => lang.texts().high_tech,
        "specialised" => lang.texts().specialised_sme,
        _ => "",
    }
}

/// Flags in words, then certifications.
fn tags(lang: Lang, flags: &[String], certs: &[String]) -> Vec<String> {
    flags
        .iter()
        .map(|f| flag_name(lang, f).to_string())
        .chain(certs.iter().cloned())
        .collect()
}

/// Each signal as the pages show it: (name, value, weight, contribution).
pub(crate) fn signal_rows(
    lang: Lang,
    signals: &[corridor_app::industry::SignalView],
) -> Vec<(String, String, String, String)> {
    signals
        .iter()
        .map(|s| {
            (
                signal_name(lang, &s.name).to_string(),
                format!("{:.2}", s.value),
                format!("{:.2}", s.weight),
                format!("{:.3}", s.contribution),
            )
        })
        .collect()
}

/// The distinct matched terms of every field, for one line.
pub(crate) fn matched_line(m: &std::collections::BTreeMap<String, Vec<String>>) -> String {
    m.values()
        .flatten()
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
        .join(" · ")
}

fn city_name(app: &App, lang: Lang, code: &str) -> String {
    app.reference()
        .jurisdictions
        .iter()
        .find(|j| j.code.as_str() == code)
        .map(|j| lang.of(&j.name_zh, &j.name_en))
        .unwrap_or_else(|| code.to_string())
}

// ---------- search ----------

struct FacetLink {
    label: String,
    count: u64,
    href: String,
    active: bool,
}

struct HitRow {
    uscc: String,
    name: String,
    other_name: String,
    city: String,
    cluster: String,
    tags: Vec<String>,
    matched: String,
}

#[derive(Template)]
#[template(path = "industry_search.html")]
struct SearchPage<'a> {
    t: &'a Texts,
    l: Lang,
    q: String,
    total: usize,
    hits: Vec<HitRow>,
    facets: Vec<(String, Vec<FacetLink>)>,
    active: Vec<(String, String)>,
    next: String,
    office: bool,
}

#[derive(Deserialize, Default)]
pub(crate) struct SearchQ {
    q: Option<String>,
    city: Option<String>,
    cluster: Option<String>,
    industry: Option<String>,
    flag: Option<String>,
    cert: Option<String>,
    page: Option<i64>,
}

impl SearchQ {
    fn href(&self, key: &str, value: Option<&str>, page: Option<i64>) -> String {
        let mut parts = Vec::new();
        let mut put = |k: &str, v: &Option<String>| {
            let v = if k == key {
                value.map(String::from)
            } else {
                v.clone()
            };
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                parts.push(format!("{k}={}", enc(&v)));
            }
        };
        put("q", &self.q);
        put("city", &self.city);
        put("cluster", &self.cluster);
        put("industry", &self.industry);
        put("flag", &self.flag);
        put("cert", &self.cert);
        if let Some(p) = page {
            parts.push(format!("page={p}"));
        }
        format!("/industry?{}", parts.join("&"))
    }
}

pub(crate) async fn search(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    Query(q): Query<SearchQ>,
) -> Response {
    let lang = cx.lang;
    let t = lang.texts();
    let page_no = q.page.unwrap_or(1).clamp(1, 500);
    let eq = EnterpriseQuery {
        q: q.q.clone(),
        city: q.city.clone(),
        cluster: q.cluster.clone(),
        industry: q.industry.clone(),
        flag: q.flag.clone(),
        cert: q.cert.clone(),
        page: Some(page_no),
        per_page: Some(20),
    };
    let r: EnterpriseSearch = match app.search_enterprises(&p, &eq).await {
        Ok(r) => r,
        Err(e) => return deny(t, lang, e.code),
    };
    let current = |k: &str| match k {
        "city" => q.city.clone(),
        "cluster" => q.cluster.clone(),
        "flag" => q.flag.clone(),
        "cert" => q.cert.clone(),
        _ => None,
    };
    let mut facets = Vec::new();
    for (f, title) in [
        ("city", lang.texts().city_2),
        ("cluster", lang.texts().cluster_2),
        ("flag", lang.texts().recognition),
        ("cert", lang.texts().certification),
    ] {
        let mut links: Vec<FacetLink> = r
            .facets
            .get(f)
            .map(|m| {
                m.iter()
                    .map(|(v, n)| FacetLink {
                        label: match f {
                            "city" => city_name(&app, lang, v),
                            "cluster" => cluster_name(lang, v),
                            "flag" => flag_name(lang, v).to_string(),
                            _ => v.clone(),
                        },
                        count: *n,
                        href: q.href(f, Some(v), None),
                        active: current(f).as_deref() == Some(v.as_str()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        links.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
        links.truncate(12);
        facets.push((title.to_string(), links));
    }
    let mut active = Vec::new();
    for (k, v) in [
        ("city", &q.city),
        ("cluster", &q.cluster),
        ("industry", &q.industry),
        ("flag", &q.flag),
        ("cert", &q.cert),
    ] {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            let label = match k {
                "city" => city_name(&app, lang, v),
                "cluster" => cluster_name(lang, v),
                "flag" => flag_name(lang, v).to_string(),
                _ => v.clone(),
            };
            active.push((label, q.href(k, None, None)));
        }
    }
    let hits = r
        .items
        .iter()
        .map(|h| HitRow {
            uscc: h.uscc.clone(),
            name: lang.of(&h.name_zh, &h.name_en),
            other_name: match lang {
                Lang::Zh => h.name_en.clone(),
                Lang::En => h.name_zh.clone(),
            },
            city: city_name(&app, lang, &h.city),
            cluster: cluster_name(lang, &h.cluster),
            tags: tags(lang, &h.flags, &h.certifications),
            matched: matched_line(&h.matched),
        })
        .collect();
    let more = (page_no * 20) < r.total as i64;
    let sp = SearchPage {
        t,
        l: lang,
        q: q.q.clone().unwrap_or_default(),
        total: r.total,
        hits,
        facets,
        active,
        next: if more {
            q.href("", None, Some(page_no + 1))
        } else {
            String::new()
        },
        office: p.sees_corridor_figures() || app.my_enterprise(&p).await.ok().flatten().is_some(),
    };
    cx.render(&sp, StatusCode::OK)
}

// ---------- needs ----------

struct NeedRowV {
    id: String,
    title: String,
    owner: String,
    kind: String,
    status: String,
    deadline: String,
}

#[derive(Template)]
#[template(path = "needs.html")]
struct NeedsPage<'a> {
    t: &'a Texts,
    l: Lang,
    csrf: String,
    rows: Vec<NeedRowV>,
    total: i64,
    /// This page and the number of pages ([`NEEDS_PER_PAGE`] needs each).
    page: i64,
    pages: i64,
    office: bool,
    kinds: Vec<(String, String)>,
    clusters: Vec<(String, String)>,
    error: String,
    form: Vec<(String, String)>,
    /// The calls taking needs today: (id, title).
    calls: Vec<(String, String)>,
}

impl NeedsPage<'_> {
    fn val(&self, k: &str) -> &str {
        self.form
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    fn has(&self, k: &str, v: &str) -> bool {
        self.form.iter().any(|(n, x)| n == k && x == v)
    }
}

fn need_title(lang: Lang, n: &NeedSpec) -> String {
    lang.of(&n.title_zh, &n.title_en)
}

/// Needs per page of `/needs`, newest first.
const NEEDS_PER_PAGE: i64 = 50;

#[allow(clippy::too_many_arguments)]
async fn needs_page(
    app: &App,
    cx: &Cx,
    p: &corridor_domain::case::Principal,
    page_no: i64,
    error: String,
    form: Vec<(String, String)>,
    status: StatusCode,
) -> Response {
    let lang = cx.lang;
    let t = lang.texts();
    let list = match app.needs(p, page_no, NEEDS_PER_PAGE).await {
        Ok(l) => l,
        Err(e) => return deny(t, lang, e.code),
    };
    let rows = list
        .items
        .iter()
        .map(|n: &NeedView| NeedRowV {
            id: n.id.clone(),
            title: need_title(lang, &n.spec),
            owner: lang.of(&n.owner_name_zh, &n.owner_name_en),
            kind: n.spec.kind.name(lang == Lang::Zh).into(),
            status: n.status.name(lang == Lang::Zh).into(),
            deadline: n.deadline.clone().unwrap_or_else(|| "—".into()),
        })
        .collect();
    let calls = app
        .calls(p)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.open)
        .map(|c| (c.id, lang.of(&c.title_zh, &c.title_en)))
        .collect();
    let csrf = cx.csrf();
    let np = NeedsPage {
        calls,
        t,
        l: lang,
        csrf: csrf.clone(),
        rows,
        total: list.total,
        page: list.page,
        pages: ((list.total + NEEDS_PER_PAGE - 1) / NEEDS_PER_PAGE).max(1),
        office: p.sees_corridor_figures(),
        kinds: NeedKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), k.name(lang == Lang::Zh).to_string()))
            .collect(),
        clusters: Cluster::ALL
            .iter()
            .map(|c| (c.as_str().to_string(), cluster_name(lang, c.as_str())))
            .collect(),
        error,
        form,
    };
    cx.render(&np, status)
}

#[derive(Deserialize, Default)]
pub(crate) struct NeedsQuery {
    page: Option<i64>,
}

pub(crate) async fn needs(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    q: Result<Query<NeedsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    needs_page(
        &app,
        &cx,
        &p,
        q.page.unwrap_or(1),
        String::new(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', '，', ';', ' '])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

/// A form field's value, trimmed ("" when absent).
fn form_value(pairs: &[(String, String)], k: &str) -> String {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

pub(crate) async fn post_need(
    State(app): State<Arc<App>>,
    Posted { cx, p, form: pairs }: Posted,
) -> Response {
    let lang = cx.lang;
    let get = |k: &str| form_value(&pairs, k);
    let form: Vec<(String, String)> = pairs.iter().filter(|(k, _)| k != "csrf").cloned().collect();
    let Some(kind) = NeedKind::parse(&get("kind")) else {
        let e = lang.texts().choose_the_kind_of_need.to_string();
        return needs_page(&app, &cx, &p, 1, e, form, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let n = NewNeed {
        owner_uscc: Some(get("owner_uscc")).filter(|s| !s.is_empty()),
        call_id: Some(get("call_id")).filter(|s| !s.is_empty()),
        deadline: Some(get("deadline")).filter(|s| !s.is_empty()),
        spec: NeedSpec {
            kind,
            title_zh: get("title_zh"),
            title_en: get("title_en"),
            description_zh: get("description_zh"),
            description_en: get("description_en"),
            certifications: split_list(&get("certifications")),
            clusters: pairs
                .iter()
                .filter(|(k, _)| k == "clusters")
                .filter_map(|(_, v)| Cluster::parse(v))
                .collect(),
            industries: split_list(&get("industries")),
            cities: split_list(&get("cities")),
        },
        unknown: Default::default(),
    };
    match app.create_need(&p, n).await {
        Ok(v) => redirect(&format!("/needs/{}", v.id)),
        Err(e) => {
            let (msg, status) = (error_text(lang, &e), error_status(&e));
            needs_page(&app, &cx, &p, 1, msg, form, status).await
        }
    }
}

// ---------- an enterprise's opportunities ----------

#[derive(Template)]
#[template(path = "opportunities.html")]
struct OpportunitiesPage<'a> {
    t: &'a Texts,
    l: Lang,
    rows: Vec<OpportunityRow>,
}

struct OpportunityRow {
    title: String,
    owner: String,
    kind: String,
    need_status: String,
    deadline: String,
    stage: String,
    meetings: i64,
    contacted: String,
    outcome: String,
}

pub(crate) async fn opportunities(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
) -> Response {
    let lang = cx.lang;
    let t = lang.texts();
    let list = match app.opportunities(&p).await {
        Ok(l) => l,
        Err(e) => return deny(t, lang, e.code),
    };
    let zh = lang == Lang::Zh;
    let dash = || "—".to_string();
    let rows = list
        .iter()
        .map(|o| OpportunityRow {
            title: lang.of(&o.title_zh, &o.title_en),
            owner: lang.of(&o.owner_name_zh, &o.owner_name_en),
            kind: o.kind.name(zh).into(),
            need_status: o.need_status.name(zh).into(),
            deadline: o.deadline.clone().unwrap_or_else(dash),
            stage: o.stage.name(zh).into(),
            meetings: o.meetings,
            contacted: o.contacted_on.clone().unwrap_or_else(dash),
            outcome: o
                .qualified_on
                .clone()
                .or_else(|| o.declined_on.clone())
                .unwrap_or_else(dash),
        })
        .collect();
    cx.render(&OpportunitiesPage { t, l: lang, rows }, StatusCode::OK)
}

// ---------- outcomes ----------

#[derive(Template)]
#[template(path = "industry_outcomes.html")]
struct OutcomesPage<'a> {
    t: &'a Texts,
    l: Lang,
    heads: Vec<HeadView>,
}

struct HeadView {
    name: String,
    needs: i64,
    open_needs: i64,
    candidates: i64,
    meetings: i64,
    qualified: i64,
    projects: i64,
    median_days: String,
    by_need: Vec<(String, String, String, i64, i64, i64, String)>,
    reserve: Vec<(String, String, String, i64)>,
}

pub(crate) async fn outcomes(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
) -> Response {
    let lang = cx.lang;
    let t = lang.texts();
    let st = match app.industry_stats(&p).await {
        Ok(s) => s,
        Err(e) => return deny(t, lang, e.code),
    };
    let zh = lang == Lang::Zh;
    let heads = st
        .heads
        .iter()
        .map(|h: &HeadStats| HeadView {
            name: lang.of(&h.name_zh, &h.name_en),
            needs: h.needs,
            open_needs: h.open_needs,
            candidates: h.candidates,
            meetings: h.meetings,
            qualified: h.qualified,
            projects: h.projects_started,
            median_days: h
                .median_days_to_qualify
                .map(|d| format!("{d:.0}"))
                .unwrap_or_else(|| "—".into()),
            by_need: h
                .by_need
                .iter()
                .map(|n| {
                    let mut days = n.days_to_qualify.clone();
                    days.sort_unstable();
                    (
                        n.need_id.clone(),
                        lang.of(&n.title_zh, &n.title_en),
                        n.kind.name(zh).to_string(),
                        n.candidates,
                        n.meetings,
                        n.qualified,
                        if days.is_empty() {
                            "—".into()
                        } else {
                            days.iter()
                                .map(|d| d.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        },
                    )
                })
                .collect(),
            reserve: h
                .reserve
                .iter()
                .map(|r| {
                    (
                        lang.of(&r.name_zh, &r.name_en),
                        city_name(&app, lang, &r.city),
                        r.best_stage.name(zh).to_string(),
                        r.needs,
                    )
                })
                .collect(),
        })
        .collect();
    cx.render(&OutcomesPage { t, l: lang, heads }, StatusCode::OK)
}
