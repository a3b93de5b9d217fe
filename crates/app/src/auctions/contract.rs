//! A confirmed sale opens the buyer's technology-contract registration (`G60-SCI-004`) in the
//! any-window system. The winner confirms with what only it can give (its contact person, who
//! must be the account's verified identity or have authorised it, and its R&D spending); the
//! sale gives the rest (the buyer, its name, the achievement, its cluster). The details are
//! checked as a filing is, held on the lot until the seller has confirmed too, and then the
//! case is filed as the winner's account would file it online, decided by the science
//! authority of the buyer's city (of the session's city when the buyer's is not a member); the listing's documents become its proof of intellectual
//! property. The case's id is derived from the lot's, so that a retry after a crash finds the
//! case instead of filing a second one; the node retries every second until it is filed.

use super::settle::CONTRACT_MATTER;
use super::*;
use crate::filing::FileCase;
use corridor_domain::catalogue::ServiceMode;
use corridor_store::sha256_hex;
use serde_json::Value;
use std::collections::BTreeMap;

/// What the winner adds to the registration when it confirms the purchase.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractDetails {
    /// The contact person: the account's own verified identity, or a person who authorised it.
    pub contact_name: String,
    /// The contact person's resident ID number.
    pub contact_id: String,
    /// The contact person's mobile number.
    pub contact_phone: String,
    /// The buyer's R&D spending, in 10,000 yuan.
    pub rd_spend_10k: f64,
}

/// The registration case a confirmed sale opened (shown to the buyer and the joint office).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContractCase {
    pub id: Uuid,
    pub receipt_no: String,
    /// The case's status, e.g. `submitted`.
    pub status: String,
}

/// The registration held on the lot until it is filed.
#[derive(Serialize, Deserialize)]
struct Pending {
    user: Uuid,
    form: BTreeMap<String, Value>,
}

/// The id of the case lot `lot` opens: a version-8 UUID from a SHA-256 of the lot's id.
pub(super) fn contract_case_id(lot: &str) -> Uuid {
    let h = sha256_hex(format!("corridor contract case\0{lot}").as_bytes());
    let mut b = [0u8; 16];
    for (i, x) in b.iter_mut().enumerate() {
        *x = u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap_or(0);
    }
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    Uuid::from_bytes(b)
}

/// The catalogue's value of a cluster in the registration's `cluster` field.
fn cluster_value(c: Cluster) -> &'static str {
    match c {
        Cluster::IntegratedCircuits => "ic",
        Cluster::Biomedicine => "bio",
        Cluster::ArtificialIntelligence => "ai",
        Cluster::NewEnergy => "energy",
        Cluster::Aviation => "aviation",
        Cluster::SatelliteInternet => "satellite",
        Cluster::HighEndEquipment => "equipment",
        _ => "materials",
    }
}

