//! Needs, the match pipeline's stages, and ranking a need's candidates with explanations.
//!
//! Ranking has three parts:
//! - **Hard constraints**: every required certification (an index filter: a firm without it
//!   is never a candidate).
//! - **Text relevance**: BM25 over names and capabilities (zh and en) for the need's title and
//!   description, normalised to 0..1 by the best candidate's score.
//! - **Soft signals**: the need's clusters, industry class prefixes, preferred cities, a city
//!   within the corridor, and the high-tech and specialised-SME flags.
//!
//! The score is the weighted sum; every result lists each signal's value, weight and
//! contribution, and the query terms it matched by field. Weights come from configuration.

use crate::search::{EnterpriseIndex, Filters, Hit, Meta};
use crate::Cluster;
use corridor_domain::text::{self, Limit};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

corridor_domain::codes! {
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum NeedKind {
        /// Find local suppliers for a part or material (供应链本地化配套).
        SupplierLocalisation = ("供应链本地化配套", "Supplier localisation"),
        /// A bottleneck technology for joint tackling (卡脖子技术联合攻关).
        BottleneckTechnology = ("关键技术联合攻关", "Bottleneck technology (joint tackling)"),
        /// Candidates for the head enterprise's partner reserve (合作伙伴储备).
        PartnerReserve = ("合作伙伴储备", "Partner reserve"),
    }
}

corridor_domain::codes! {
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum NeedStatus {
        Open = ("征集中", "Open"),
        Fulfilled = ("已完成", "Fulfilled"),
        Withdrawn = ("已撤回", "Withdrawn"),
    }
}

/// What a head enterprise (or the office on its behalf) is looking for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// No `deny_unknown_fields`: the API flattens this into larger bodies, which check unknown
// fields themselves.
pub struct NeedSpec {
    pub kind: NeedKind,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub title_zh: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub title_en: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub description_zh: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub description_en: String,
    /// Every one is required of a candidate.
    #[serde(default)]
    pub certifications: Vec<String>,
    #[serde(default)]
    pub clusters: Vec<Cluster>,
    /// GB/T 4754 class prefixes (`C26`, `C3985`).
    #[serde(default)]
    pub industries: Vec<String>,
    /// Preferred city codes.
    #[serde(default)]
    pub cities: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct NeedError {
    pub field: &'static str,
    pub reason: String,
}

const TITLE: Limit = Limit::line(200).optional();
const DESCRIPTION: Limit = Limit::paragraph(5000).optional();
const CERTIFICATION: Limit = Limit::line(40);

impl From<text::Refusal> for NeedError {
    fn from((field, e): text::Refusal) -> Self {
        NeedError {
            field,
            reason: e.to_string(),
        }
    }
}

impl NeedSpec {
    /// A need of `kind` with nothing else said yet, to be filled in field by field.
    pub fn of_kind(kind: NeedKind) -> NeedSpec {
        NeedSpec {
            kind,
            title_zh: String::new(),
            title_en: String::new(),
            description_zh: String::new(),
            description_en: String::new(),
            certifications: Vec::new(),
            clusters: Vec::new(),
            industries: Vec::new(),
            cities: Vec::new(),
        }
    }

    /// The spec with its texts normalised (see [`corridor_domain::text`]), if it is valid.
    pub fn normalised(mut self) -> Result<NeedSpec, NeedError> {
        self.each_text(text::normalise)?;
        self.validate()?;
        Ok(self)
    }

    /// Applies `f` to every text with its field name and limit.
    fn each_text(&mut self, f: text::EachText) -> Result<(), text::Refusal> {
        f("title_zh", &mut self.title_zh, TITLE)?;
        f("title_en", &mut self.title_en, TITLE)?;
        f("description_zh", &mut self.description_zh, DESCRIPTION)?;
        f("description_en", &mut self.description_en, DESCRIPTION)?;
        for c in &mut self.certifications {
            f("certifications", c, CERTIFICATION)?;
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<(), NeedError> {
        let e = |field, reason: &str| {
            Err(NeedError {
                field,
                reason: reason.to_string(),
            })
        };
        self.clone().each_text(text::check)?;
        if self.title_zh.trim().is_empty() && self.title_en.trim().is_empty() {
            return e("title_zh", "a Chinese or English title is required");
        }
        if self.certifications.len() > 20 || self.clusters.len() > 20 {
            return e(
                "certifications",
                "at most 20 certifications and 20 clusters",
            );
        }
        if self.industries.len() > 50 || self.cities.len() > 50 {
            return e("industries", "at most 50 industries and 50 cities");
        }
        let class_ok = |i: &String| {
            let b = i.as_bytes();
            !b.is_empty()
                && b.len() <= 5
                && b[0].is_ascii_uppercase()
                && b[1..].iter().all(u8::is_ascii_digit)
        };
        if !self.industries.iter().all(class_ok) {
            return e(
                "industries",
                "GB/T 4754 class prefixes such as C26 or C3985",
            );
        }
        if !self
            .cities
            .iter()
            .all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
        {
            return e("cities", "six-digit division codes");
        }
        Ok(())
    }

    /// The text the index is asked: titles and descriptions in both languages.
    pub fn text(&self) -> String {
        [
            &self.title_zh,
            &self.title_en,
            &self.description_zh,
            &self.description_en,
        ]
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
    }
}

/// The weight of each ranking signal (configuration; see `docs/matching.md`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    pub text: f32,
    pub cluster: f32,
    pub industry: f32,
    pub preferred_city: f32,
    pub corridor_city: f32,
    pub high_tech: f32,
    pub specialised: f32,
    /// How many text candidates are re-ranked by the signals.
    pub candidates: usize,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            text: 0.55,
            cluster: 0.12,
            industry: 0.10,
            preferred_city: 0.08,
            corridor_city: 0.05,
            high_tech: 0.04,
            specialised: 0.06,
            candidates: 400,
        }
    }
}

