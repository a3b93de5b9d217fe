//! Amounts by rule: a subsidy, a withdrawal limit or a fee, computed from a case's form by the
//! rule its city sets for the matter. Rules are data an operator edits ([`AmountRule`]); each
//! computation says how it was reached, step by step, in Chinese and English ([`Computed`]).
//!
//! The shape every rule takes:
//!
//! ```text
//! amount = 0                                          when an exemption applies, else
//! amount = min(cap, max(floor, base + Σ factor × field))
//! total  = amount × months                            for a monthly amount
//! ```
//!
//! where the base and the cap are one figure or are looked up by a select field's answer (a
//! talent level, a property's use). Money is counted in fen (1/100 yuan), rounded half away from
//! zero at each product, so the same form always gives the same amount.

use crate::catalogue::{FieldType, FormField, Matter};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

crate::codes! {
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum AmountKind {
        /// Paid to the applicant (a rent subsidy).
        Subsidy,
        /// Taken from the applicant's own account, up to a limit (provident fund).
        Withdrawal,
        /// Paid by the applicant.
        Fee,
    }
}

impl AmountKind {
    pub fn label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (AmountKind::Subsidy, true) => "补贴",
            (AmountKind::Subsidy, false) => "subsidy",
            (AmountKind::Withdrawal, true) => "提取额",
            (AmountKind::Withdrawal, false) => "withdrawal",
            (AmountKind::Fee, true) => "收费",
            (AmountKind::Fee, false) => "fee",
        }
    }
}

crate::codes! {
    #[derive(Default)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum AmountUnit {
        #[default]
        Once,
        PerMonth,
    }
}

/// A figure in yuan: one for every case, or looked up by the answer to a select field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Figure {
    Fixed(f64),
    By(ByAnswer),
}

impl Default for Figure {
    fn default() -> Self {
        Figure::Fixed(0.0)
    }
}

/// A figure by a select field's answer (`values`), with one for other answers (`default`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ByAnswer {
    pub field: String,
    pub values: BTreeMap<String, f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<f64>,
}

/// A number field's answer times a factor (−0.1: less a tenth of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Term {
    pub field: String,
    pub factor: f64,
}

/// Nothing is due when a select field has one of these answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Exemption {
    pub field: String,
    pub answers: Vec<String>,
}

/// How a city computes the amount of one matter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AmountRule {
    pub kind: AmountKind,
    #[serde(default)]
    pub unit: AmountUnit,
    /// Where the amount starts (yuan).
    #[serde(default)]
    pub base: Figure,
    /// Added to the base.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub terms: Vec<Term>,
    /// The amount is never less (yuan).
    #[serde(default)]
    pub floor: f64,
    /// The amount is never more (yuan); none: no cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Figure>,
    /// A monthly amount is granted for this many months (the total is shown too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exemptions: Vec<Exemption>,
    /// What the rule follows (a policy document), for applicants and reviewers.
    pub basis_zh: String,
    pub basis_en: String,
}

/// The largest figure a rule may hold (yuan), and so the largest amount.
pub const MAX_YUAN: f64 = 1_000_000_000.0;
/// The most terms, looked-up answers and exemptions a rule may have, each.
pub const MAX_PARTS: usize = 50;
/// The longest basis text.
pub const MAX_BASIS: usize = 500;

/// One step of a computation, as the applicant and the reviewer read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Step {
    pub zh: String,
    pub en: String,
}

/// An amount as computed for one case, with how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Computed {
    pub kind: AmountKind,
    pub unit: AmountUnit,
    /// The amount (a month's, for a monthly one), in fen.
    pub amount_fen: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<u32>,
    /// The amount over all months (the amount itself when it is paid once), in fen.
    pub total_fen: i64,
    pub steps: Vec<Step>,
    pub basis_zh: String,
    pub basis_en: String,
}