impl App {
    fn contract_matter(&self) -> AppResult<corridor_domain::catalogue::Matter> {
        self.reference()
            .current_matter(CONTRACT_MATTER)
            .cloned()
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::Internal,
                    format!("matter {CONTRACT_MATTER} is not in the current catalogue"),
                )
                .with_zh(format!("事项 {CONTRACT_MATTER} 不在现行目录中"))
            })
    }

    /// The winner's registration, checked as its online filing would be (every field, and
    /// that the contact is the account's identity or authorised it): the JSON held on the lot.
    pub(super) async fn contract_registration(
        &self,
        p: &Principal,
        row: &LotRow,
        buyer: &str,
        d: Option<&ContractDetails>,
    ) -> AppResult<String> {
        let d = d.ok_or_else(|| {
            field_error(
                "contact_name",
                "the buyer confirms with the technology-contract registration's details: \
                 contact person, ID number, mobile number, R&D spending",
                "买受人确认成交时须填写技术合同认定登记信息：经办人姓名、身份证号码、手机号码、研发投入",
            )
        })?;
        let listing = self.listing_row(&row.listing_id).await?;
        let doc: ListingDoc = serde_json::from_str(&listing.doc).map_err(AppError::internal)?;
        let (name_zh, _) = self.names(buyer).await?;
        let mut form = BTreeMap::new();
        for (k, v) in [
            ("applicant_uscc", buyer.to_string()),
            ("enterprise_name", name_zh),
            ("project_title", doc.title_zh),
            ("cluster", cluster_value(doc.cluster).to_string()),
            ("contact_name", d.contact_name.clone()),
            ("contact_id", d.contact_id.clone()),
            ("contact_phone", d.contact_phone.clone()),
        ] {
            form.insert(k.to_string(), Value::String(v));
        }
        let spend = serde_json::Number::from_f64(d.rd_spend_10k)
            .map(Value::Number)
            .unwrap_or(Value::Null);
        form.insert("rd_spend_10k".into(), spend);
        let form = self
            .contract_matter()?
            .validate_form(&form)
            .map_err(AppError::fields)?;
        self.check_filer(p, CONTRACT_MATTER, &form, None).await?;
        serde_json::to_string(&Pending {
            user: p.user_id,
            form,
        })
        .map_err(AppError::internal)
    }

    /// Files the registration of a confirmed sale whose case is not filed yet (as the winner's
    /// account, online, decided in the buyer's city, or the session's when the buyer's is no member), gives it the listing's documents, and
    /// records the case on the lot. Returns the case, or `None` when there is nothing to file.
    pub async fn open_contract_case(&self, lot: &str) -> AppResult<Option<Uuid>> {
        let Some(row) = self.store.lot(lot).await? else {
            return Ok(None);
        };
        let (true, None, Some(pending)) = (
            row.status == LotStatus::Confirmed.as_str(),
            &row.contract_case,
            &row.contract_form,
        ) else {
            return Ok(None);
        };
        let pending: Pending = serde_json::from_str(pending).map_err(AppError::internal)?;
        let user = self
            .store
            .user_by_id(pending.user)
            .await?
            .ok_or_else(|| not_found("user", &pending.user.to_string()))?;
        let p = crate::auth::principal_of(&user)?;
        let id = contract_case_id(&row.id);
        let case = match self.store.get_case(id).await? {
            Some(c) => c,
            None => {
                let buyer = pending
                    .form
                    .get("applicant_uscc")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let city = self.contract_city(&row, &buyer).await?;
                let req = FileCase {
                    matter_code: CONTRACT_MATTER.into(),
                    competent_city: city,
                    mode: ServiceMode::FullyOnline,
                    window_id: None,
                    form: pending.form,
                    identity_checked: false,
                    identity_seen: None,
                };
                self.file_case_as(&p, req, id, Vec::new()).await?;
                self.store
                    .get_case(id)
                    .await?
                    .ok_or_else(|| not_found("case", &id.to_string()))?
            }
        };
        self.attach_listing_documents(&p, &case, &row.listing_id)
            .await?;
        let (lot_id, receipt, now) = (row.id.clone(), case.receipt_no.clone(), self.now_ms());
        let actor = p.username.clone();
        self.write(Box::new(move |tx| {
            let (lot_id, receipt, actor) = (lot_id.clone(), receipt.clone(), actor.clone());
            Box::pin(async move {
                let mut row = super::settle::lot_in(tx, &lot_id).await?;
                if row.contract_case.is_some() {
                    return Ok(());
                }
                row.contract_case = Some(id.to_string());
                row.contract_form = None;
                row.updated_ms = now;
                Store::put_lot(tx, &row).await?;
                let ev = super::settle::lot_event(
                    &row,
                    &actor,
                    "contract_case_filed",
                    serde_json::json!({"case": id, "receipt_no": receipt}),
                );
                crate::writer::append_events(tx, &[ev]).await
            })
        }))
        .await?;
        tracing::info!(lot, receipt = %case.receipt_no, "technology-contract case filed");
        Ok(Some(id))
    }

    /// The listing's documents as the case's proof of intellectual property (once: not when
    /// that material already has files).
    async fn attach_listing_documents(
        &self,
        p: &Principal,
        case: &corridor_store::CaseRecord,
        listing: &str,
    ) -> AppResult<()> {
        let matter = self.matter_of(case)?;
        let Some(material) = matter
            .materials
            .iter()
            .position(|m| m.name_zh.contains("知识产权"))
        else {
            return Ok(());
        };
        let have = self.store.attachments_of_case(case.id).await?;
        if have.iter().any(|a| a.material == material as i64) {
            return Ok(());
        }
        for f in self.store.documents(&super::files::holder(listing)).await? {
            let Some(bytes) = self.store.blob(&f.sha256).await? else {
                continue;
            };
            let kind = corridor_domain::materials::FileKind::parse(&f.kind)
                .unwrap_or(corridor_domain::materials::FileKind::Pdf);
            self.store_attachment(
                p,
                case,
                material,
                kind,
                f.file_name.clone(),
                bytes,
                "attach_material",
                serde_json::json!({"from_listing": listing, "listing_file": f.id}),
            )
            .await?;
        }
        Ok(())
    }

    /// Where the registration is decided: the buyer's city when it is a member city with a
    /// science authority, else the city that held the session.
    async fn contract_city(&self, row: &LotRow, buyer: &str) -> AppResult<String> {
        let matter = self.contract_matter()?;
        let r = self.reference();
        let home = self.store.enterprise(buyer).await?.map(|e| e.city);
        if let Some(c) = home.filter(|c| crate::filing::competent_authority(&r, &matter, c).is_ok())
        {
            return Ok(c);
        }
        let session = self.store.auction_session(&row.session_id).await?;
        let doc: Option<SessionDoc> = session.and_then(|s| serde_json::from_str(&s.doc).ok());
        Ok(doc.map(|d| d.city).unwrap_or_default())
    }

    /// The case a sale opened, for its buyer and the joint office.
    pub(super) async fn contract_case(&self, row: &LotRow) -> AppResult<Option<ContractCase>> {
        let Some(id) = row.contract_case.as_deref().and_then(|s| s.parse().ok()) else {
            return Ok(None);
        };
        Ok(self.store.get_case(id).await?.map(|c| ContractCase {
            id: c.id,
            receipt_no: c.receipt_no,
            status: c.status.as_str().to_string(),
        }))
    }
}
