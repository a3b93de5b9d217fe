//! Accounts, argon2id passwords, bearer tokens (stored hashed), and failed-login limits.

use crate::error::{AppError, AppResult, ErrorCode};
use crate::App;
use argon2::password_hash::phc::Output;
use argon2::Argon2;
use argon2::{PasswordHash, PasswordHasher};
use corridor_domain::case::{Principal, Role};
use corridor_domain::ids::DivisionCode;
use corridor_store::{Store, UserRecord};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Token lifetime.
pub const TOKEN_TTL_MS: i64 = 12 * 3600 * 1000;
/// The longest username an account can have; a longer one is refused before anything else.
pub const MAX_USERNAME: usize = 64;
/// The longest password accepted (argon2 takes any length; this bounds the work and memory).
pub const MAX_PASSWORD: usize = 256;

/// argon2id at one of OWASP's minimum configurations, 7 MiB and 5 passes, in [`LANES`] lanes.
/// OWASP lists it beside 19 MiB with 2 passes (and 12 MiB with 3, 9 MiB with 4, 46 MiB with 1)
/// as giving "an equal level of defense", trading memory for passes; on this kind of machine it
/// hashes faster than 19 MiB × 2 and takes less from the requests running beside it (see
/// `docs/PERFORMANCE.md`). The two lanes are computed on separate cores, so a sign-in waits
/// less than with one while the memory and total work, and so an attacker's cost per guess,
/// stay the same. The parameters are written into each hash: hashes made with others still
/// verify, and are replaced at the next successful sign-in (see [`needs_rehash`]).
pub const MEMORY_KIB: u32 = 7 * 1024;
pub const PASSES: u32 = 5;
pub const LANES: u32 = 2;

fn current_params() -> argon2::Params {
    argon2::Params::new(MEMORY_KIB, PASSES, LANES, None).unwrap_or_default()
}

fn hasher() -> Argon2<'static> {
    Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        current_params(),
    )
}

pub fn hash_password(password: &str) -> AppResult<String> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    hasher()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))
}

/// Whether a stored hash was made with other parameters than new ones get (older defaults,
/// one lane), so it should be replaced after the password has been verified.
pub fn needs_rehash(hash: &str) -> bool {
    let Ok(h) = PasswordHash::new(hash) else {
        return false;
    };
    let current = current_params();
    h.algorithm.as_str() != "argon2id"
        || h.version != Some(argon2::Version::V0x13.into())
        || argon2::Params::try_from(&h).map_or(true, |p| {
            (p.m_cost(), p.t_cost(), p.p_cost())
                != (current.m_cost(), current.t_cost(), current.p_cost())
        })
}

/// A writer job deleting one session.
fn delete_session(token_hash: String) -> crate::writer::Apply {
    Box::new(move |conn| {
        let t = token_hash.clone();
        Box::pin(async move { Ok(Store::delete_session(conn, &t).await?) })
    })
}

/// Verifies `password` against a PHC-format argon2 hash. The hash's working memory (7 MiB at
/// the default parameters) comes from [`with_blocks`], not a fresh allocation each time.
fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(h) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&h.salt, &h.hash) else {
        return false;
    };
    let Ok(algorithm) = argon2::Algorithm::try_from(h.algorithm.as_str()) else {
        return false;
    };
    let Ok(version) = h.version.map(argon2::Version::try_from).transpose() else {
        return false;
    };
    let Ok(params) = argon2::Params::try_from(&h) else {
        return false;
    };
    let n = expected.len();
    let blocks = params.block_count();
    let argon = Argon2::new(algorithm, version.unwrap_or_default(), params);
    let mut out = [0u8; Output::MAX_LENGTH];
    let Some(out) = out.get_mut(..n) else {
        return false;
    };
    with_blocks(blocks, |memory| {
        argon
            .hash_password_into_with_memory(password.as_bytes(), salt, &mut *out, memory)
            .is_ok()
    }) && Output::new(out).is_ok_and(|computed| computed == *expected) // constant-time
}

