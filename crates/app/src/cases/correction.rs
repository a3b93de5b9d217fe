//! A correction request: what it names (materials to hand in again, fields to correct), checked
//! against the matter, and the one last asked of a case.

use crate::cases::ActOnCase;
use crate::error::{AppError, AppResult};
use crate::App;
use corridor_domain::case::Action;
use corridor_domain::catalogue::Matter;
use corridor_store::CaseRecord;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a correction request names: materials to hand in again and fields to correct.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Correction {
    pub materials: Vec<usize>,
    pub fields: Vec<String>,
}

impl Correction {
    /// The request's materials and fields, checked against the matter: each must exist, at
    /// most 50 materials and 100 fields, only with `request_correction`.
    pub(crate) fn of(req: &ActOnCase, matter: Option<&Matter>) -> AppResult<Option<Correction>> {
        use corridor_domain::catalogue::FieldError;
        if req.correct_materials.is_empty() && req.correct_fields.is_empty() {
            return Ok(None);
        }
        if req.action != Action::RequestCorrection {
            return Err(AppError::fields(vec![FieldError::new(
                "correct_materials",
                "materials and fields to correct go only with request_correction",
                "须补正的材料和字段仅用于要求补正",
            )]));
        }
        let mut errors = Vec::new();
        let (nm, nf) = (req.correct_materials.len(), req.correct_fields.len());
        if nm > 50 || nf > 100 {
            errors.push(FieldError::new(
                "correct_materials",
                "at most 50 materials and 100 fields",
                "最多 50 项材料和 100 个字段",
            ));
        }
        let mut c = Correction::default();
        for &i in &req.correct_materials {
            match matter.and_then(|m| m.materials.get(i)) {
                Some(_) if !c.materials.contains(&i) => c.materials.push(i),
                Some(_) => {}
                None => errors.push(FieldError::new(
                    "correct_materials",
                    format!("the matter has no material {i}"),
                    format!("该事项没有第 {i} 项材料"),
                )),
            }
        }
        for k in &req.correct_fields {
            match matter.and_then(|m| m.fields.iter().find(|f| &f.key == k)) {
                Some(_) if !c.fields.contains(k) => c.fields.push(k.clone()),
                Some(_) => {}
                None => errors.push(FieldError::new(
                    "correct_fields",
                    format!("the form has no field {k:.40}"),
                    format!("申请表没有字段 {k:.40}"),
                )),
            }
        }
        if errors.is_empty() {
            c.materials.sort_unstable();
            Ok(Some(c))
        } else {
            Err(AppError::fields(errors))
        }
    }
}

impl App {
    /// The correction last asked of a case, and when (none if none was asked).
    pub(crate) async fn open_correction(
        &self,
        c: &CaseRecord,
    ) -> AppResult<Option<(Correction, i64)>> {
        let events = self.store.events_of(&format!("case:{}", c.id)).await?;
        Ok(events
            .iter()
            .rev()
            .find(|e| e.action == Action::RequestCorrection.as_str())
            .map(|e| {
                let k = serde_json::from_str::<Value>(&e.after)
                    .ok()
                    .and_then(|a| serde_json::from_value(a["correction"].clone()).ok())
                    .unwrap_or_default();
                (k, e.at_ms)
            }))
    }
}
