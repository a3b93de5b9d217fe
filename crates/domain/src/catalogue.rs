//! Reference data: member jurisdictions, competent authorities, service windows and the
//! versioned catalogue of matters. All of it is data loaded from files; nothing here names
//! a city in code.

use crate::ids::{DivisionCode, OrgCode, PassportNo, ResidentId, Uscc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use time::Date;

/// A member city (or district) of the corridor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Jurisdiction {
    pub code: DivisionCode,
    pub name_zh: String,
    pub name_en: String,
    pub province_code: DivisionCode,
    pub province_zh: String,
    pub province_en: String,
    /// Whether the city is a corridor member now (a code table carries validity dates).
    #[serde(default = "yes")]
    pub member: bool,
    pub valid_from: Date,
    #[serde(default)]
    pub valid_to: Option<Date>,
}

fn yes() -> bool {
    true
}

/// The kind of competent authority; each member city has one of each it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthorityKind {
    /// Stable code such as `market`, `hrss`, `hpf`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// A competent authority in one city (e.g. 松江区市场监督管理局).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Authority {
    /// `<city>-<kind>`, e.g. `310117-market`.
    pub id: String,
    pub city: DivisionCode,
    pub kind: String,
    pub name_zh: String,
    pub name_en: String,
}

impl Authority {
    /// The id of the authority of `kind` in `city` (a GB/T 2260 code).
    pub fn id_for(city: &str, kind: &str) -> String {
        format!("{city}-{kind}")
    }
}

/// A physical service window (窗口) that receives filings for any member city.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Window {
    /// Stable id, e.g. `340100-W01`.
    pub id: String,
    pub city: DivisionCode,
    pub name_zh: String,
    pub name_en: String,
    pub address_zh: String,
    pub address_en: String,
}

crate::codes! {
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum ServiceMode {
        /// 全程网办: filed online, handled remotely by the home authority.
        FullyOnline,
        /// 异地代收代办: received at a window in another city and forwarded.
        RemoteReceipt,
        /// 多地联办: filed once, authorities coordinate.
        MultiSite,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Material {
    pub name_zh: String,
    pub name_en: String,
    #[serde(default = "yes")]
    pub required: bool,
    /// Paper copies to hand in at a window.
    #[serde(default)]
    pub copies: u32,
    /// The window must see the original (an identity card, a title certificate, a bank card):
    /// the clerk marks it seen before the case is forwarded.
    #[serde(default)]
    pub original: bool,
    /// A licence Corridor issues (`Output::licence_type`, e.g. `business-licence`): the
    /// applicant may give a verified e-licence of this type instead of a file (once only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence_type: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FieldType {
    Text,
    Number,
    Date,
    Uscc,
    ResidentId,
    OrgCode,
    /// A passport number (foreign nationals).
    Passport,
    Phone,
    Select,
    Boolean,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SelectOption {
    pub value: String,
    pub label_zh: String,
    pub label_en: String,
}

/// A form field with its validation rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormField {
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<SelectOption>,
    /// Personal data (masked for roles that do not need it).
    #[serde(default)]
    pub personal: bool,
}

/// What a matter produces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Output {
    /// Licence type code, e.g. `business-licence`; `None` when the matter issues no licence.
    #[serde(default)]
    pub licence_type: Option<String>,
    pub name_zh: String,
    pub name_en: String,
    /// Validity of the licence in years (`None`: indefinite).
    #[serde(default)]
    pub validity_years: Option<u32>,
}

/// One matter (事项) of one catalogue version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Matter {
    /// Stable code, e.g. `G60-MR-001`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Category for browsing (enterprise, social security, provident fund, ...).
    pub category: String,
    /// Kind of competent authority (`AuthorityKind::code`).
    pub authority_kind: String,
    pub modes: Vec<ServiceMode>,
    /// Statutory limit in working days.
    pub statutory_days: u32,
    /// The corridor's promised limit in working days (≤ statutory).
    pub promised_days: u32,
    /// Fee in yuan (0 when free).
    pub fee_yuan: f64,
    pub applicant_kind: ApplicantKind,
    pub materials: Vec<Material>,
    pub fields: Vec<FormField>,
    pub output: Output,
    /// The form field whose answer, a member city's code, names the city whose authority
    /// decides: where the infringement happens for an IP complaint, the city a pension moves to,
    /// the city where one is insured. `None`: the applicant's home city, as asked at filing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub competent_city_field: Option<String>,
    /// An amount computed at the decision by the competent city's rule
    /// ([`crate::amount::AmountRule`]): a subsidy, a withdrawal or a fee. `None`: no amount
    /// (a fixed fee is `fee_yuan`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<crate::amount::AmountKind>,
    /// Multi-site joint handling: the parts, each decided in the city its field names
    /// ([`crate::joint`]). Empty: one authority decides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<crate::joint::PartSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ApplicantKind {
    Enterprise,
    Person,
    Either,
}

pub use crate::text::FieldError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}")]
pub struct CatalogueError {
    pub what: String,
}

fn cerr(what: impl Into<String>) -> CatalogueError {
    CatalogueError { what: what.into() }
}

