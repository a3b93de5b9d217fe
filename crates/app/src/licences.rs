//! E-licences: authority keys (created on first use, rotated, revoked as compromised), issuing
//! as part of the reviewer's `issue_licence` action, revocation by the issuing authority, and
//! the trust and revocation lists any verifier carries offline.

use crate::error::{AppError, AppResult, ErrorCode};
use crate::paging::Page;
use crate::App;
use corridor_domain::case::{Principal, Role};
use corridor_domain::ids::mask_resident_id;
use corridor_licence as lic;
use corridor_store::{CaseRecord, KeyRecord, LicenceRecord, Store};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

/// The envelope is stored as base64url text so it fits the portable schema.
fn encode_b64(b: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

pub(crate) fn decode_b64(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s).ok()
}

/// The QR code of a licence's QR text, as SVG.
pub fn qr_svg(qr: &str) -> AppResult<String> {
    lic::qr_svg(qr).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))
}

/// A licence as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LicenceView {
    pub id: Uuid,
    pub number: String,
    pub case_id: Uuid,
    pub licence_type: String,
    pub authority_id: String,
    pub kid: String,
    pub issued_at: String,
    pub valid_until: Option<String>,
    pub revoked: bool,
    pub revoke_reason: Option<String>,
    /// The QR text (`G60:1:…`).
    pub qr: String,
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The QR text, `G60:1:…`.
    #[serde(default)]
    pub qr: Option<String>,
    /// Or the licence file, base64 (standard or URL-safe).
    #[serde(default)]
    pub file_base64: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VerifyAnswer {
    pub valid: bool,
    /// `malformed`, `unknown_key`, `bad_signature`, `key_revoked`, `not_yet_valid`, `expired`,
    /// `licence_revoked`; null when valid.
    pub reason: Option<String>,
    pub detail: Option<String>,
    pub kid: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub licence: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    pub reason: String,
}

pub(crate) fn secs(ms: i64) -> i64 {
    ms.div_euclid(1000)
}

