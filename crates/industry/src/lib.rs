//! Industry-chain matchmaking (issue #5), the parts without I/O: the enterprise registry's
//! record and its validation, a deterministic generator of synthetic enterprises, head
//! enterprises and needs, the search index (tantivy, with jieba for Chinese and stemmed
//! English) with filters and facet counts, and ranking a need's candidates with explanations.
//! Storage, the outbox that feeds the index, and access rules are in `corridor-app`.

pub mod finance;
pub mod generate;
pub mod glossary;
pub mod io;
pub mod matching;
pub mod search;

pub use tantivy;

use corridor_domain::ids::{DivisionCode, Uscc};
use corridor_domain::text::{self, Limit};
use serde::{Deserialize, Serialize};

corridor_domain::codes! {
    /// The corridor's industrial clusters (the "6+X").
    #[derive(PartialOrd, Ord)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum Cluster {
        IntegratedCircuits,
        Biomedicine,
        ArtificialIntelligence,
        NewEnergy,
        Aviation,
        SatelliteInternet,
        HighEndEquipment,
        NewMaterials,
    }
}

impl Cluster {
    pub fn name_zh(self) -> &'static str {
        match self {
            Cluster::IntegratedCircuits => "集成电路",
            Cluster::Biomedicine => "生物医药",
            Cluster::ArtificialIntelligence => "人工智能",
            Cluster::NewEnergy => "新能源",
            Cluster::Aviation => "航空",
            Cluster::SatelliteInternet => "卫星互联网",
            Cluster::HighEndEquipment => "高端装备",
            Cluster::NewMaterials => "新材料",
        }
    }
}

/// Recognised flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Flags {
    /// High and new technology enterprise (高新技术企业).
    #[serde(default)]
    pub high_tech: bool,
    /// Specialised and sophisticated SME (专精特新).
    #[serde(default)]
    pub specialised: bool,
    /// A head (chain-leading) enterprise (链主企业).
    #[serde(default)]
    pub head: bool,
    #[serde(default)]
    pub listed: bool,
}

impl Flags {
    pub fn names(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.high_tech {
            v.push("high_tech");
        }
        if self.specialised {
            v.push("specialised");
        }
        if self.head {
            v.push("head");
        }
        if self.listed {
            v.push("listed");
        }
        v
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SizeBand {
    Micro,
    Small,
    Medium,
    Large,
}

/// One enterprise of the registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Enterprise {
    /// Unified social credit code (validated, check character included).
    pub uscc: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub name_zh: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub name_en: String,
    /// GB/T 2260 city code (member city or not).
    pub city: String,
    /// GB/T 4754-2017 industry class, e.g. `C2651` (section letter and up to four digits).
    pub industry: String,
    pub cluster: Cluster,
    #[serde(default)]
    pub flags: Flags,
    /// Capabilities and products, in Chinese and/or English.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 4000))]
    pub capabilities_zh: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 4000))]
    pub capabilities_en: String,
    /// e.g. `AS9100`, `ISO 13485`, `IATF 16949`, `ISO 9001`.
    #[serde(default)]
    pub certifications: Vec<String>,
    pub size: SizeBand,
    pub founded: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct RecordError {
    pub field: &'static str,
    pub reason: String,
}

const NAME: Limit = Limit::line(200).optional();
const CAPABILITIES: Limit = Limit::paragraph(4000).optional();
const CERTIFICATION: Limit = Limit::line(40);

impl From<text::Refusal> for RecordError {
    fn from((field, e): text::Refusal) -> Self {
        RecordError {
            field,
            reason: e.to_string(),
        }
    }
}

impl Enterprise {
    /// The record with its texts normalised (see [`corridor_domain::text`]), if it is valid.
    pub fn normalised(mut self) -> Result<Enterprise, RecordError> {
        self.each_text(text::normalise)?;
        self.validate()?;
        Ok(self)
    }

    /// Applies `f` to every text with its field name and limit.
    fn each_text(&mut self, f: text::EachText) -> Result<(), text::Refusal> {
        f("name_zh", &mut self.name_zh, NAME)?;
        f("name_en", &mut self.name_en, NAME)?;
        f("capabilities_zh", &mut self.capabilities_zh, CAPABILITIES)?;
        f("capabilities_en", &mut self.capabilities_en, CAPABILITIES)?;
        for c in &mut self.certifications {
            f("certifications", c, CERTIFICATION)?;
        }
        Ok(())
    }

    /// Checks a record as it would be imported.
    pub fn validate(&self) -> Result<(), RecordError> {
        let e = |field, reason: &str| RecordError {
            field,
            reason: reason.to_string(),
        };
        self.clone().each_text(text::check)?;
        if self.certifications.len() > 20 {
            return Err(e("certifications", "at most 20"));
        }
        Uscc::parse(&self.uscc).map_err(|x| RecordError {
            field: "uscc",
            reason: x.to_string(),
        })?;
        if self.name_zh.trim().is_empty() && self.name_en.trim().is_empty() {
            return Err(e("name_zh", "a Chinese or English name is required"));
        }
        DivisionCode::parse(&self.city).map_err(|x| RecordError {
            field: "city",
            reason: x.to_string(),
        })?;
        let ind = self.industry.as_bytes();
        let ok = !ind.is_empty()
            && ind.len() <= 5
            && ind[0].is_ascii_uppercase()
            && ind[1..].iter().all(u8::is_ascii_digit);
        if !ok {
            return Err(e(
                "industry",
                "a GB/T 4754 class: a section letter and up to four digits, e.g. C2651",
            ));
        }
        if !(1949..=2100).contains(&self.founded) {
            return Err(e("founded", "a year between 1949 and 2100"));
        }
        Ok(())
    }

    /// The industry class as a path of prefixes: `C2651` → `["C", "C26", "C265", "C2651"]`.
    pub fn industry_path(&self) -> Vec<String> {
        (1..=self.industry.len())
            .filter(|n| *n == 1 || *n >= 3)
            .filter_map(|n| self.industry.get(..n).map(str::to_string))
            .collect()
    }
}