/// Runs `f` on `n` argon2 memory blocks kept between hashes. Allocating the memory per sign-in
/// cost page faults and zeroing every time, and the freed buffers stayed in whichever malloc
/// arena the blocking thread had used, so the server's memory grew with sign-ins under load.
/// Argon2 overwrites every block on its first pass, so old contents do not matter. At most
/// [`KEPT_BUFFERS`] buffers are kept (one hash per two cores runs at once).
fn with_blocks<R>(n: usize, f: impl FnOnce(&mut [argon2::Block]) -> R) -> R {
    const KEPT_BUFFERS: usize = 4;
    static POOL: std::sync::Mutex<Vec<Vec<argon2::Block>>> = std::sync::Mutex::new(Vec::new());
    let mut memory = POOL
        .lock()
        .ok()
        .and_then(|mut p| p.pop())
        .unwrap_or_default();
    if memory.len() < n {
        memory.resize(n, argon2::Block::default());
    }
    let r = f(&mut memory[..n]);
    if let Ok(mut p) = POOL.lock() {
        if p.len() < KEPT_BUFFERS {
            p.push(memory);
        }
    }
    r
}

/// A hash of a random password with the same parameters as real ones, verified against when
/// a username is unknown.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let mut raw = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        hash_password(&hex::encode(raw)).unwrap_or_default()
    })
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new account.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[schema(min_length = 3, max_length = 64)]
    pub username: String,
    #[schema(min_length = 8, max_length = 256)]
    pub password: String,
    pub role: Role,
    #[schema(max_length = 100)]
    pub display_name: String,
    /// Clerk: the window; the city follows from it.
    #[serde(default)]
    pub window_id: Option<String>,
    /// Reviewer: the authority (`<city>-<kind>`); the city follows from it.
    #[serde(default)]
    pub authority_id: Option<String>,
    /// Applicant, joint office, administrator: the home city (optional).
    #[serde(default)]
    pub city: Option<String>,
    /// Applicant: the resident ID number of the person the account belongs to, as verified
    /// (required; the account files only for this person, or for whoever authorised them).
    #[serde(default)]
    pub resident_id: Option<String>,
    /// Applicant: the enterprise of the registry (its USCC) the account acts for, linked and
    /// confirmed at once (several accounts may act for one enterprise).
    #[serde(default)]
    pub enterprise_uscc: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LoginAnswer {
    pub token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub user: UserView,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub city: Option<String>,
    pub window_id: Option<String>,
    pub authority_id: Option<String>,
}

impl From<&UserRecord> for UserView {
    fn from(u: &UserRecord) -> Self {
        UserView {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: Role::parse(&u.role).unwrap_or(Role::Applicant),
            city: u.city.clone(),
            window_id: u.window_id.clone(),
            authority_id: u.authority_id.clone(),
        }
    }
}

pub fn principal_of(u: &UserRecord) -> AppResult<Principal> {
    let role = Role::parse(&u.role).ok_or_else(|| {
        AppError::new(
            ErrorCode::Internal,
            format!("user {} has unknown role", u.id),
        )
        .with_zh(format!("用户 {} 的角色无法识别", u.id))
    })?;
    Ok(Principal {
        user_id: u.id,
        username: u.username.clone(),
        role,
        city: u.city.as_deref().and_then(|c| DivisionCode::parse(c).ok()),
        window_id: u.window_id.clone(),
        authority_id: u.authority_id.clone(),
        resident_id: u.resident_id.clone(),
    })
}

impl App {
    /// Creates an account after checking its scope against the reference data.
    pub async fn create_user(&self, n: &NewUser) -> AppResult<UserView> {
        let link = match n.enterprise_uscc.as_deref() {
            Some(u) if n.role == Role::Applicant => Some(
                crate::industry::accounts::Link::confirmed(self.linkable_uscc(u).await?),
            ),
            Some(_) => {
                return Err(AppError::fields(vec![
                    corridor_domain::catalogue::FieldError::new(
                        "enterprise_uscc",
                        "only applicant accounts act for an enterprise",
                        "只有申请人账号可以代表企业",
                    ),
                ]))
            }
            None => None,
        };
        self.create_account(n, link).await
    }

    /// Creates an account, and its link to an enterprise when given. A self-registered
    /// account (its link pending) need not be bound to a verified ID number.
    pub(crate) async fn create_account(
        &self,
        n: &NewUser,
        link: Option<crate::industry::accounts::Link>,
    ) -> AppResult<UserView> {
        self.create_account_hashed(n, link, None).await
    }

