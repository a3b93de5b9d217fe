//! The signed corridor trust list this node holds (issue #24, point 1): the root keys it pins,
//! the newest list it accepted, and the other cities' licence keys taken from it.
//!
//! The rules of acceptance are `corridor_licence::trust::open_trust`; this module keeps what
//! was accepted and answers from it.

use crate::{App, AppError, AppResult, ErrorCode};
use corridor_licence as lic;
use corridor_licence::trust::{self as t, CorridorTrust, Held};
use std::sync::Arc;

/// What a node holds of the corridor's trust.
#[derive(Default)]
pub(crate) struct TrustState {
    roots: Vec<lic::VerifyingKey>,
    held: Option<HeldTrust>,
}

/// The list accepted last, with its signed bytes (served to other nodes as they are).
#[derive(Clone)]
pub struct HeldTrust {
    pub list: Arc<CorridorTrust>,
    pub envelope: Arc<Vec<u8>>,
}

impl App {
    /// Pins the corridor's root public keys (base64url), replacing those pinned before. A node
    /// with pinned roots accepts only lists they signed.
    pub fn pin_trust_roots(&self, roots: &[String]) -> AppResult<()> {
        let keys = roots
            .iter()
            .map(|r| {
                t::pinned_root(r).map_err(|_| {
                    AppError::new(
                        ErrorCode::TrustListRefused,
                        format!("{r} is not a root public key (32 bytes, base64url)"),
                    )
                    .with_zh(format!("{r} 不是根公钥（32 字节，base64url）"))
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        self.trust_state().roots = keys;
        Ok(())
    }

    /// Offers a signed list. Accepted when it verifies under a pinned root, is unexpired and
    /// newer than the list held: then it replaces that list (`Ok(true)`). The very list held
    /// again is `Ok(false)`. Anything else is refused with the reason's code in the detail.
    pub fn offer_trust_list(&self, envelope: &[u8]) -> AppResult<bool> {
        let now = self.now_ms() / 1000;
        let mut st = self.trust_state();
        if st.roots.is_empty() {
            return Err(AppError::new(
                ErrorCode::TrustListRefused,
                "no corridor root key is pinned on this node",
            )
            .with_zh("本节点未配置走廊根公钥"));
        }
        let held = st.held.as_ref().map(|h| Held {
            sequence: h.list.sequence,
            envelope: &h.envelope,
        });
        let same = held.is_some_and(|h| h.envelope == envelope);
        let list = t::open_trust(envelope, &st.roots, held, now).map_err(|e| {
            AppError::new(ErrorCode::TrustListRefused, format!("{}: {e}", e.code()))
                .with_zh(format!("{}：{}", e.code(), refusal_zh(&e)))
        })?;
        if same {
            return Ok(false);
        }
        tracing::info!(
            sequence = list.sequence,
            nodes = list.nodes.len(),
            licence_keys = list.licence_keys.len(),
            expires_at = list.expires_at,
            "corridor trust list accepted"
        );
        st.held = Some(HeldTrust {
            list: Arc::new(list),
            envelope: Arc::new(envelope.to_vec()),
        });
        Ok(true)
    }

    /// The list held, if any.
    pub fn held_trust(&self) -> Option<HeldTrust> {
        self.trust_state().held.clone()
    }

    /// A licence key the held list names (another city's authority), unless the list expired.
    pub(crate) fn listed_licence_key(&self, kid: &str) -> Option<lic::TrustedKey> {
        let held = self.held_trust()?;
        if self.now_ms() / 1000 >= held.list.expires_at {
            return None;
        }
        held.list
            .licence_keys
            .iter()
            .find(|k| k.kid == kid)
            .cloned()
    }

    fn trust_state(&self) -> std::sync::MutexGuard<'_, TrustState> {
        self.trust.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn refusal_zh(e: &t::TrustError) -> &'static str {
    match e {
        t::TrustError::Unsigned(_) => "不是已签名的信任列表",
        t::TrustError::UnknownRoot(_) => "签名者不是已配置的根密钥",
        t::TrustError::BadSignature => "根签名验证失败",
        t::TrustError::Expired(_) => "信任列表已过期",
        t::TrustError::NotYetValid(_) => "信任列表的签发时间在未来",
        t::TrustError::Older { .. } => "序号比本节点持有的列表旧",
        t::TrustError::Conflict(_) => "序号与持有的列表相同但内容不同",
        t::TrustError::Invalid(_) => "信任列表内容无效",
    }
}