impl Weights {
    pub fn validate(&self) -> Result<(), String> {
        let all = [
            self.text,
            self.cluster,
            self.industry,
            self.preferred_city,
            self.corridor_city,
            self.high_tech,
            self.specialised,
        ];
        if all.iter().any(|w| !w.is_finite() || *w < 0.0) {
            return Err("weights must be finite and not negative".into());
        }
        if all.iter().sum::<f32>() <= 0.0 {
            return Err("at least one weight must be positive".into());
        }
        if !(10..=10_000).contains(&self.candidates) {
            return Err("candidates must be between 10 and 10000".into());
        }
        Ok(())
    }
}

/// One signal's part in a score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal {
    pub name: &'static str,
    /// 0..1: how far the candidate has it.
    pub value: f32,
    pub weight: f32,
    pub contribution: f32,
}

/// A ranked candidate and why.
#[derive(Debug, Clone, Serialize)]
pub struct Ranked {
    /// The firm as the index found it; its `score` is the ranking's total (the signals'
    /// contributions added up).
    pub hit: Hit,
    /// The text relevance before normalisation.
    pub bm25: f32,
    pub signals: Vec<Signal>,
}

/// Ranks the index's enterprises for a need. `members` are the corridor's city codes.
pub fn rank(
    index: &EnterpriseIndex,
    need: &NeedSpec,
    weights: &Weights,
    members: &BTreeSet<String>,
    limit: usize,
) -> tantivy::Result<Vec<Ranked>> {
    rank_with(index, need, weights, members, limit, true)
}

/// [`rank`] without the matched terms (`matched` is empty): the same scores and order, for
/// callers that need a score and not its explanation. Finding the matched terms tokenises each
/// result's text again, which costs more than the ranking itself.
pub fn rank_unexplained(
    index: &EnterpriseIndex,
    need: &NeedSpec,
    weights: &Weights,
    members: &BTreeSet<String>,
    limit: usize,
) -> tantivy::Result<Vec<Ranked>> {
    rank_with(index, need, weights, members, limit, false)
}