    /// [`Self::create_account`] with the password's hash already made (`Some`), for the demo's
    /// accounts that all share one password: hashing it once instead of per account keeps the
    /// demo's start short with a reviewer at every authority.
    pub(crate) async fn create_account_hashed(
        &self,
        n: &NewUser,
        link: Option<crate::industry::accounts::Link>,
        hashed: Option<String>,
    ) -> AppResult<UserView> {
        let unverified_ok = link.as_ref().is_some_and(|l| l.status == "pending");
        let (display_name, resident_id) = self.check_new_user(n, unverified_ok)?;
        let r = self.reference();
        let (city, window_id, authority_id) = match n.role {
            Role::Clerk => {
                let w = n
                    .window_id
                    .as_deref()
                    .and_then(|w| r.windows.get(w))
                    .ok_or_else(|| {
                        AppError::bad("a clerk needs an existing window_id")
                            .with_zh("窗口人员须指定已有的窗口（window_id）")
                    })?;
                (Some(w.city.to_string()), Some(w.id.clone()), None)
            }
            Role::Reviewer => {
                let a = n
                    .authority_id
                    .as_deref()
                    .and_then(|a| r.authorities.get(a))
                    .ok_or_else(|| {
                        AppError::bad("a reviewer needs an existing authority_id")
                            .with_zh("审批人员须指定已有的部门（authority_id）")
                    })?;
                (Some(a.city.to_string()), None, Some(a.id.clone()))
            }
            _ => {
                if let Some(c) = &n.city {
                    if r.jurisdiction(c).is_none() {
                        return Err(AppError::bad(format!("unknown city {c}"))
                            .with_zh(format!("未知城市 {c}")));
                    }
                }
                (n.city.clone(), None, None)
            }
        };
        let hash = match hashed {
            Some(h) => h,
            None => self.hash_new_password(&n.password).await?,
        };
        let rec = UserRecord {
            id: Uuid::now_v7(),
            username: n.username.trim().to_string(),
            password_hash: hash,
            role: n.role.as_str().to_string(),
            city,
            window_id,
            authority_id,
            display_name,
            created_ms: self.now_ms(),
            resident_id,
        };
        let mut tx = self.store.begin_write().await?;
        Store::insert_user(&mut tx, &rec).await?;
        if let Some(l) = link {
            Store::insert_enterprise_account(&mut tx, &l.row(rec.id, rec.created_ms)).await?;
            let after = serde_json::json!({"user": rec.id, "uscc": l.uscc, "status": l.status});
            Store::append_system_event(
                &mut tx,
                "system:users",
                rec.created_ms,
                "link_enterprise",
                &after,
            )
            .await?;
        }
        let after = serde_json::json!({"username": rec.username, "role": rec.role, "city": rec.city,
            "window_id": rec.window_id, "authority_id": rec.authority_id});
        Store::append_system_event(
            &mut tx,
            "system:users",
            rec.created_ms,
            "create_user",
            &after,
        )
        .await?;
        tx.commit().await?;
        Ok(UserView::from(&rec))
    }

    /// A new password's argon2 hash, made off the async threads and a few at a time.
    pub(crate) async fn hash_new_password(&self, password: &str) -> AppResult<String> {
        let password = password.to_string();
        let _permit = self.hashing.acquire().await;
        tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?
    }