fn rfc3339_secs(s: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(s)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// A decision's amount as a licence states it.
fn licence_amount(a: &corridor_store::CaseAmountRecord) -> Option<lic::Amount> {
    let c: corridor_domain::amount::Computed = serde_json::from_str(&a.computed).ok()?;
    Some(lic::Amount {
        kind: a.kind.clone(),
        fen: a.amount_fen,
        total_fen: a.total_fen,
        zh: c.summary(true),
        en: c.summary(false),
    })
}

impl App {
    /// Builds and signs the licence of an approved case (called inside `act`).
    pub(crate) async fn build_licence(&self, c: &CaseRecord) -> AppResult<LicenceRecord> {
        let r = self.reference();
        let m = self.matter_of(c)?;
        if m.output.licence_type.is_none() {
            return Err(AppError::new(
                ErrorCode::InvalidTransition,
                "the matter issues no licence",
            )
            .with_zh("该事项不发放证照"));
        }
        let a = r.authorities.get(&c.competent_authority).ok_or_else(|| {
            AppError::new(ErrorCode::Internal, "authority missing").with_zh("部门缺失")
        })?;
        let (kid, sk) = self.signing_key(&a.id).await?;
        let amount = match m.amount {
            Some(_) => self.store.case_amount(&c.id.to_string()).await?,
            None => None,
        };
        self.sign_licence(c, &kid, &sk, self.now_ms(), amount.as_ref())
    }

    /// Signs the licence of a case with the given key as of `now_ms`.
    pub fn sign_licence(
        &self,
        c: &CaseRecord,
        kid: &str,
        sk: &lic::SigningKey,
        now_ms: i64,
        amount: Option<&corridor_store::CaseAmountRecord>,
    ) -> AppResult<LicenceRecord> {
        let r = self.reference();
        let m = self.matter_of(c)?;
        let licence_type = m.output.licence_type.clone().ok_or(
            AppError::new(ErrorCode::InvalidTransition, "the matter issues no licence")
                .with_zh("该事项不发放证照"),
        )?;
        let a = r.authorities.get(&c.competent_authority).ok_or_else(|| {
            AppError::new(ErrorCode::Internal, "authority missing").with_zh("部门缺失")
        })?;
        let kid = kid.to_string();
        let issued = secs(now_ms);
        let valid_until = m
            .output
            .validity_years
            .map(|y| issued + i64::from(y) * 365 * 86_400 + i64::from(y / 4) * 86_400);
        let form: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(&c.form).unwrap_or_default();
        let fields = m
            .fields
            .iter()
            .filter(|f| !f.personal)
            .filter_map(|f| {
                let v = form.get(&f.key)?;
                let s = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                Some((f.key.clone(), s))
            })
            .collect();
        let holder = lic::Holder {
            name: form
                .get("branch_name")
                .or_else(|| form.get("enterprise_name"))
                .and_then(|v| v.as_str())
                .map_or_else(|| c.applicant_name.clone(), str::to_string),
            uscc: c.applicant_uscc.clone(),
            id_masked: if c.applicant_uscc.is_none() {
                c.applicant_id_no.as_deref().map(mask_resident_id)
            } else {
                None
            },
        };
        let l = lic::Licence {
            v: 1,
            licence_type: licence_type.clone(),
            title_zh: m.output.name_zh.clone(),
            title_en: m.output.name_en.clone(),
            number: format!("LIC-{}", c.receipt_no),
            holder,
            authority_id: a.id.clone(),
            authority_zh: a.name_zh.clone(),
            authority_en: a.name_en.clone(),
            city: a.city.to_string(),
            receipt_no: c.receipt_no.clone(),
            issued_at: issued,
            valid_from: issued,
            valid_until,
            fields,
            amount: amount.and_then(licence_amount),
        };
        let envelope = lic::sign(&l, &kid, sk)
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        Ok(LicenceRecord {
            id: Uuid::now_v7(),
            number: l.number,
            case_id: c.id,
            authority_id: a.id.clone(),
            kid,
            licence_type,
            holder_user: c.applicant_user,
            issued_ms: now_ms,
            valid_until_ms: valid_until.map(|s| s * 1000),
            envelope: encode_b64(&envelope),
            revoked_ms: None,
            revoke_reason: None,
        })
    }

    pub fn licence_view(&self, l: &LicenceRecord) -> LicenceView {
        let env = decode_b64(&l.envelope).unwrap_or_default();
        let content = lic::decode(&env)
            .ok()
            .and_then(|e| lic::payload_unverified(&e).ok())
            .and_then(|p| serde_json::to_value(p).ok())
            .unwrap_or(serde_json::Value::Null);
        LicenceView {
            id: l.id,
            number: l.number.clone(),
            case_id: l.case_id,
            licence_type: l.licence_type.clone(),
            authority_id: l.authority_id.clone(),
            kid: l.kid.clone(),
            issued_at: rfc3339_secs(secs(l.issued_ms)),
            valid_until: l.valid_until_ms.map(|m| rfc3339_secs(secs(m))),
            revoked: l.revoked_ms.is_some(),
            revoke_reason: l.revoke_reason.clone(),
            qr: lic::to_qr_text(&env),
            content,
        }
    }

    fn may_read_licence(p: &Principal, l: &LicenceRecord) -> bool {
        match p.role {
            Role::Applicant => l.holder_user == Some(p.user_id),
            Role::Reviewer => p.authority_id.as_deref() == Some(l.authority_id.as_str()),
            Role::Admin => true,
            Role::Clerk | Role::JointOffice => false,
        }
    }

    async fn load_licence(&self, p: &Principal, id: Uuid) -> AppResult<LicenceRecord> {
        let l = self.store.get_licence(id).await?.ok_or_else(|| {
            AppError::not_found(format!("licence {id}")).with_zh(format!("证照 {id}"))
        })?;
        if !Self::may_read_licence(p, &l) {
            return Err(AppError::forbidden(
                "only the holder and the issuing authority see this licence",
            )
            .with_zh("只有持证人和发证部门可以查看此证照"));
        }
        Ok(l)
    }

    pub async fn get_licence(&self, p: &Principal, id: Uuid) -> AppResult<LicenceView> {
        Ok(self.licence_view(&self.load_licence(p, id).await?))
    }

    /// The signed envelope (the licence file).
    pub async fn licence_file(&self, p: &Principal, id: Uuid) -> AppResult<(String, Vec<u8>)> {
        let l = self.load_licence(p, id).await?;
        Ok((
            l.number.clone(),
            decode_b64(&l.envelope).unwrap_or_default(),
        ))
    }

    pub async fn licence_qr_svg(&self, p: &Principal, id: Uuid) -> AppResult<String> {
        qr_svg(&self.get_licence(p, id).await?.qr)
    }

    /// Applicants list their own licences; reviewers their authority's; administrators all.
    pub async fn list_licences(
        &self,
        p: &Principal,
        q: &LicenceQuery,
    ) -> AppResult<Page<LicenceView>> {
        let (holder, authority) = match p.role {
            Role::Applicant => (Some(p.user_id), None),
            Role::Reviewer => (None, p.authority_id.clone()),
            Role::Admin => (None, None),
            _ => {
                return Err(AppError::forbidden(
                    "licences are listed for holders and issuing authorities",
                )
                .with_zh("证照清单只向持证人和发证部门提供"))
            }
        };
        let per = q.per_page.unwrap_or(20);
        let pg = q.page.unwrap_or(1);
        if !(1..=500).contains(&per) || pg < 1 {
            return Err(AppError::bad("page starts at 1; per_page is 1-500")
                .with_zh("page 从 1 开始；per_page 在 1 到 500 之间"));
        }
        let after = match q.after.as_deref().filter(|a| !a.is_empty()) {
            Some(a) => Some(licence_cursor(a).ok_or_else(|| {
                AppError::bad("after must be the next_after of a previous page")
                    .with_zh("after 须为上一页返回的 next_after")
            })?),
            None => None,
        };
        let offset = if after.is_some() {
            0
        } else {
            (pg - 1).saturating_mul(per)
        };
        let (rows, total, total_exact) = self
            .store
            .list_licences(holder, authority.as_deref(), after, per, offset)
            .await?;
        let next_after = (rows.len() as i64 == per)
            .then(|| rows.last().map(|l| format!("{}.{}", l.issued_ms, l.id)))
            .flatten();
        Ok(Page {
            items: rows.iter().map(|l| self.licence_view(l)).collect(),
            total,
            page: pg,
            per_page: per,
            total_exact,
            next_after,
        })
    }

    /// Revocation by the issuing authority only, with a reason. A licence issued for a case
    /// received at another city's node is revoked there too: a `licence_revoked` message to that
    /// node commits with the revocation (the outbox), so its copy cannot stay valid.
    pub async fn revoke_licence(
        &self,
        p: &Principal,
        id: Uuid,
        reason: &str,
    ) -> AppResult<LicenceView> {
        let l = self.store.get_licence(id).await?.ok_or_else(|| {
            AppError::not_found(format!("licence {id}")).with_zh(format!("证照 {id}"))
        })?;
        if !(p.role == Role::Reviewer && p.authority_id.as_deref() == Some(l.authority_id.as_str()))
        {
            return Err(
                AppError::forbidden("only the issuing authority revokes a licence")
                    .with_zh("只有发证部门可以吊销证照"),
            );
        }
        let reason =
            corridor_domain::text::field("reason", reason, crate::cases::REASON_LIMIT.optional())
                .map_err(|e| AppError::fields(vec![e]))?;
        let Some(reason) = reason else {
            return Err(
                AppError::new(ErrorCode::ReasonRequired, "revocation requires a reason")
                    .with_zh("吊销须说明理由"),
            );
        };
        let now = self.now_ms();
        let after = crate::handoff::revocation_after(&l.number, &reason);
        let case = self.store.get_case(l.case_id).await?;
        // The applicant is told, where their account is (elsewhere the message tells that node).
        let notice = case
            .as_ref()
            .and_then(|c| crate::notices::revocation_notice(&self.reference(), c, &reason, now));
        let notifies = notice.is_some();
        // The other node holding the case (its receiving window's), if any.
        let message = match case.map(|c| self.node_of_city(&c.receiving_city)) {
            Some(Ok(Some((me, to)))) => {
                let body = crate::handoff::Revocation {
                    case_id: l.case_id,
                    licence_id: l.id,
                    number: l.number.clone(),
                    reason: reason.clone(),
                };
                let body = serde_json::to_vec(&body).map_err(AppError::internal)?;
                Some((me, to, body))
            }
            Some(Err(e)) => {
                // A revocation is the authority's legal act: it is not held up by the exchange.
                tracing::warn!(licence = %l.number, error = %e.detail, "revoked here only: the receiving city has no node in the trust list");
                None
            }
            _ => None,
        };
        let sends = message.is_some();
        let (stream, actor, role, case_id) = (
            format!("case:{}", l.case_id),
            p.user_id.to_string(),
            p.role.as_str(),
            l.case_id,
        );
        // Through the single writer: the revocation, its audit event and the message to the
        // receiving node commit together.
        self.write(Box::new(move |conn| {
            let (stream, actor, reason, after, message, notice) = (
                stream.clone(),
                actor.clone(),
                reason.clone(),
                after.clone(),
                message.clone(),
                notice.clone(),
            );
            Box::pin(async move {
                if !Store::revoke_licence(conn, (id, case_id), now, &reason).await? {
                    return Err(AppError::new(
                        ErrorCode::Conflict,
                        "the licence is already revoked",
                    )
                    .with_zh("该证照已被吊销"));
                }
                Store::append_event(
                    conn,
                    &stream,
                    now,
                    &actor,
                    role,
                    "revoke_licence",
                    "{\"revoked\":false}".into(),
                    after,
                )
                .await?;
                if let Some(n) = notice {
                    Store::insert_notices(conn, &[n]).await?;
                }
                if let Some((me, to, body)) = message {
                    let kind = corridor_exchange::Kind::LicenceRevoked;
                    crate::outbox::enqueue_in(conn, &me, (&to, kind, Some(case_id)), &body, now)
                        .await?;
                }
                Ok(())
            })
        }))
        .await?;
        if sends {
            self.outbox_ready.notify_one();
        }
        if notifies {
            self.mail_ready.notify_one();
        }
        let l = self
            .store
            .get_licence(id)
            .await?
            .ok_or_else(|| AppError::not_found("licence").with_zh("证照"))?;
        Ok(self.licence_view(&l))
    }

    /// Every member authority's public keys, for verifiers to carry offline.
    pub async fn trust_list(&self) -> AppResult<lic::TrustList> {
        let keys = self.store.keys().await?;
        Ok(self.trusted(keys))
    }

    fn trusted(&self, keys: Vec<KeyRecord>) -> lic::TrustList {
        let r = self.reference();
        let keys = keys
            .into_iter()
            .map(|k| {
                let a = r.authorities.get(&k.authority_id);
                lic::TrustedKey {
                    kid: k.kid,
                    authority_zh: a.map(|a| a.name_zh.clone()).unwrap_or_default(),
                    authority_en: a.map(|a| a.name_en.clone()).unwrap_or_default(),
                    city: a.map(|a| a.city.to_string()).unwrap_or_default(),
                    authority_id: k.authority_id,
                    public_key: k.public_key,
                    not_before: k.not_before,
                    not_after: k.not_after,
                    revoked_at: k.revoked_at,
                }
            })
            .collect();
        lic::TrustList {
            format: lic::TRUST_LIST_FORMAT.into(),
            issued_at: secs(self.now_ms()),
            keys,
        }
    }

    pub async fn revocation_list(&self) -> AppResult<lic::RevocationList> {
        let revoked = self.store.revoked_licences().await?;
        Ok(self.revocations(revoked))
    }

    fn revocations(&self, revoked: Vec<LicenceRecord>) -> lic::RevocationList {
        lic::RevocationList {
            format: lic::REVOCATION_LIST_FORMAT.into(),
            issued_at: secs(self.now_ms()),
            revoked: revoked
                .into_iter()
                .map(|l| lic::Revoked {
                    number: l.number,
                    authority_id: l.authority_id,
                    revoked_at: secs(l.revoked_ms.unwrap_or(0)),
                    reason: l.revoke_reason.unwrap_or_default(),
                })
                .collect(),
        }
    }

    /// Verifies licence bytes or QR text against this node's trust and revocation lists.
    /// Of those lists only what concerns the licence shown is read: the key it names and its
    /// own revocation. The key id and number are taken from the envelope before the signature
    /// is checked; the verdict then checks both against the verified payload, so a forged
    /// number or key id gains nothing.
    pub async fn verify_licence(&self, input: &[u8]) -> AppResult<VerifyAnswer> {
        let env = lic::envelope_from_input(input)
            .ok()
            .and_then(|e| lic::decode(&e).ok());
        let (mut keys, mut revoked) = (Vec::new(), Vec::new());
        let mut listed = None;
        if let Some(env) = env {
            keys.extend(self.store.key(&env.kid).await?);
            // Another city's authority: its key from the signed corridor trust list.
            if keys.is_empty() {
                listed = self.listed_licence_key(&env.kid);
            }
            if let Ok(l) = lic::payload_unverified(&env) {
                revoked.extend(self.store.revoked_licence(&l.number).await?);
            }
        }
        let mut trust = self.trusted(keys);
        trust.keys.extend(listed);
        let revs = self.revocations(revoked);
        Ok(verify_answer(input, &trust, &revs, secs(self.now_ms())))
    }

    pub async fn verify_request(&self, req: &VerifyRequest) -> AppResult<VerifyAnswer> {
        let bytes = match (&req.qr, &req.file_base64) {
            (Some(q), None) => q.as_bytes().to_vec(),
            (None, Some(b)) => {
                let t = b.trim();
                STANDARD
                    .decode(t)
                    .ok()
                    .or_else(|| decode_b64(t.trim_end_matches('=')))
                    .ok_or_else(|| {
                        AppError::bad("file_base64 is not base64")
                            .with_zh("file_base64 不是有效的 base64")
                    })?
            }
            _ => {
                return Err(AppError::bad("give exactly one of qr or file_base64")
                    .with_zh("qr 与 file_base64 须且只能提供其一"))
            }
        };
        self.verify_licence(&bytes).await
    }
}

/// The verdict in API form (also used by the offline CLI).
pub fn verify_answer(
    input: &[u8],
    trust: &lic::TrustList,
    revs: &lic::RevocationList,
    now: i64,
) -> VerifyAnswer {
    match lic::verify(input, trust, revs, now) {
        Ok((l, kid)) => VerifyAnswer {
            valid: true,
            reason: None,
            detail: None,
            kid: Some(kid),
            licence: serde_json::to_value(l).ok(),
        },
        Err(e) => {
            let shown = lic::envelope_from_input(input)
                .ok()
                .and_then(|env| lic::decode(&env).ok())
                .and_then(|env| lic::payload_unverified(&env).ok())
                .and_then(|l| serde_json::to_value(l).ok());
            VerifyAnswer {
                valid: false,
                reason: Some(e.code().to_string()),
                detail: Some(e.to_string()),
                kid: None,
                licence: shown,
            }
        }
    }
}

/// A page of licences: by number or, as fast at any depth, after the previous page.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LicenceQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000000)]
    pub page: Option<i64>,
    /// 1 to 500 (default 20).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
    /// The `next_after` of the previous page: the next page by position (`page` is then
    /// ignored).
    #[param(max_length = 60)]
    pub after: Option<String>,
}

/// `<issued_ms>.<id>`, as `next_after` gives it.
fn licence_cursor(s: &str) -> Option<(i64, Uuid)> {
    let (ms, id) = s.split_once('.')?;
    Some((ms.parse().ok()?, Uuid::parse_str(id).ok()?))
}