/// The text's best `weights.candidates` firms (certifications required), each scored by the
/// signals; the best `limit` of them, ties in the order of their codes. Only those are read
/// whole from the index.
fn rank_with(
    index: &EnterpriseIndex,
    need: &NeedSpec,
    weights: &Weights,
    members: &BTreeSet<String>,
    limit: usize,
    explain: bool,
) -> tantivy::Result<Vec<Ranked>> {
    let filters = Filters {
        certifications: need.certifications.clone(),
        ..Default::default()
    };
    let found = index.candidates(&need.text(), &filters, weights.candidates.max(limit))?;
    let best = found
        .list
        .iter()
        .map(|c| c.score)
        .fold(0.0_f32, f32::max)
        .max(f32::EPSILON);
    let mut scored: Vec<(f32, Vec<Signal>, &crate::search::Candidate)> = found
        .list
        .iter()
        .map(|c| {
            let s = signals(need, &c.meta, c.score / best, weights, members);
            (s.iter().map(|s| s.contribution).sum(), s, c)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    // Every candidate scoring at least the last place's score: ties there are settled by code.
    let Some(cut) = scored.get(limit.max(1) - 1).or(scored.last()).map(|s| s.0) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (score, signals, c) in scored.into_iter().take_while(|s| s.0 >= cut) {
        out.push(Ranked {
            hit: found.hit(c, score, explain)?,
            bm25: c.score,
            signals,
        });
    }
    out.sort_by(|a, b| (b.hit.score.total_cmp(&a.hit.score)).then(a.hit.uscc.cmp(&b.hit.uscc)));
    out.truncate(limit);
    Ok(out)
}

/// Each signal of one firm (`meta`) for one need, with its weight and contribution; `text` is
/// the text relevance already normalised to 0..1. Both directions of matching use it: a need's
/// candidates ([`rank`]) and a firm's open needs ([`crate::search::needs`]).
pub fn signals(
    need: &NeedSpec,
    m: &Meta,
    text: f32,
    weights: &Weights,
    members: &BTreeSet<String>,
) -> Vec<Signal> {
    let has = |f: &str| m.flags.iter().any(|x| x == f);
    let b = |x: bool| if x { 1.0 } else { 0.0 };
    let industry = need
        .industries
        .iter()
        .map(|p| {
            if m.industry.starts_with(p.as_str()) {
                1.0
            } else if p.len() >= 3 && m.industry.get(..3) == p.get(..3) {
                0.5
            } else {
                0.0
            }
        })
        .fold(0.0_f32, f32::max);
    let parts = [
        ("text", text, weights.text),
        (
            "cluster",
            b(need.clusters.iter().any(|c| c.as_str() == m.cluster)),
            weights.cluster,
        ),
        ("industry", industry, weights.industry),
        (
            "preferred_city",
            b(need.cities.iter().any(|c| c == &m.city)),
            weights.preferred_city,
        ),
        (
            "corridor_city",
            b(members.contains(&m.city)),
            weights.corridor_city,
        ),
        ("high_tech", b(has("high_tech")), weights.high_tech),
        ("specialised", b(has("specialised")), weights.specialised),
    ];
    parts
        .into_iter()
        .map(|(name, value, weight)| Signal {
            name,
            value,
            weight,
            contribution: value * weight,
        })
        .collect()
}

/// Whether a firm holds every certification a need requires (the hard constraint).
pub fn certified_for(need: &NeedSpec, m: &Meta) -> bool {
    need.certifications
        .iter()
        .all(|c| m.certifications.iter().any(|h| h.trim() == c.trim()))
}

corridor_domain::codes! {
    /// The stages of a match, in order; `Declined` ends a match from any open stage.
    #[derive(PartialOrd, Ord)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum Stage {
        Suggested,
        Contacted,
        Meeting,
        Testing,
        Qualified,
        Declined,
    }
}

impl Stage {
    pub fn name(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Stage::Suggested, true) => "推荐",
            (Stage::Suggested, false) => "Suggested",
            (Stage::Contacted, true) => "已对接",
            (Stage::Contacted, false) => "Contacted",
            (Stage::Meeting, true) => "洽谈会面",
            (Stage::Meeting, false) => "Meeting",
            (Stage::Testing, true) => "送样测试",
            (Stage::Testing, false) => "Sample or testing",
            (Stage::Qualified, true) => "合格供应商",
            (Stage::Qualified, false) => "Qualified",
            (Stage::Declined, true) => "未合作",
            (Stage::Declined, false) => "Declined",
        }
    }
    pub fn is_final(self) -> bool {
        matches!(self, Stage::Qualified | Stage::Declined)
    }
    /// Whether a match at `self` may move to `to`: forward (skipping is allowed), another
    /// meeting while meeting, or declined from any open stage.
    pub fn can_move_to(self, to: Stage) -> bool {
        if self.is_final() {
            return false;
        }
        match to {
            Stage::Suggested => false,
            Stage::Declined => true,
            Stage::Meeting if self == Stage::Meeting => true,
            _ => to > self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code is what serde writes for the variant (the API's and the database's word).
    #[test]
    fn codes_are_serde_names() {
        fn check<T: Serialize + Copy>(all: &[T], code: fn(T) -> &'static str) {
            for v in all {
                assert_eq!(serde_json::to_value(v).unwrap(), code(*v));
            }
        }
        check(&NeedKind::ALL, NeedKind::as_str);
        check(&NeedStatus::ALL, NeedStatus::as_str);
        check(&Stage::ALL, Stage::as_str);
        check(&crate::Cluster::ALL, crate::Cluster::as_str);
        assert_eq!(
            crate::Cluster::HighEndEquipment.as_str(),
            "high_end_equipment"
        );
    }

    #[test]
    fn stages_move_forward_only() {
        use Stage::*;
        assert!(Suggested.can_move_to(Contacted));
        assert!(Suggested.can_move_to(Testing));
        assert!(Meeting.can_move_to(Meeting));
        assert!(Testing.can_move_to(Declined));
        assert!(!Contacted.can_move_to(Suggested));
        assert!(!Testing.can_move_to(Meeting));
        assert!(!Qualified.can_move_to(Declined));
        assert!(!Declined.can_move_to(Contacted));
        assert!(!Contacted.can_move_to(Contacted));
    }

    #[test]
    fn weights_and_needs_are_checked() {
        assert!(Weights::default().validate().is_ok());
        let w = Weights {
            text: f32::NAN,
            ..Default::default()
        };
        assert!(w.validate().is_err());
        let mut n = NeedSpec {
            ..NeedSpec::of_kind(NeedKind::SupplierLocalisation)
        };
        assert_eq!(n.validate().unwrap_err().field, "title_zh");
        n.title_en = "Sealant tape".into();
        assert!(n.validate().is_ok());
        n.industries = vec!["c26".into()];
        assert_eq!(n.validate().unwrap_err().field, "industries");
    }
}
