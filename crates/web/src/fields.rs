//! A form's fields as the pages show them (label, value, error next to it, options) and as
//! they are posted back (text to typed JSON), shared by the filing steps and the case page's
//! resubmission.

use crate::Lang;
use corridor_domain::catalogue::{FieldError, FieldType, FormField};
use serde_json::Value;
use std::collections::BTreeMap;

/// Turns the text of the posted form into typed JSON values; empty answers are left out so
/// that "required" is reported for them.
pub(crate) fn form_json(
    fields: &[FormField],
    raw: &BTreeMap<String, String>,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for f in fields {
        let v = raw.get(&f.key).map(|s| s.trim()).unwrap_or("");
        match f.ty {
            FieldType::Boolean => {
                out.insert(f.key.clone(), Value::Bool(v == "true"));
            }
            _ if v.is_empty() => {}
            FieldType::Number => {
                let n = v
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or_else(|| Value::String(v.to_string()));
                out.insert(f.key.clone(), n);
            }
            _ => {
                out.insert(f.key.clone(), Value::String(v.to_string()));
            }
        }
    }
    out
}

/// A field error's reason in the page's language: the rule's own Chinese where it gives one
/// (every rule of the domain and the application does), else the English reason's usual
/// patterns (the registry's and needs' own checks, which give English only).
pub(crate) fn reason_text(lang: Lang, e: &FieldError) -> String {
    if lang == Lang::En {
        return e.reason.clone();
    }
    if let Some(zh) = &e.reason_zh {
        return zh.clone();
    }
    let reason = e.reason.as_str();
    let r = reason.to_ascii_lowercase();
    if r == "required" {
        "必填".into()
    } else if r.starts_with("longer than") {
        let n: String = r.chars().filter(|c| c.is_ascii_digit()).collect();
        format!("不能超过 {n} 个字符")
    } else if r.starts_with("must be at least") {
        format!("不能小于 {}", r.trim_start_matches("must be at least "))
    } else if r.starts_with("must be at most") {
        format!("不能大于 {}", r.trim_start_matches("must be at most "))
    } else if r.contains("number") && r.contains("mobile") {
        "须为11位手机号码".into()
    } else if r.contains("number") {
        "须为数字".into()
    } else if r.contains("date") {
        "须为日期，格式 YYYY-MM-DD".into()
    } else if r.contains("check") {
        "校验码不正确，请核对号码".into()
    } else if r.contains("options") {
        "不是可选值之一".into()
    } else if r.contains("identity") {
        "须在窗口核验申请人身份".into()
    } else {
        "格式不正确".into()
    }
}

pub(crate) struct FieldRow {
    pub key: String,
    pub label: String,
    pub input: &'static str,
    pub value: String,
    pub required: bool,
    pub error: String,
    pub is_select: bool,
    pub is_bool: bool,
    pub options: Vec<(String, String, bool)>,
    pub hint: String,
}

pub(crate) fn field_rows(
    lang: Lang,
    fields: &[FormField],
    values: &BTreeMap<String, String>,
    errors: &[FieldError],
) -> Vec<FieldRow> {
    fields
        .iter()
        .map(|f| {
            let value = values.get(&f.key).cloned().unwrap_or_default();
            let error = errors
                .iter()
                .find(|e| e.field == f.key)
                .map(|e| reason_text(lang, e))
                .unwrap_or_default();
            let (input, hint) = match f.ty {
                FieldType::Number => ("number", String::new()),
                FieldType::Date => ("date", String::new()),
                FieldType::Phone => ("tel", lang.texts().t_11_digit_mobile_number.into()),
                FieldType::Uscc => ("text", lang.texts().t_18_characters.into()),
                FieldType::ResidentId => ("text", lang.texts().t_18_character_resident_id.into()),
                FieldType::OrgCode => ("text", lang.texts().t_9_characters.into()),
                FieldType::Passport => ("text", lang.texts().t_passport.into()),
                _ => ("text", String::new()),
            };
            FieldRow {
                key: f.key.clone(),
                label: lang.of(&f.label_zh, &f.label_en),
                input,
                required: f.required,
                is_select: f.ty == FieldType::Select,
                is_bool: f.ty == FieldType::Boolean,
                options: f
                    .options
                    .iter()
                    .map(|o| {
                        (
                            o.value.clone(),
                            lang.of(&o.label_zh, &o.label_en),
                            o.value == value,
                        )
                    })
                    .collect(),
                value,
                error,
                hint,
            }
        })
        .collect()
}
