//! The finance alliance's matching: banks, venture funds, guarantee and leasing firms with their
//! products (amount band, stages, clusters, cities), and enterprises' financing needs. One
//! function, [`fit`], scores a member's product for a need with explained signals; the
//! application ranks members for a need and needs for a member with it, so both directions
//! agree.
//!
//! Signals (each 0..1, times its weight; the score is their sum):
//! - `amount`: 1 when the need's amount is within the product's band, falling off with the
//!   ratio outside it (half the band's floor scores 0.5);
//! - `stage`: the product serves the firm's stage;
//! - `cluster`: the product names the firm's cluster (a product for every cluster scores 0.5);
//! - `city`: the product serves the firm's city (one for every corridor city scores 0.5);
//! - `text`: the share of the need's purpose words found in the product's name and
//!   description, the words listed.

use crate::matching::Signal;
use crate::Cluster;
use corridor_domain::text::{self, Limit};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

corridor_domain::codes! {
    /// What kind of institution a member of the alliance is.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum MemberKind {
        Bank = ("银行", "Bank"),
        VentureFund = ("创投基金", "Venture fund"),
        Guarantee = ("融资担保", "Guarantee"),
        Leasing = ("融资租赁", "Leasing"),
    }
}

corridor_domain::codes! {
    /// A firm's stage, as financing sees it.
    #[derive(PartialOrd, Ord)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum FirmStage {
        Seed = ("种子期", "Seed"),
        Startup = ("初创期", "Start-up"),
        Growth = ("成长期", "Growth"),
        Mature = ("成熟期", "Mature"),
    }
}

/// A financial product of a member. Amounts are in units of 10,000 yuan (万元).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Product {
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub name_zh: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub name_en: String,
    /// The smallest amount, 万元.
    pub min_amount: i64,
    /// The largest amount, 万元.
    pub max_amount: i64,
    /// The stages it serves (at least one).
    pub stages: Vec<FirmStage>,
    /// The clusters it is for; empty: every cluster.
    #[serde(default)]
    pub clusters: Vec<Cluster>,
    /// The cities it serves (six-digit codes); empty: every corridor city.
    #[serde(default)]
    pub cities: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub description_zh: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub description_en: String,
}

/// The most a financing amount may be, 万元 (ten billion yuan).
pub const MAX_AMOUNT: i64 = 1_000_000;

/// A refusal of a product or a need, naming its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FinanceError {
    pub field: &'static str,
    pub reason: &'static str,
    pub reason_zh: &'static str,
}

fn err<T>(
    field: &'static str,
    reason: &'static str,
    reason_zh: &'static str,
) -> Result<T, FinanceError> {
    Err(FinanceError {
        field,
        reason,
        reason_zh,
    })
}

fn clean(field: &'static str, s: &mut String, limit: Limit) -> Result<(), FinanceError> {
    match text::clean(s, limit) {
        Ok(v) => {
            *s = v.unwrap_or_default();
            Ok(())
        }
        Err(_) => err(field, "too long or not text", "过长或含无效字符"),
    }
}

impl Product {
    /// The product with its texts normalised, if it is valid.
    pub fn normalised(mut self) -> Result<Product, FinanceError> {
        clean("name_zh", &mut self.name_zh, Limit::line(200).optional())?;
        clean("name_en", &mut self.name_en, Limit::line(200).optional())?;
        clean(
            "description_zh",
            &mut self.description_zh,
            Limit::paragraph(2000).optional(),
        )?;
        clean(
            "description_en",
            &mut self.description_en,
            Limit::paragraph(2000).optional(),
        )?;
        if self.name_zh.is_empty() && self.name_en.is_empty() {
            return err(
                "name_zh",
                "a Chinese or English name",
                "须填写中文或英文名称",
            );
        }
        if !(1..=MAX_AMOUNT).contains(&self.min_amount)
            || !(1..=MAX_AMOUNT).contains(&self.max_amount)
        {
            return err(
                "min_amount",
                "amounts from 1 to 1,000,000 (10,000 yuan)",
                "金额须在 1 至 1,000,000 万元之间",
            );
        }
        if self.max_amount < self.min_amount {
            return err(
                "max_amount",
                "the largest amount is below the smallest",
                "最高金额低于最低金额",
            );
        }
        if self.stages.is_empty() {
            return err("stages", "at least one stage", "须至少选择一个阶段");
        }
        if self.clusters.len() > 20 || self.cities.len() > 50 {
            return err(
                "cities",
                "at most 20 clusters and 50 cities",
                "至多 20 个集群、50 个城市",
            );
        }
        if !self
            .cities
            .iter()
            .all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
        {
            return err("cities", "six-digit division codes", "须为六位行政区划代码");
        }
        Ok(self)
    }
}