    /// The checks of a new account's own fields (name, password, display name, ID number):
    /// its display name and ID number as stored, or every problem found.
    pub(crate) fn check_new_user(
        &self,
        n: &NewUser,
        unverified_ok: bool,
    ) -> AppResult<(String, Option<String>)> {
        let mut bad = Vec::new();
        if n.username.trim().len() < 3 || n.username.len() > MAX_USERNAME {
            bad.push(("username", "must be 3-64 characters", "须为 3 到 64 个字符"));
        } else if !n
            .username
            .trim()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b))
        {
            bad.push((
                "username",
                "letters, digits and . _ - @ only",
                "只能包含字母、数字和 . _ - @",
            ));
        }
        if n.password.chars().count() < 8 || n.password.len() > MAX_PASSWORD {
            bad.push((
                "password",
                "must be 8-256 characters",
                "须为 8 到 256 个字符",
            ));
        }
        let mut errors: Vec<_> = bad
            .into_iter()
            .map(|(f, r, zh)| corridor_domain::catalogue::FieldError::new(f, r, zh))
            .collect();
        let display_name = match corridor_domain::text::required(
            "display_name",
            &n.display_name,
            corridor_domain::text::Limit::line(100),
        ) {
            Ok(d) => d,
            Err(e) => {
                errors.push(e);
                String::new()
            }
        };
        let resident_id = match (n.role, n.resident_id.as_deref()) {
            (Role::Applicant, Some(id)) => match crate::identity::canonical_id("resident_id", id) {
                Ok(id) => Some(id),
                Err(e) => {
                    errors.extend(e.fields);
                    None
                }
            },
            (Role::Applicant, None) if unverified_ok => None,
            (Role::Applicant, None) => {
                errors.push(corridor_domain::catalogue::FieldError::new(
                    "resident_id",
                    "an applicant account belongs to one person: their verified ID number",
                    "申请人账号属于一个人：须填写其经核验的身份证号码",
                ));
                None
            }
            (_, Some(_)) => {
                errors.push(corridor_domain::catalogue::FieldError::new(
                    "resident_id",
                    "only applicant accounts are bound to a person's ID number",
                    "只有申请人账号绑定个人身份证号码",
                ));
                None
            }
            (_, None) => None,
        };
        if !errors.is_empty() {
            return Err(AppError::fields(errors));
        }
        Ok((display_name, resident_id))
    }

    /// Signs in from the client address `client`; failed attempts are limited per address
    /// and per (address, account) pair (see [`crate::limiter`]).
    ///
    /// The session is written while the password is hashed, not after: for a known account
    /// whose hash needs no upgrade the session row, under a fresh random token, goes to the
    /// writer at once, and the token is handed out only if the password verifies, so the
    /// answer waits for the longer of the two (the hash) instead of both in turn. A row
    /// written for a wrong password is unusable (its token was never shown to anyone) and is
    /// deleted in the background.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: std::net::IpAddr,
    ) -> AppResult<LoginAnswer> {
        let now = self.now_ms();
        let key = username.trim().to_lowercase();
        // Refused before anything is kept or logged: no account has such a name.
        let bad_name = key.len() > MAX_USERNAME || key.chars().any(char::is_control);
        if bad_name || password.len() > MAX_PASSWORD {
            return Err(AppError::fields(vec![if bad_name {
                corridor_domain::catalogue::FieldError::new(
                    "username",
                    "at most 64 characters, with no control characters",
                    "至多 64 个字符，且不含控制字符",
                )
            } else {
                corridor_domain::catalogue::FieldError::new(
                    "password",
                    "at most 256 bytes",
                    "至多 256 个字节",
                )
            }]));
        }
        let user = self.store.user_by_name(username.trim()).await?;
        let attempt = self
            .limiter
            .lock()
            .map_err(|_| AppError::new(ErrorCode::Internal, "lock").with_zh("内部锁异常"))?
            .admit(client, &key, now)
            .map_err(|r| r.error(("sign-ins", "登录")))?;
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let token = hex::encode(raw);
        let session = |user: Uuid, rehash: Option<String>| {
            let token_hash = token_hash(&token);
            move |reply| {
                crate::writer::WriteJob::Session(Box::new(crate::writer::SessionJob {
                    token_hash,
                    user,
                    created_ms: now,
                    expires_ms: now + TOKEN_TTL_MS,
                    rehash,
                    reply,
                }))
            }
        };
        let early = user
            .as_ref()
            .filter(|u| !needs_rehash(&u.password_hash))
            .map(|u| session(u.id, None));
        // An unknown username costs the same hash as a known one, so the answer's timing
        // does not tell whether an account exists.
        let known = user.is_some();
        let (p, h) = (
            password.to_string(),
            user.as_ref().map(|u| u.password_hash.clone()),
        );
        let verify = async {
            let _permit = self.hashing.acquire().await;
            tokio::task::spawn_blocking(move || match h {
                Some(h) => verify_password(&p, &h),
                None => {
                    verify_password(&p, decoy_hash());
                    false
                }
            })
            .await
            .unwrap_or(false)
        };
        let written = async {
            match early {
                Some(job) => Some(self.to_writer(job).await),
                None => None,
            }
        };
        let (verified, written) = tokio::join!(verify, written);
        let ok = verified && known;
        let user = {
            let mut lim = self
                .limiter
                .lock()
                .map_err(|_| AppError::new(ErrorCode::Internal, "lock").with_zh("内部锁异常"))?;
            match user.filter(|_| ok) {
                Some(u) => {
                    lim.succeeded(attempt);
                    u
                }
                None => {
                    let account_failures = lim.failed(attempt, self.now_ms());
                    drop(lim);
                    // Debug formatting escapes line breaks, so a username cannot forge a line.
                    tracing::info!(username = ?key, client = %client, "failed sign-in");
                    if account_failures == crate::limiter::ACCOUNT_WARN_FAILURES {
                        tracing::warn!(username = ?key, failures = account_failures,
                            "repeated failed sign-ins for one account from several addresses");
                    }
                    if let Some(Ok(())) = written {
                        self.discard_session(token_hash(&token));
                    }
                    return Err(AppError::new(
                        ErrorCode::InvalidCredentials,
                        "wrong username or password",
                    )
                    .with_zh("用户名或密码错误"));
                }
            }
        };
        match written {
            Some(w) => w?,
            None => {
                // A hash made with older parameters is replaced now that the password is
                // known, in the session's transaction.
                let p = password.to_string();
                let rehash = {
                    let _permit = self.hashing.acquire().await;
                    match tokio::task::spawn_blocking(move || hash_password(&p)).await {
                        Ok(Ok(h)) => Some(h),
                        _ => None,
                    }
                };
                self.to_writer(session(user.id, rehash)).await?
            }
        }
        Ok(LoginAnswer {
            token,
            token_type: "Bearer",
            expires_in: TOKEN_TTL_MS / 1000,
            user: UserView::from(&user),
        })
    }

    /// Deletes a session row whose token was never handed out, in the background (a failed
    /// sign-in's answer does not wait for it, so its timing does not tell that the account
    /// exists).
    fn discard_session(&self, token_hash: String) {
        let intake = self.intake.clone();
        tokio::spawn(async move {
            let (reply, rx) = tokio::sync::oneshot::channel();
            let job = crate::writer::WriteJob::apply(delete_session(token_hash), reply);
            if intake.send(job).await.is_err() || !matches!(rx.await, Ok(Ok(()))) {
                tracing::warn!("an unused session was not deleted; it expires");
            }
        });
    }

    /// Deletes the sessions that have expired, a bounded number per transaction so that other
    /// writes are not held up; returns how many. The server runs this periodically.
    pub async fn purge_expired_sessions(&self) -> AppResult<u64> {
        const CHUNK: i64 = 5_000;
        let mut total = 0;
        loop {
            let now = self.now_ms();
            let n = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
            let out = n.clone();
            self.write(Box::new(move |conn| {
                let out = out.clone();
                Box::pin(async move {
                    let k = Store::purge_sessions(conn, now, CHUNK).await?;
                    out.store(k, std::sync::atomic::Ordering::Relaxed);
                    Ok(())
                })
            }))
            .await?;
            let n = n.load(std::sync::atomic::Ordering::Relaxed);
            total += n;
            if n < CHUNK as u64 {
                return Ok(total);
            }
        }
    }

    /// Resolves a bearer token to its principal.
    pub async fn authenticate(&self, token: &str) -> AppResult<Principal> {
        let u = self
            .store
            .session_user(&token_hash(token), self.now_ms())
            .await?
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::Unauthenticated,
                    "the token is unknown or expired",
                )
                .with_zh("令牌无效或已过期")
            })?;
        principal_of(&u)
    }

    pub async fn logout(&self, token: &str) -> AppResult<()> {
        self.write(delete_session(token_hash(token))).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_with_kept_memory_matches_the_library() {
        let good = hash_password("correct horse").unwrap();
        let other = hash_password("battery staple").unwrap();
        // Buffers are reused between calls: results must not depend on what ran before.
        for _ in 0..3 {
            assert!(verify_password("correct horse", &good));
            assert!(!verify_password("correct horse", &other));
            assert!(verify_password("battery staple", &other));
            assert!(!verify_password("Correct horse", &good));
        }
        // Hashes with other parameters (smaller, then larger memory; one lane as the old
        // default made them) still verify, agree with the library's own verifier, and are
        // marked for replacement; new hashes are not.
        for (m, t, p) in [
            (64, 1, 1),
            (8192, 3, 2),
            (19456, 2, 1),
            (19456, 2, 2),
            (7168, 5, 1),
        ] {
            let params = argon2::Params::new(m, t, p, None).unwrap();
            let a = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
            let h = a
                .hash_password_with_salt(b"pw", b"0123456789abcdef")
                .unwrap()
                .to_string();
            assert!(verify_password("pw", &h), "{h}");
            assert!(!verify_password("pX", &h), "{h}");
            use argon2::PasswordVerifier;
            assert!(Argon2::default().verify_password(b"pw", h.as_str()).is_ok());
            assert!(needs_rehash(&h), "{h}");
        }
        assert!(!needs_rehash(&good));
        assert!(good.starts_with("$argon2id$v=19$m=7168,t=5,p=2$"), "{good}");
        // Malformed or truncated hashes are a refusal, not a panic.
        for bad in [
            "",
            "$argon2id$",
            &good[..good.len() - 10],
            "$bcrypt$v=1$x$y",
        ] {
            assert!(!verify_password("correct horse", bad), "{bad}");
        }
    }
}