impl Computed {
    /// The result in a sentence: "补贴 3,000.00 元/月，共 12 个月 36,000.00 元".
    pub fn summary(&self, zh: bool) -> String {
        let a = yuan(self.amount_fen);
        let t = yuan(self.total_fen);
        let k = self.kind.label(zh);
        match (self.unit, self.months, zh) {
            (AmountUnit::PerMonth, Some(n), true) => {
                format!("{k} {a} 元/月，共 {n} 个月 {t} 元")
            }
            (AmountUnit::PerMonth, Some(n), false) => {
                format!("{k} {a} yuan a month, {t} yuan over {n} months")
            }
            (AmountUnit::PerMonth, None, true) => format!("{k} {a} 元/月"),
            (AmountUnit::PerMonth, None, false) => format!("{k} {a} yuan a month"),
            (AmountUnit::Once, _, true) => format!("{k} {a} 元"),
            (AmountUnit::Once, _, false) => format!("{k} {a} yuan"),
        }
    }
}

/// Why a rule is not accepted, or an amount cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{en}")]
pub struct AmountError {
    pub en: String,
    pub zh: String,
}

fn err(en: impl Into<String>, zh: impl Into<String>) -> AmountError {
    AmountError {
        en: en.into(),
        zh: zh.into(),
    }
}

/// Fen as yuan with thousands separators: `300000` → `3,000.00`, `-5` → `-0.05`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.unsigned_abs();
    let whole = (f / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02}", f % 100)
}

fn fen(yuan: f64) -> i64 {
    (yuan * 100.0).round() as i64
}

fn field<'m>(m: &'m Matter, key: &str) -> Option<&'m FormField> {
    m.fields.iter().find(|f| f.key == key)
}

fn answer_label(f: &FormField, answer: &str, zh: bool) -> String {
    f.options.iter().find(|o| o.value == answer).map_or_else(
        || answer.to_string(),
        |o| {
            if zh {
                o.label_zh.clone()
            } else {
                o.label_en.clone()
            }
        },
    )
}

fn check_figure(what: (&str, &str), y: f64) -> Result<(), AmountError> {
    if !(y.is_finite() && (0.0..=MAX_YUAN).contains(&y)) {
        return Err(err(
            format!(
                "{}: {y} is not a figure from 0 to 1,000,000,000 yuan",
                what.0
            ),
            format!("{}：{y} 不是 0 至 10 亿元之间的数", what.1),
        ));
    }
    Ok(())
}

fn check_select(m: &Matter, key: &str, what: (&str, &str)) -> Result<(), AmountError> {
    match field(m, key) {
        Some(f) if f.ty == FieldType::Select => Ok(()),
        Some(_) => Err(err(
            format!("{}: field '{key}' is not a select field", what.0),
            format!("{}：字段“{key}”不是选择字段", what.1),
        )),
        None => Err(err(
            format!("{}: the matter has no field '{key}'", what.0),
            format!("{}：该事项没有字段“{key}”", what.1),
        )),
    }
}

fn check_answers<'a>(
    m: &Matter,
    key: &str,
    answers: impl Iterator<Item = &'a String>,
    what: (&str, &str),
) -> Result<(), AmountError> {
    let f = field(m, key);
    for a in answers {
        if !f.is_some_and(|f| f.options.iter().any(|o| &o.value == a)) {
            return Err(err(
                format!("{}: '{a}' is not an answer of field '{key}'", what.0),
                format!("{}：“{a}”不是字段“{key}”的选项", what.1),
            ));
        }
    }
    Ok(())
}

impl Figure {
    fn check(&self, m: &Matter, what: (&str, &str)) -> Result<(), AmountError> {
        match self {
            Figure::Fixed(y) => check_figure(what, *y),
            Figure::By(b) => {
                check_select(m, &b.field, what)?;
                if b.values.is_empty() || b.values.len() > MAX_PARTS {
                    return Err(err(
                        format!("{}: from 1 to {MAX_PARTS} answers", what.0),
                        format!("{}：须有 1 至 {MAX_PARTS} 个选项", what.1),
                    ));
                }
                check_answers(m, &b.field, b.values.keys(), what)?;
                for y in b.values.values().chain(b.default.iter()) {
                    check_figure(what, *y)?;
                }
                Ok(())
            }
        }
    }