/// What a firm asks for. Amounts are in units of 10,000 yuan (万元).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FinancingSpec {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub title_zh: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub title_en: String,
    /// 万元.
    pub amount: i64,
    pub stage: FirmStage,
    /// What the money is for.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub purpose_zh: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub purpose_en: String,
}

impl FinancingSpec {
    pub fn normalised(mut self) -> Result<FinancingSpec, FinanceError> {
        clean("title_zh", &mut self.title_zh, Limit::line(200).optional())?;
        clean("title_en", &mut self.title_en, Limit::line(200).optional())?;
        clean(
            "purpose_zh",
            &mut self.purpose_zh,
            Limit::paragraph(2000).optional(),
        )?;
        clean(
            "purpose_en",
            &mut self.purpose_en,
            Limit::paragraph(2000).optional(),
        )?;
        if self.title_zh.is_empty() && self.title_en.is_empty() {
            return err(
                "title_zh",
                "a Chinese or English title",
                "须填写中文或英文标题",
            );
        }
        if !(1..=MAX_AMOUNT).contains(&self.amount) {
            return err(
                "amount",
                "an amount from 1 to 1,000,000 (10,000 yuan)",
                "金额须在 1 至 1,000,000 万元之间",
            );
        }
        Ok(self)
    }

    fn text(&self) -> String {
        [
            &self.title_zh,
            &self.title_en,
            &self.purpose_zh,
            &self.purpose_en,
        ]
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
    }
}

/// The firm behind a need, as the match sees it.
#[derive(Debug, Clone)]
pub struct Firm {
    pub city: String,
    pub cluster: Cluster,
}

/// The weights of the signals.
pub const WEIGHTS: [(&str, f32); 5] = [
    ("amount", 0.35),
    ("stage", 0.25),
    ("cluster", 0.15),
    ("city", 0.10),
    ("text", 0.15),
];

/// How one product fits one need: its score, each signal, the need's words found in it.
#[derive(Debug, Clone)]
pub struct Fit {
    pub score: f32,
    pub signals: Vec<Signal>,
    pub matched: Vec<String>,
}

/// Scores a product for a need (`members`: the corridor's city codes).
pub fn fit(need: &FinancingSpec, firm: &Firm, p: &Product, members: &BTreeSet<String>) -> Fit {
    let amount = if (p.min_amount..=p.max_amount).contains(&need.amount) {
        1.0
    } else if need.amount < p.min_amount {
        need.amount as f32 / p.min_amount as f32
    } else {
        p.max_amount as f32 / need.amount as f32
    };
    let b = |x: bool| if x { 1.0 } else { 0.0 };
    let cluster = if p.clusters.is_empty() {
        0.5
    } else {
        b(p.clusters.contains(&firm.cluster))
    };
    let city = if p.cities.is_empty() {
        0.5 * b(members.contains(&firm.city))
    } else {
        b(p.cities.contains(&firm.city))
    };
    let asked = crate::search::terms_of(&need.text());
    let have: BTreeSet<String> = crate::search::terms_of(&format!(
        "{} {} {} {}",
        p.name_zh, p.name_en, p.description_zh, p.description_en
    ))
    .into_iter()
    .map(|(t, _)| t)
    .collect();
    let mut matched: Vec<String> = Vec::new();
    for (t, w) in &asked {
        if have.contains(t) && !matched.contains(w) {
            matched.push(w.clone());
        }
    }
    let text = if asked.is_empty() {
        0.0
    } else {
        (matched.len() as f32 / asked.len() as f32 * 2.0).min(1.0)
    };
    let values = [
        amount,
        b(p.stages.contains(&need.stage)),
        cluster,
        city,
        text,
    ];
    let signals: Vec<Signal> = WEIGHTS
        .iter()
        .zip(values)
        .map(|((name, weight), value)| Signal {
            name,
            value,
            weight: *weight,
            contribution: value * weight,
        })
        .collect();
    Fit {
        score: signals.iter().map(|s| s.contribution).sum(),
        signals,
        matched,
    }
}

