//! The authorities' signing keys: the master key that encrypts them at rest, a key in
//! service per authority (made on first use, or up front with `init_keys`), rotation and
//! revocation.

use crate::error::{AppError, AppResult, ErrorCode};
use crate::licences::secs;
use crate::App;
use corridor_licence as lic;
use corridor_store::{KeyRecord, Store};
use uuid::Uuid;

impl App {
    pub fn set_master_key(&self, key: [u8; 32]) {
        if let Ok(mut g) = self.master_key.write() {
            *g = Some(key);
        }
    }

    pub fn has_master_key(&self) -> bool {
        self.master_key.read().ok().is_some_and(|g| g.is_some())
    }

    pub(crate) fn master(&self) -> AppResult<[u8; 32]> {
        self.master_key.read().ok().and_then(|g| *g).ok_or_else(|| {
            AppError::new(
                ErrorCode::Internal,
                "no master key is configured (CORRIDOR_MASTER_KEY)",
            )
            .with_zh("未配置主密钥（CORRIDOR_MASTER_KEY）")
        })
    }

    /// The authority's current signing key, created (or replaced, after an import without
    /// private keys) when needed.
    ///
    /// Decisions issued at the same moment by an authority without a key create one key: the
    /// check and the creation hold [`App::keys`]. (Without it, each created its own and retired
    /// the one before from its own start, so a licence just signed with that one no longer
    /// verified.)
    /// Makes sure every authority that issues licences (of `city`, or all) has a key in
    /// service, so that a trust list can name the keys before the first licence is signed;
    /// the key ids, by authority.
    pub async fn init_keys(&self, city: Option<&str>) -> AppResult<Vec<(String, String)>> {
        let r = self.reference();
        let mut out = Vec::new();
        for a in issuing_authorities(&r, city) {
            let (kid, _) = self.signing_key(&a.id).await?;
            out.push((a.id.clone(), kid));
        }
        Ok(out)
    }

    pub async fn signing_key(&self, authority_id: &str) -> AppResult<(String, lic::SigningKey)> {
        if let Some(k) = self.usable_key(authority_id).await? {
            return Ok(k);
        }
        let _one = self.keys.lock().await;
        if let Some(k) = self.usable_key(authority_id).await? {
            return Ok(k);
        }
        let now = secs(self.now_ms());
        self.put_key_locked(authority_id, now).await
    }

    /// The authority's key in service, if its private half is here.
    async fn usable_key(&self, authority_id: &str) -> AppResult<Option<(String, lic::SigningKey)>> {
        let master = self.master()?;
        match self.store.active_key(authority_id).await? {
            Some(KeyRecord {
                kid,
                private_enc: Some(enc),
                ..
            }) => {
                let sk = lic::unwrap_key(&master, &kid, &enc)
                    .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
                Ok(Some((kid, sk)))
            }
            _ => Ok(None),
        }
    }

    /// Puts a new key in service for the authority and retires the current one (which keeps
    /// verifying what it signed).
    pub async fn rotate_key(&self, authority_id: &str) -> AppResult<(String, lic::SigningKey)> {
        let _one = self.keys.lock().await;
        let now = secs(self.now_ms());
        self.put_key_locked(authority_id, now).await
    }

    /// A new key for the authority, in service from `not_before` (Unix seconds); the current
    /// key is retired from then.
    pub async fn put_key_in_service(
        &self,
        authority_id: &str,
        not_before: i64,
    ) -> AppResult<(String, lic::SigningKey)> {
        let _one = self.keys.lock().await;
        self.put_key_locked(authority_id, not_before).await
    }

    /// [`App::put_key_in_service`] with [`App::keys`] held.
    async fn put_key_locked(
        &self,
        authority_id: &str,
        not_before: i64,
    ) -> AppResult<(String, lic::SigningKey)> {
        if !self.reference().authorities.contains_key(authority_id) {
            return Err(AppError::not_found(format!("authority {authority_id}"))
                .with_zh(format!("部门 {authority_id}")));
        }
        let master = self.master()?;
        let now_ms = self.now_ms();
        let now = not_before;
        let sk = lic::generate_key();
        let kid = format!(
            "{authority_id}-{}",
            &Uuid::now_v7().simple().to_string()[..16]
        );
        let rec = KeyRecord {
            kid: kid.clone(),
            authority_id: authority_id.to_string(),
            public_key: lic::public_key_b64(&sk.verifying_key()),
            private_enc: Some(
                lic::wrap_key(&master, &kid, &sk)
                    .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?,
            ),
            not_before: now,
            not_after: None,
            revoked_at: None,
            created_ms: now_ms,
        };
        let mut tx = self.store.begin_write().await?;
        if let Some(old) = self.store.active_key(authority_id).await? {
            Store::retire_key(&mut tx, &old.kid, now).await?;
        }
        Store::insert_key(&mut tx, &rec).await?;
        let after = serde_json::json!({"kid": kid, "authority": authority_id, "public_key": rec.public_key, "not_before": now});
        Store::append_system_event(&mut tx, "system:keys", now_ms, "put_key_in_service", &after)
            .await?;
        tx.commit().await?;
        // One line per key at debug: the demo puts one in service for every authority at once
        // (and says so in one line); `keys rotate` reports its key itself.
        tracing::debug!(%kid, authority = authority_id, "signing key in service");
        Ok((kid, sk))
    }

    /// Marks a key compromised from `at` (Unix seconds): licences it signed from then on fail.
    pub async fn revoke_key(&self, kid: &str, at: i64) -> AppResult<()> {
        let _one = self.keys.lock().await;
        let mut tx = self.store.begin_write().await?;
        if !Store::revoke_key(&mut tx, kid, at).await? {
            return Err(AppError::not_found(format!("key {kid}")).with_zh(format!("密钥 {kid}")));
        }
        let after = serde_json::json!({"kid": kid, "compromised_from": at});
        Store::append_system_event(&mut tx, "system:keys", self.now_ms(), "revoke_key", &after)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The authorities whose matters issue licences (of `city`, or all), by id.
pub fn issuing_authorities<'r>(
    r: &'r crate::reference::Reference,
    city: Option<&str>,
) -> Vec<&'r corridor_domain::catalogue::Authority> {
    let kinds: std::collections::HashSet<&str> = r
        .current
        .iter()
        .filter(|m| m.output.licence_type.is_some())
        .map(|m| m.authority_kind.as_str())
        .collect();
    let mut out: Vec<_> = r
        .authorities
        .values()
        .filter(|a| kinds.contains(a.kind.as_str()))
        .filter(|a| city.is_none_or(|c| a.city.as_str() == c))
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}