    /// The figure for a form, in fen, and the words for it; an error when the answer has no
    /// figure.
    fn of(
        &self,
        m: &Matter,
        form: &BTreeMap<String, Value>,
    ) -> Result<(i64, Option<(String, String)>), AmountError> {
        match self {
            Figure::Fixed(y) => Ok((fen(*y), None)),
            Figure::By(b) => {
                let answer = form.get(&b.field).and_then(Value::as_str).unwrap_or("");
                let y = b.values.get(answer).or(b.default.as_ref()).ok_or_else(|| {
                    err(
                        format!("the rule has no figure for {} '{answer}'", b.field),
                        format!("规则中没有{}“{answer}”对应的数额", b.field),
                    )
                })?;
                let f = field(m, &b.field);
                let words = f.map(|f| {
                    (
                        format!("{}“{}”", f.label_zh, answer_label(f, answer, true)),
                        format!("{} '{}'", f.label_en, answer_label(f, answer, false)),
                    )
                });
                Ok((fen(*y), words))
            }
        }
    }
}

impl AmountRule {
    /// Whether the rule fits the matter: every field it names is the matter's, of the right
    /// type, every answer one of the field's options, every figure from 0 to [`MAX_YUAN`].
    pub fn validate(&self, m: &Matter) -> Result<(), AmountError> {
        if m.amount != Some(self.kind) {
            return Err(err(
                format!(
                    "the catalogue has matter {} compute no {}",
                    m.code,
                    self.kind.as_str()
                ),
                format!("目录中事项 {} 不计算{}", m.code, self.kind.label(true)),
            ));
        }
        self.base.check(m, ("base", "基数"))?;
        if let Some(c) = &self.cap {
            c.check(m, ("cap", "上限"))?;
        }
        check_figure(("floor", "下限"), self.floor)?;
        if self.terms.len() > MAX_PARTS || self.exemptions.len() > MAX_PARTS {
            return Err(err(
                format!("at most {MAX_PARTS} terms and {MAX_PARTS} exemptions"),
                format!("最多 {MAX_PARTS} 项计算项和 {MAX_PARTS} 项减免"),
            ));
        }
        for t in &self.terms {
            match field(m, &t.field) {
                Some(f) if f.ty == FieldType::Number => {}
                _ => {
                    return Err(err(
                        format!("terms: '{}' is not a number field of the matter", t.field),
                        format!("计算项：“{}”不是该事项的数字字段", t.field),
                    ))
                }
            }
            if !(t.factor.is_finite() && t.factor.abs() <= 1000.0) {
                return Err(err(
                    format!(
                        "terms: the factor of '{}' must be from -1000 to 1000",
                        t.field
                    ),
                    format!("计算项：“{}”的系数须在 -1000 至 1000 之间", t.field),
                ));
            }
        }
        for e in &self.exemptions {
            check_select(m, &e.field, ("exemptions", "减免"))?;
            check_answers(m, &e.field, e.answers.iter(), ("exemptions", "减免"))?;
        }
        if self.months.is_some_and(|n| n == 0 || n > 120) {
            return Err(err("months: from 1 to 120", "月数须在 1 至 120 之间"));
        }
        if self.months.is_some() && self.unit != AmountUnit::PerMonth {
            return Err(err(
                "months go only with a per_month unit",
                "仅按月计的数额可设月数",
            ));
        }
        for (b, what) in [(&self.basis_zh, "basis_zh"), (&self.basis_en, "basis_en")] {
            if b.trim().is_empty() || b.chars().count() > MAX_BASIS {
                return Err(err(
                    format!("{what}: 1 to {MAX_BASIS} characters"),
                    format!("{what}：须为 1 至 {MAX_BASIS} 个字符"),
                ));
            }
        }
        Ok(())
    }

