//! What the industry use cases take and answer (requests and views), and small parsers.

use super::*;

// ---- views ----

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EnterpriseQuery {
    /// Free text in Chinese and/or English (names, capabilities, products).
    pub q: Option<String>,
    /// A city code.
    pub city: Option<String>,
    /// A cluster, e.g. `new_materials`.
    pub cluster: Option<String>,
    /// A GB/T 4754 class prefix: `C`, `C26`, `C265`, `C2651`.
    pub industry: Option<String>,
    /// Comma-separated flags that must all hold: `high_tech`, `specialised`, `head`, `listed`.
    pub flag: Option<String>,
    /// Comma-separated certifications that must all be held, e.g. `AS9100`.
    pub cert: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 10000)]
    pub page: Option<i64>,
    /// 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

impl EnterpriseQuery {
    pub fn filters(&self) -> Filters {
        let list = |s: &Option<String>| -> Vec<String> {
            s.as_deref()
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect()
        };
        let one = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(String::from)
        };
        Filters {
            city: one(&self.city),
            cluster: one(&self.cluster),
            industry: one(&self.industry),
            flags: list(&self.flag),
            certifications: list(&self.cert),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseHit {
    pub uscc: String,
    pub name_zh: String,
    pub name_en: String,
    pub score: f32,
    pub city: String,
    pub cluster: String,
    pub industry: String,
    pub flags: Vec<String>,
    pub certifications: Vec<String>,
    /// Query terms found, by field.
    pub matched: BTreeMap<String, Vec<String>>,
}

impl From<corridor_industry::search::Hit> for EnterpriseHit {
    fn from(h: corridor_industry::search::Hit) -> EnterpriseHit {
        EnterpriseHit {
            uscc: h.uscc,
            name_zh: h.name_zh,
            name_en: h.name_en,
            score: h.score,
            city: h.meta.city,
            cluster: h.meta.cluster,
            industry: h.meta.industry,
            flags: h.meta.flags,
            certifications: h.meta.certifications,
            matched: h
                .matched
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseSearch {
    /// The page's enterprises, best first (the same page shape as every list).
    pub items: Vec<EnterpriseHit>,
    pub total: usize,
    /// Always true: the index counts every match.
    pub total_exact: bool,
    pub page: i64,
    pub per_page: i64,
    /// Facet (`city`, `cluster`, `cert`, `flag`) → value → count over all matches.
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SignalView {
    /// `text`, `cluster`, `industry`, `preferred_city`, `corridor_city`, `high_tech`, `specialised`.
    pub name: String,
    pub value: f32,
    pub weight: f32,
    pub contribution: f32,
}

impl From<matching::Signal> for SignalView {
    fn from(s: matching::Signal) -> SignalView {
        SignalView {
            name: s.name.into(),
            value: s.value,
            weight: s.weight,
            contribution: s.contribution,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CandidateView {
    pub rank: usize,
    /// The firm; its `score` is the ranking's total.
    #[serde(flatten)]
    pub hit: EnterpriseHit,
    /// Each signal's value, weight and contribution; they add up to `score`.
    pub signals: Vec<SignalView>,
    /// The candidate's stage when it is in this need's pipeline.
    pub stage: Option<Stage>,
    /// The candidate's proposal, when it answered the need.
    pub proposal: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewNeed {
    /// The enterprise the need is for. An enterprise's own account may omit it; the joint
    /// office must give it. Outside a call it must be a head enterprise.
    #[serde(default)]
    pub owner_uscc: Option<String>,
    /// The open call it is posted into: any confirmed enterprise may post there, and the need
    /// waits for the office's review before every enterprise sees it.
    #[serde(default)]
    pub call_id: Option<String>,
    /// The last day to respond (YYYY-MM-DD).
    #[serde(default)]
    pub deadline: Option<String>,
    #[serde(flatten)]
    pub spec: NeedSpec,
    /// Anything else in the body: refused, named in the error.
    #[serde(flatten, skip_serializing)]
    #[schema(ignore)]
    pub unknown: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NeedView {
    pub id: String,
    /// The call it was posted into, with the office's review.
    pub call: Option<super::calls::CallEntry>,
    pub owner_uscc: String,
    pub owner_name_zh: String,
    pub owner_name_en: String,
    pub status: NeedStatus,
    pub deadline: Option<String>,
    pub created: String,
    #[serde(flatten)]
    pub spec: NeedSpec,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NeedUpdate {
    pub status: NeedStatus,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct StageMove {
    pub uscc: String,
    pub stage: Stage,
    /// The day it happened (YYYY-MM-DD); today when omitted.
    #[serde(default)]
    pub on: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MatchEventView {
    pub stage: Stage,
    pub on: String,
    pub actor: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MatchView {
    pub uscc: String,
    pub name_zh: String,
    pub name_en: String,
    pub city: String,
    pub stage: Stage,
    pub meetings: i64,
    pub score: f32,
    pub suggested_on: String,
    pub contacted_on: Option<String>,
    pub qualified_on: Option<String>,
    pub declined_on: Option<String>,
    pub events: Vec<MatchEventView>,
}

/// A need whose head enterprise has taken this enterprise beyond its shortlist: where the
/// candidate stands. The head enterprise's notes and its ranking score are its own and are
/// not shown.
/// The most opportunities one enterprise is shown.
pub const OPPORTUNITIES_MAX: i64 = 200;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Opportunity {
    pub need_id: String,
    pub title_zh: String,
    pub title_en: String,
    pub kind: NeedKind,
    pub owner_uscc: String,
    pub owner_name_zh: String,
    pub owner_name_en: String,
    pub need_status: NeedStatus,
    /// The need's deadline (YYYY-MM-DD), if it has one.
    pub deadline: Option<String>,
    pub stage: Stage,
    pub meetings: i64,
    pub contacted_on: Option<String>,
    pub qualified_on: Option<String>,
    pub declined_on: Option<String>,
    /// When the head enterprise last moved this candidate (RFC 3339).
    pub updated: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NeedStats {
    pub need_id: String,
    pub title_zh: String,
    pub title_en: String,
    pub kind: NeedKind,
    pub status: NeedStatus,
    /// Enterprises in the pipeline.
    pub candidates: i64,
    /// Stage → count.
    pub by_stage: BTreeMap<String, i64>,
    pub meetings: i64,
    pub qualified: i64,
    /// Days from first contact to qualification, one per qualified candidate.
    pub days_to_qualify: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReserveEntry {
    pub uscc: String,
    pub name_zh: String,
    pub name_en: String,
    pub city: String,
    /// The furthest stage reached on any of the head enterprise's needs.
    pub best_stage: Stage,
    pub needs: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HeadStats {
    pub uscc: String,
    pub name_zh: String,
    pub name_en: String,
    pub needs: i64,
    pub open_needs: i64,
    pub candidates: i64,
    pub meetings: i64,
    pub qualified: i64,
    /// Bottleneck-technology needs with at least one qualified partner: joint-tackling
    /// projects started.
    pub projects_started: i64,
    /// Median days from first contact to qualification.
    pub median_days_to_qualify: Option<f64>,
    /// Partner reserve: every enterprise contacted or further on any need, not declined.
    pub reserve: Vec<ReserveEntry>,
    pub by_need: Vec<NeedStats>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IndustryStats {
    pub heads: Vec<HeadStats>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReindexReport {
    pub enterprises: u64,
}

/// Whose needs a caller may see.
pub(crate) enum Scope {
    All,
    Own(String),
}

pub(crate) fn parse_day(s: &str, field: &str) -> AppResult<Date> {
    corridor_store::parse_date(s)
        .ok()
        .filter(|d| corridor_domain::text::plausible_date(*d))
        .ok_or_else(|| {
            AppError::fields(vec![FieldError::new(
                field,
                "a date as YYYY-MM-DD between 1900 and 2100",
                "须为 1900 年至 2100 年之间的日期，格式 YYYY-MM-DD",
            )])
        })
}

pub(crate) fn field_err(field: &str, reason: &str, zh: &str) -> AppError {
    AppError::fields(vec![FieldError::new(field, reason, zh)])
}

/// A field error of another component (the registry's own checks), as it gave it.
pub(crate) fn field_err_of(e: corridor_domain::catalogue::FieldError) -> AppError {
    AppError::fields(vec![e])
}

pub(crate) fn stage_of(s: &str) -> AppResult<Stage> {
    Stage::parse(s).ok_or_else(|| {
        AppError::new(ErrorCode::Internal, format!("stored stage '{s}'"))
            .with_zh(format!("已存阶段“{s}”无法识别"))
    })
}