/// The member's product that fits a need best, by index, and how.
pub fn best_product(
    need: &FinancingSpec,
    firm: &Firm,
    products: &[Product],
    members: &BTreeSet<String>,
) -> Option<(usize, Fit)> {
    products
        .iter()
        .enumerate()
        .map(|(i, p)| (i, fit(need, firm, p, members)))
        .max_by(|a, b| a.1.score.total_cmp(&b.1.score).then(b.0.cmp(&a.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(min: i64, max: i64, stages: &[FirmStage], clusters: &[Cluster]) -> Product {
        Product {
            name_zh: "科技成长贷".into(),
            name_en: "Tech growth loan".into(),
            min_amount: min,
            max_amount: max,
            stages: stages.to_vec(),
            clusters: clusters.to_vec(),
            cities: vec![],
            description_zh: "面向专精特新企业的研发设备贷款".into(),
            description_en: "Loans for R&D equipment of specialised SMEs".into(),
        }
    }

    #[test]
    fn fits_by_amount_stage_cluster_city_and_words() {
        let need = FinancingSpec {
            title_zh: "购置研发设备".into(),
            title_en: String::new(),
            amount: 500,
            stage: FirmStage::Growth,
            purpose_zh: "研发设备贷款".into(),
            purpose_en: "R&D equipment".into(),
        }
        .normalised()
        .unwrap();
        let firm = Firm {
            city: "330400".into(),
            cluster: Cluster::NewMaterials,
        };
        let members: BTreeSet<String> = ["330400".to_string()].into();
        let good = product(100, 1000, &[FirmStage::Growth], &[Cluster::NewMaterials]);
        let f = fit(&need, &firm, &good, &members);
        let v = |n: &str| f.signals.iter().find(|s| s.name == n).unwrap().value;
        assert_eq!(
            (v("amount"), v("stage"), v("cluster"), v("city")),
            (1.0, 1.0, 1.0, 0.5)
        );
        assert!(
            f.matched.iter().any(|w| w.contains("设备")),
            "{:?}",
            f.matched
        );
        let sum: f32 = f.signals.iter().map(|s| s.contribution).sum();
        assert!((sum - f.score).abs() < 1e-6);
        // Too small a band, the wrong stage: lower, and the amount falls off with the ratio.
        let small = product(10, 250, &[FirmStage::Seed], &[]);
        let g = fit(&need, &firm, &small, &members);
        assert!(g.score < f.score);
        assert_eq!(g.signals[0].value, 0.5);
        let (i, _) = best_product(&need, &firm, &[small, good], &members).unwrap();
        assert_eq!(i, 1);
        // Checked: an inverted band, an amount out of range.
        assert_eq!(
            product(10, 5, &[FirmStage::Seed], &[])
                .normalised()
                .unwrap_err()
                .field,
            "max_amount"
        );
        let bad = FinancingSpec { amount: 0, ..need };
        assert_eq!(bad.normalised().unwrap_err().field, "amount");
    }
}