impl Matter {
    /// Structural checks on a matter definition.
    pub fn validate(&self, authority_kinds: &HashSet<String>) -> Result<(), CatalogueError> {
        let at = |m: &str| cerr(format!("matter {}: {m}", self.code));
        if self.code.trim().is_empty() || self.code.len() > 32 {
            return Err(at("code must be 1-32 characters"));
        }
        if self.name_zh.trim().is_empty() || self.name_en.trim().is_empty() {
            return Err(at("zh and en names are required"));
        }
        if !authority_kinds.contains(&self.authority_kind) {
            return Err(at(&format!(
                "unknown authority kind '{}'",
                self.authority_kind
            )));
        }
        if self.modes.is_empty() {
            return Err(at("at least one service mode is required"));
        }
        if self.statutory_days == 0 || self.promised_days == 0 {
            return Err(at("time limits must be at least one working day"));
        }
        if self.promised_days > self.statutory_days {
            return Err(at("the promised limit exceeds the statutory limit"));
        }
        if !(self.fee_yuan.is_finite() && self.fee_yuan >= 0.0) {
            return Err(at("fee must be a non-negative number"));
        }
        let mut keys = HashSet::new();
        for f in &self.fields {
            if !keys.insert(f.key.as_str()) {
                return Err(at(&format!("field '{}' appears twice", f.key)));
            }
            if matches!(
                f.ty,
                FieldType::ResidentId | FieldType::Passport | FieldType::Phone
            ) && !f.personal
            {
                return Err(at(&format!(
                    "field '{}' holds an ID number or a phone number: it must be marked personal",
                    f.key
                )));
            }
            if f.ty == FieldType::Select && f.options.is_empty() {
                return Err(at(&format!("select field '{}' has no options", f.key)));
            }
        }
        if let Some(k) = &self.competent_city_field {
            let f = self.fields.iter().find(|f| &f.key == k);
            if !f.is_some_and(|f| f.required && f.ty == FieldType::Select) {
                return Err(at(&format!(
                    "the competent city's field '{k}' must be a required select field of the matter"
                )));
            }
        }
        crate::joint::validate_parts(self)
    }

    /// The field that names the competent city, when the matter has one.
    pub fn competent_city_field(&self) -> Option<&FormField> {
        let k = self.competent_city_field.as_deref()?;
        self.fields.iter().find(|f| f.key == k)
    }

