//! Reading the reference data (public) and publishing catalogue versions (joint office).

use crate::error::{AppError, AppResult, ErrorCode};
use crate::paging::{paginate, Page};
use crate::reference::{catalogue_digest, Reference};
use crate::App;
use corridor_domain::case::{Principal, Role};
use corridor_domain::catalogue::{Authority, Jurisdiction, Matter, ServiceMode, Window};
use corridor_store::Store;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatterQuery {
    /// Words to find in the zh or en name or the code (all must match).
    pub q: Option<String>,
    /// Only matters a member city's authorities handle (GB/T 2260 code).
    pub city: Option<String>,
    /// `fully_online`, `remote_receipt` or `multi_site`.
    pub mode: Option<String>,
    pub category: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000000)]
    pub page: Option<i64>,
    /// 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub city: Option<String>,
    /// Authority kind (authorities only).
    pub kind: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000000)]
    pub page: Option<i64>,
    /// 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MatterSummary {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub category: String,
    pub authority_kind: String,
    pub modes: Vec<ServiceMode>,
    pub statutory_days: u32,
    pub promised_days: u32,
    pub fee_yuan: f64,
    pub licence_type: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CatalogueVersion {
    pub version: i64,
    pub published_ms: i64,
    pub note: String,
    pub digest: String,
    pub matter_count: i64,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishCatalogue {
    pub note: String,
    pub matters: Vec<Matter>,
}

fn summary(m: &Matter, version: i64) -> MatterSummary {
    MatterSummary {
        code: m.code.clone(),
        name_zh: m.name_zh.clone(),
        name_en: m.name_en.clone(),
        category: m.category.clone(),
        authority_kind: m.authority_kind.clone(),
        modes: m.modes.clone(),
        statutory_days: m.statutory_days,
        promised_days: m.promised_days,
        fee_yuan: m.fee_yuan,
        licence_type: m.output.licence_type.clone(),
        version,
    }
}

impl App {
    pub fn jurisdictions(&self, q: &ListQuery) -> AppResult<Page<Jurisdiction>> {
        paginate(self.reference().jurisdictions.clone(), q.page, q.per_page)
    }

    pub fn authorities(&self, q: &ListQuery) -> AppResult<Page<Authority>> {
        let r = self.reference();
        let all = r
            .authorities
            .values()
            .filter(|a| q.city.as_deref().is_none_or(|c| a.city.as_str() == c))
            .filter(|a| q.kind.as_deref().is_none_or(|k| a.kind == k))
            .cloned()
            .collect();
        paginate(all, q.page, q.per_page)
    }

    pub fn windows(&self, q: &ListQuery) -> AppResult<Page<Window>> {
        let r = self.reference();
        let all = r
            .windows
            .values()
            .filter(|w| q.city.as_deref().is_none_or(|c| w.city.as_str() == c))
            .cloned()
            .collect();
        paginate(all, q.page, q.per_page)
    }

    /// Searches the current catalogue in Chinese or English.
    pub fn search_matters(&self, q: &MatterQuery) -> AppResult<Page<MatterSummary>> {
        let r = self.reference();
        let mode = match q.mode.as_deref().filter(|m| !m.is_empty()) {
            None => None,
            Some(m) => Some(ServiceMode::parse(m).ok_or_else(|| {
                AppError::bad(format!("unknown mode {m}")).with_zh(format!("未知办理方式 {m}"))
            })?),
        };
        let kinds_in_city: Option<HashSet<&str>> =
            match q.city.as_deref().filter(|c| !c.is_empty()) {
                None => None,
                Some(c) => {
                    if r.jurisdiction(c).is_none() {
                        return Err(AppError::bad(format!("unknown city {c}"))
                            .with_zh(format!("未知城市 {c}")));
                    }
                    Some(
                        r.authorities
                            .values()
                            .filter(|a| a.city.as_str() == c)
                            .map(|a| a.kind.as_str())
                            .collect(),
                    )
                }
            };
        let terms: Vec<String> =
            q.q.as_deref()
                .unwrap_or("")
                .split_whitespace()
                .map(str::to_lowercase)
                .collect();
        let mut hits: Vec<(u8, &Matter)> = r
            .current
            .iter()
            .filter(|m| mode.is_none_or(|md| m.modes.contains(&md)))
            .filter(|m| {
                q.category
                    .as_deref()
                    .is_none_or(|c| c.is_empty() || m.category == c)
            })
            .filter(|m| {
                kinds_in_city
                    .as_ref()
                    .is_none_or(|k| k.contains(m.authority_kind.as_str()))
            })
            .filter_map(|m| {
                let hay = format!(
                    "{} {} {}",
                    m.name_zh,
                    m.name_en.to_lowercase(),
                    m.code.to_lowercase()
                );
                if !terms.iter().all(|t| hay.contains(t.as_str())) {
                    return None;
                }
                let first = terms.first().map(String::as_str).unwrap_or("");
                let rank = if first.is_empty()
                    || m.name_zh.starts_with(first)
                    || m.name_en.to_lowercase().starts_with(first)
                {
                    0
                } else {
                    1
                };
                Some((rank, m))
            })
            .collect();
        hits.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.code.cmp(&b.1.code)));
        let all = hits
            .into_iter()
            .map(|(_, m)| summary(m, r.version))
            .collect();
        paginate(all, q.page, q.per_page)
    }

    /// One matter of the current version, or of a given one.
    pub fn matter(&self, code: &str, version: Option<i64>) -> AppResult<Matter> {
        let r = self.reference();
        let v = version.unwrap_or(r.version);
        r.matter(code, v).cloned().ok_or_else(|| {
            AppError::not_found(format!("matter {code} in catalogue version {v}"))
                .with_zh(format!("目录第 {v} 版中的事项 {code}"))
        })
    }

    pub async fn catalogue_versions(
        &self,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> AppResult<Page<CatalogueVersion>> {
        let all = self
            .store
            .catalogue_versions()
            .await?
            .into_iter()
            .map(
                |(version, published_ms, note, digest, matter_count)| CatalogueVersion {
                    version,
                    published_ms,
                    note,
                    digest,
                    matter_count,
                },
            )
            .collect();
        paginate(all, page, per_page)
    }

    /// Publishes a new catalogue version (joint office or administrator). Earlier versions stay
    /// as they were; cases stay pinned to the version they were filed under.
    pub async fn publish_catalogue(
        &self,
        p: &Principal,
        req: PublishCatalogue,
    ) -> AppResult<CatalogueVersion> {
        if !matches!(p.role, Role::JointOffice | Role::Admin) {
            return Err(
                AppError::forbidden("only the joint office publishes the catalogue")
                    .with_zh("只有联席办可以发布事项目录"),
            );
        }
        let r: std::sync::Arc<Reference> = self.reference();
        let kinds: HashSet<String> = r.authority_kinds.iter().map(|k| k.code.clone()).collect();
        let mut codes = HashSet::new();
        for m in &req.matters {
            m.validate(&kinds)
                .map_err(|e| AppError::new(ErrorCode::InvalidReferenceData, e.to_string()))?;
            if !codes.insert(m.code.as_str()) {
                return Err(AppError::new(
                    ErrorCode::InvalidReferenceData,
                    format!("matter {} appears twice", m.code),
                )
                .with_zh(format!("事项 {} 重复出现", m.code)));
            }
        }
        if req.matters.is_empty() {
            return Err(AppError::new(
                ErrorCode::InvalidReferenceData,
                "a catalogue needs at least one matter",
            )
            .with_zh("目录至少须包含一个事项"));
        }
        let digest = catalogue_digest(&req.matters);
        let version = r.version + 1;
        let now = self.now_ms();
        let mut tx = self.store.begin_write().await?;
        let rows: Vec<(String, String, &Matter)> = req
            .matters
            .iter()
            .map(|m| (m.code.clone(), m.authority_kind.clone(), m))
            .collect();
        Store::publish_catalogue(&mut tx, version, now, &req.note, &digest, &rows).await?;
        let after = serde_json::json!({"version": version, "digest": digest, "matters": req.matters.len(), "note": req.note});
        Store::append_event(
            &mut tx,
            "system:catalogue",
            now,
            &p.user_id.to_string(),
            p.role.as_str(),
            "publish_catalogue",
            "{}".into(),
            after.to_string(),
        )
        .await?;
        tx.commit().await?;
        self.reload_reference().await?;
        Ok(CatalogueVersion {
            version,
            published_ms: now,
            note: req.note,
            digest,
            matter_count: req.matters.len() as i64,
        })
    }
}
