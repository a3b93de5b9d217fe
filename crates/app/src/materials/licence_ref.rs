//! Once only: a material that is a licence Corridor issued (a business licence for a branch's
//! registration, a talent recognition for a rent subsidy) may be given by its number or QR
//! text instead of a file. The licence is verified (signature, validity, revocation), must be
//! of the type the material asks for and held by the case's applicant; its signed envelope is
//! then stored as the material's file, so the reviewer can verify it again.

use super::AttachmentView;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::App;
use corridor_domain::case::Principal;
use corridor_domain::catalogue::FieldError;
use corridor_domain::materials::FileKind;
use corridor_licence as lic;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest reference accepted (a QR text is a few hundred characters).
pub const MAX_REFERENCE: usize = 4096;

/// A licence given for a material: its number, or the QR text printed on it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LicenceReference {
    /// `LIC-…`, or the QR text `G60:1:…`.
    pub reference: String,
}

/// A verified e-licence given for a material, as the reviewer sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VerifiedLicence {
    pub number: String,
    pub licence_type: String,
    pub title_zh: String,
    pub title_en: String,
    pub holder: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder_uscc: Option<String>,
    pub authority_zh: String,
    pub authority_en: String,
    /// Unix seconds; none for an indefinite licence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<i64>,
    /// Revoked since it was given.
    pub revoked: bool,
}

fn refused(en: String, zh: String) -> AppError {
    let mut e = AppError::new(ErrorCode::FileRefused, en.clone()).with_zh(zh.clone());
    e.fields = vec![FieldError::new("reference", en, zh)];
    e
}

impl App {
    /// Gives a verified e-licence for material `material` of a case (see the module).
    pub async fn attach_licence(
        &self,
        p: &Principal,
        case: Uuid,
        material: usize,
        reference: &str,
    ) -> AppResult<AttachmentView> {
        let (c, matter) = self.open_for_attach(p, case, material).await?;
        let mt = &matter.materials[material];
        let Some(want) = mt.licence_type.as_deref() else {
            return Err(refused(
                format!("{} is handed in as a file, not as an e-licence", mt.name_en),
                format!("{}须以文件提交，不能以电子证照代替", mt.name_zh),
            ));
        };
        let reference = reference.trim();
        if reference.is_empty() || reference.len() > MAX_REFERENCE {
            return Err(refused(
                format!(
                    "give the licence's number or QR text (at most {MAX_REFERENCE} characters)"
                ),
                format!("请填写证照编号或二维码内容（不超过 {MAX_REFERENCE} 个字符）"),
            ));
        }
        // The number: read from the QR text's payload, or as given.
        let number = if reference.starts_with("G60:") {
            lic::envelope_from_input(reference.as_bytes())
                .ok()
                .and_then(|e| lic::decode(&e).ok())
                .and_then(|e| lic::payload_unverified(&e).ok())
                .map(|l| l.number)
                .ok_or_else(|| {
                    refused(
                        "the QR text is not a Corridor e-licence".into(),
                        "二维码内容不是长三角G60科创走廊电子证照".into(),
                    )
                })?
        } else {
            reference.to_string()
        };
        let unknown = || {
            let shown: String = number.chars().take(64).collect();
            refused(
                format!("no licence is numbered {shown}"),
                format!("没有编号为 {shown} 的证照"),
            )
        };
        if number.len() > 64 {
            return Err(unknown());
        }
        let rec = self
            .store
            .licence_by_number(&number)
            .await?
            .ok_or_else(unknown)?;
        let envelope = crate::licences::decode_b64(&rec.envelope).unwrap_or_default();
        let verdict = self.verify_licence(&envelope).await?;
        if !verdict.valid {
            let why = verdict.reason.unwrap_or_default();
            return Err(refused(
                format!("licence {number} does not verify: {why}"),
                format!("证照 {number} 核验未通过：{}", reason_zh(&why)),
            ));
        }
        if rec.licence_type != want {
            return Err(refused(
                format!(
                    "licence {number} is a {}; {} asks for a {want}",
                    rec.licence_type, mt.name_en
                ),
                format!(
                    "证照 {number} 的类型为 {}，{}须为 {want}",
                    rec.licence_type, mt.name_zh
                ),
            ));
        }
        // Held by this case's applicant: the same enterprise (credit code), or for a person's
        // case the same person (resident ID), as on the case that produced the licence.
        let origin = self.store.get_case(rec.case_id).await?;
        let held = origin.is_some_and(|o| match (&c.applicant_uscc, &o.applicant_uscc) {
            (Some(a), Some(b)) => a == b,
            (None, None) => c.applicant_id_no.is_some() && c.applicant_id_no == o.applicant_id_no,
            _ => false,
        });
        if !held {
            return Err(refused(
                format!("licence {number} is not held by this case's applicant"),
                format!("证照 {number} 的持证人不是本办件的申请人"),
            ));
        }
        let event = serde_json::json!({
            "material_en": mt.name_en,
            "licence": rec.number,
            "licence_type": rec.licence_type,
        });
        let mut v = self
            .store_attachment(
                p,
                &c,
                material,
                FileKind::Licence,
                format!("{}.cose", rec.number),
                envelope,
                "attach_licence",
                event,
            )
            .await?;
        v.licence = self.verified_licence(&v.file_name).await?;
        Ok(v)
    }

    /// What a reviewer sees of a licence given for a material (by its file name, `<number>.cose`).
    pub(crate) async fn verified_licence(
        &self,
        file_name: &str,
    ) -> AppResult<Option<VerifiedLicence>> {
        let Some(number) = file_name.strip_suffix(".cose") else {
            return Ok(None);
        };
        let Some(rec) = self.store.licence_by_number(number).await? else {
            return Ok(None);
        };
        let l = crate::licences::decode_b64(&rec.envelope)
            .and_then(|e| lic::decode(&e).ok())
            .and_then(|e| lic::payload_unverified(&e).ok());
        Ok(l.map(|l| VerifiedLicence {
            number: l.number,
            licence_type: l.licence_type,
            title_zh: l.title_zh,
            title_en: l.title_en,
            holder: l.holder.name,
            holder_uscc: l.holder.uscc,
            authority_zh: l.authority_zh,
            authority_en: l.authority_en,
            valid_until: l.valid_until,
            revoked: rec.revoked_ms.is_some(),
        }))
    }
}

/// A verification failure's reason in Chinese.
fn reason_zh(code: &str) -> &'static str {
    match code {
        "expired" => "已过期",
        "not_yet_valid" => "尚未生效",
        "licence_revoked" => "已被撤销",
        "key_revoked" => "签发密钥已被撤销",
        "unknown_key" => "签发密钥不在信任列表中",
        "bad_signature" => "签名无效",
        _ => "格式错误",
    }
}