    /// The amount for a case's form, with every step; an error (in both languages) when the
    /// form lacks an answer the rule needs.
    pub fn compute(
        &self,
        m: &Matter,
        form: &BTreeMap<String, Value>,
    ) -> Result<Computed, AmountError> {
        let mut steps = Vec::new();
        let mut step = |zh: String, en: String| steps.push(Step { zh, en });
        let done = |amount: i64, steps: Vec<Step>| {
            let total = match (self.unit, self.months) {
                (AmountUnit::PerMonth, Some(n)) => amount.saturating_mul(i64::from(n)),
                _ => amount,
            };
            Computed {
                kind: self.kind,
                unit: self.unit,
                amount_fen: amount,
                months: self.months,
                total_fen: total,
                steps,
                basis_zh: self.basis_zh.clone(),
                basis_en: self.basis_en.clone(),
            }
        };
        for e in &self.exemptions {
            let answer = form.get(&e.field).and_then(Value::as_str).unwrap_or("");
            if e.answers.iter().any(|a| a == answer) {
                let f = field(m, &e.field);
                let (lz, le) = f.map_or((e.field.clone(), e.field.clone()), |f| {
                    (f.label_zh.clone(), f.label_en.clone())
                });
                let (az, ae) = f.map_or((answer.to_string(), answer.to_string()), |f| {
                    (
                        answer_label(f, answer, true),
                        answer_label(f, answer, false),
                    )
                });
                step(
                    format!("{lz}为“{az}”，免除：0.00 元"),
                    format!("{le} is '{ae}': exempt, 0.00 yuan"),
                );
                return Ok(done(0, steps));
            }
        }
        let (base, words) = self.base.of(m, form)?;
        let mut sum = base;
        if base != 0 || self.terms.is_empty() {
            match words {
                Some((z, e)) => step(
                    format!("按{z}的基数：{} 元", yuan(base)),
                    format!("base for {e}: {} yuan", yuan(base)),
                ),
                None => step(
                    format!("基数：{} 元", yuan(base)),
                    format!("base: {} yuan", yuan(base)),
                ),
            }
        }
        for t in &self.terms {
            let f = field(m, &t.field);
            let v = form.get(&t.field).and_then(Value::as_f64).ok_or_else(|| {
                let (lz, le) = f.map_or((t.field.clone(), t.field.clone()), |f| {
                    (f.label_zh.clone(), f.label_en.clone())
                });
                err(
                    format!("the form has no {le}, which the rule needs"),
                    format!("表单缺少规则所需的{lz}"),
                )
            })?;
            let part = (v * t.factor * 100.0).round() as i64;
            sum = sum.saturating_add(part);
            let (lz, le) = f.map_or((t.field.clone(), t.field.clone()), |f| {
                (f.label_zh.clone(), f.label_en.clone())
            });
            step(
                format!("{lz} {} × {} = {} 元", yuan(fen(v)), t.factor, yuan(part)),
                format!("{le} {} × {} = {} yuan", yuan(fen(v)), t.factor, yuan(part)),
            );
        }
        if !self.terms.is_empty() {
            step(
                format!("合计：{} 元", yuan(sum)),
                format!("sum: {} yuan", yuan(sum)),
            );
        }
        let floor = fen(self.floor);
        if sum < floor {
            step(
                format!("不低于 {} 元：取 {} 元", yuan(floor), yuan(floor)),
                format!("not less than {0} yuan: {0} yuan", yuan(floor)),
            );
            sum = floor;
        }
        if let Some(cap) = &self.cap {
            let (c, words) = cap.of(m, form)?;
            let (wz, we) = words.map_or((String::new(), String::new()), |(z, e)| {
                (format!("（{z}）"), format!(" for {e}"))
            });
            if sum > c {
                step(
                    format!("上限{wz} {} 元：取 {} 元", yuan(c), yuan(c)),
                    format!("cap{we} {0} yuan: {0} yuan", yuan(c)),
                );
                sum = c;
            } else {
                step(
                    format!("上限{wz} {} 元：未超过", yuan(c)),
                    format!("cap{we} {} yuan: not reached", yuan(c)),
                );
            }
        }
        let c = done(sum, steps);
        let mut steps = c.steps.clone();
        if let (AmountUnit::PerMonth, Some(n)) = (c.unit, c.months) {
            steps.push(Step {
                zh: format!(
                    "每月 {} 元 × {n} 个月 = {} 元",
                    yuan(c.amount_fen),
                    yuan(c.total_fen)
                ),
                en: format!(
                    "{} yuan a month × {n} months = {} yuan",
                    yuan(c.amount_fen),
                    yuan(c.total_fen)
                ),
            });
        }
        Ok(Computed { steps, ..c })
    }
}

#[cfg(test)]
mod tests;