    /// Validates submitted form data against the field rules; returns every problem found,
    /// or the data as it is to be stored (texts normalised by [`crate::text`]).
    pub fn validate_form(
        &self,
        data: &BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut out = BTreeMap::new();
        let fe = |field: &str, (en, zh): Why| FieldError::new(field, en, zh);
        for key in data.keys() {
            if !self.fields.iter().any(|f| &f.key == key) {
                // Named exactly as sent (JSON escapes it; the pages never show unknown keys).
                errors.push(fe(key, why("unknown field", "不是该事项的字段")));
            }
        }
        for f in &self.fields {
            let v = data.get(&f.key).filter(|v| !v.is_null());
            let v = match v {
                None => {
                    if f.required {
                        errors.push(fe(&f.key, why("required", "必填")));
                    }
                    continue;
                }
                Some(v) => v,
            };
            match check_field(f, v) {
                Ok(Some(v)) => {
                    out.insert(f.key.clone(), v);
                }
                Ok(None) => {}
                Err(reason) => errors.push(fe(&f.key, reason)),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

/// The longest text a field without its own `max_len` may hold.
pub const DEFAULT_TEXT_MAX: u32 = 2000;

/// Why a value is refused, in English and Chinese.
type Why = (String, String);

fn why(en: impl Into<String>, zh: impl Into<String>) -> Why {
    (en.into(), zh.into())
}

/// An identifier's refusal in both languages.
fn id_why(e: crate::ids::IdError) -> Why {
    let zh = e.zh();
    (e.to_string(), zh)
}

/// Checks one value; the value to store (`None`: an optional text left empty).
fn check_field(f: &FormField, v: &Value) -> Result<Option<Value>, Why> {
    let text = || {
        v.as_str()
            .ok_or_else(|| why("must be a string", "须为文字"))
    };
    // Texts of every kind are bounded before they are parsed.
    let line = |max: usize| -> Result<Option<String>, Why> {
        // Long texts (descriptions, business scopes) may run over several lines.
        let limit = if max > 200 {
            crate::text::Limit::paragraph(max)
        } else {
            crate::text::Limit::line(max)
        };
        let limit = if f.required { limit } else { limit.optional() };
        crate::text::clean(text()?, limit).map_err(|e| (e.to_string(), e.zh()))
    };
    match f.ty {
        FieldType::Text => {
            let max = f.max_len.unwrap_or(DEFAULT_TEXT_MAX) as usize;
            return Ok(line(max)?.map(Value::String));
        }
        FieldType::Number => {
            let n = v
                .as_f64()
                .filter(|n| n.is_finite())
                .ok_or_else(|| why("must be a number", "须为数字"))?;
            if let Some(min) = f.min {
                if n < min {
                    return Err(why(
                        format!("must be at least {min}"),
                        format!("不能小于 {min}"),
                    ));
                }
            }
            if let Some(max) = f.max {
                if n > max {
                    return Err(why(
                        format!("must be at most {max}"),
                        format!("不能大于 {max}"),
                    ));
                }
            }
        }
        FieldType::Date => {
            let Some(s) = line(10)? else { return Ok(None) };
            let d = Date::parse(&s, &time::format_description::well_known::Iso8601::DATE)
                .map_err(|_| why("must be a date YYYY-MM-DD", "须为日期，格式 YYYY-MM-DD"))?;
            if !crate::text::plausible_date(d) {
                return Err(why(
                    "must be a date between 1900 and 2100",
                    "须为 1900 年至 2100 年之间的日期",
                ));
            }
            return Ok(Some(Value::String(s)));
        }
        FieldType::Uscc => {
            let Some(s) = line(40)? else { return Ok(None) };
            let id = Uscc::parse(&s).map_err(id_why)?;
            return Ok(Some(Value::String(id.as_str().to_string())));
        }
        FieldType::ResidentId => {
            let Some(s) = line(40)? else { return Ok(None) };
            let id = ResidentId::parse(&s).map_err(id_why)?;
            return Ok(Some(Value::String(id.as_str().to_string())));
        }
        FieldType::Passport => {
            let Some(s) = line(40)? else { return Ok(None) };
            let id = PassportNo::parse(&s).map_err(id_why)?;
            return Ok(Some(Value::String(id.as_str().to_string())));
        }
        FieldType::OrgCode => {
            let Some(s) = line(40)? else { return Ok(None) };
            let id = OrgCode::parse(&s).map_err(id_why)?;
            return Ok(Some(Value::String(id.as_str().to_string())));
        }
        FieldType::Phone => {
            let s = text()?;
            if !crate::ids::is_mobile(s) {
                return Err(why("must be an 11-digit mobile number", "须为11位手机号码"));
            }
        }
        FieldType::Select => {
            let s = text()?;
            if !f.options.iter().any(|o| o.value == s) {
                let shown: String = s.chars().take(40).filter(|c| !c.is_control()).collect();
                return Err(why(
                    format!("'{shown}' is not one of the options"),
                    format!("“{shown}”不是可选值之一"),
                ));
            }
        }
        FieldType::Boolean => {
            v.as_bool()
                .ok_or_else(|| why("must be true or false", "须为是或否"))?;
        }
    }
    Ok(Some(v.clone()))
}

/// The whole reference data set as shipped in `data/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferenceData {
    pub jurisdictions: Vec<Jurisdiction>,
    pub authority_kinds: Vec<AuthorityKind>,
    pub authorities: Vec<Authority>,
    pub windows: Vec<Window>,
    pub matters: Vec<Matter>,
    /// Matters filed together once ([`crate::joint::Bundle`]).
    #[serde(default)]
    pub bundles: Vec<crate::joint::Bundle>,
}

impl ReferenceData {
    /// Cross-checks the parts against each other; the message names the bad record.
    pub fn validate(&self) -> Result<(), CatalogueError> {
        let mut codes = HashSet::new();
        for j in &self.jurisdictions {
            if !codes.insert(j.code.as_str()) {
                return Err(cerr(format!("jurisdiction {} appears twice", j.code)));
            }
            if j.code.province() != j.province_code.as_str() {
                return Err(cerr(format!(
                    "jurisdiction {}: province code {} does not match",
                    j.code, j.province_code
                )));
            }
        }
        let kinds: HashSet<String> = self
            .authority_kinds
            .iter()
            .map(|k| k.code.clone())
            .collect();
        let mut ids = HashSet::new();
        for a in &self.authorities {
            if !codes.contains(a.city.as_str()) {
                return Err(cerr(format!("authority {}: unknown city {}", a.id, a.city)));
            }
            if !kinds.contains(&a.kind) {
                return Err(cerr(format!("authority {}: unknown kind {}", a.id, a.kind)));
            }
            if a.id != Authority::id_for(a.city.as_str(), &a.kind) {
                return Err(cerr(format!(
                    "authority {}: id must be <city>-<kind>",
                    a.id
                )));
            }
            if !ids.insert(a.id.as_str()) {
                return Err(cerr(format!("authority {} appears twice", a.id)));
            }
        }
        let mut wids = HashSet::new();
        for w in &self.windows {
            if !codes.contains(w.city.as_str()) {
                return Err(cerr(format!("window {}: unknown city {}", w.id, w.city)));
            }
            if !wids.insert(w.id.as_str()) {
                return Err(cerr(format!("window {} appears twice", w.id)));
            }
        }
        let mut mcodes = HashSet::new();
        for m in &self.matters {
            m.validate(&kinds)?;
            if !mcodes.insert(m.code.as_str()) {
                return Err(cerr(format!("matter {} appears twice", m.code)));
            }
        }
        let mut bcodes = HashSet::new();
        for b in &self.bundles {
            b.validate(&self.matters)?;
            if !bcodes.insert(b.code.as_str()) {
                return Err(cerr(format!("bundle {} appears twice", b.code)));
            }
        }
        Ok(())
    }
}
