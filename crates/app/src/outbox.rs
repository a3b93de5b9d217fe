//! Sending messages to other nodes (issue #24, point 3, the sending half).
//!
//! A message is sealed with this node's key and written to the outbox in the same transaction
//! as the change it reports (`enqueue_in`), so a change is never committed without its
//! message, nor a message without its change. A delivery pass (`deliver_due`, in
//! `crate::delivery`) posts each due
//! message to its recipient's base URL from the held trust list and keeps the recipient's
//! signed receipt once it checks: signed by the recipient, answering this message, naming the
//! hash of the envelope sent. A failed attempt is retried after a delay that doubles up to five
//! minutes; a message not delivered within `park_after` is parked — counted, listed for
//! operators, and sent again only when an operator replays it. Nothing is dropped silently.

use crate::exchange::NodeIdentity;
use crate::{App, AppError, AppResult, ErrorCode};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

use corridor_exchange::{seal, Header, Kind, PROTOCOL_VERSION};
use corridor_store::{AttemptOutcome, OutboxRecord, Store, WriteTx};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use uuid::Uuid;

/// Posts bytes (an envelope, or a frame of an envelope and a file) to a URL and returns the
/// answer's status and body, or [`SendError::Unreachable`] when there was no answer.
pub type Transport = Arc<
    dyn Fn(
            String,
            Vec<u8>,
        ) -> Pin<Box<dyn Future<Output = Result<(u16, Vec<u8>), SendError>> + Send>>
        + Send
        + Sync,
>;

/// Why an attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The recipient did not answer (refused, timed out, cut off): its other messages would
    /// fail the same way, so its turn in the pass ends.
    Unreachable(String),
    /// It answered, but not with a receipt for this message (an error status, a receipt that
    /// does not check): its other messages are still tried.
    Answered(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Unreachable(e) => write!(f, "unreachable: {e}"),
            SendError::Answered(e) => write!(f, "{e}"),
        }
    }
}

/// What one delivery pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryPass {
    pub delivered: usize,
    pub failed: usize,
    pub parked: usize,
}

/// What an operator sees of the exchange.
#[derive(Debug, Clone)]
pub struct ExchangeStatus {
    pub node_id: Option<String>,
    pub trust_sequence: Option<u64>,
    pub trust_expires_at: Option<i64>,
    pub counts: corridor_store::OutboxCounts,
    pub parked: Vec<OutboxRecord>,
}

/// Who operates the exchange: the admin role.
fn may_operate(p: &corridor_domain::case::Principal) -> AppResult<()> {
    if p.role == corridor_domain::case::Role::Admin {
        Ok(())
    } else {
        Err(
            AppError::forbidden("only an operator (admin) sees the exchange")
                .with_zh("仅运维管理员可查看节点间交换"),
        )
    }
}

/// Where a node takes messages: its base URL and the exchange path.
pub fn inbox_url(base_url: &str) -> String {
    format!(
        "{}/api/v1/exchange/messages",
        base_url.trim_end_matches('/')
    )
}

/// The files of a message travel in one request with it (a bundle) when together they are at
/// most this large; larger ones go one by one when the recipient asks for them.
pub const BUNDLE_FILES_MAX: usize = 4 << 20;

/// The largest bundle a node reads: the envelope, the files, their lengths.
pub const MAX_BUNDLE: usize =
    corridor_exchange::envelope::MAX_ENVELOPE + BUNDLE_FILES_MAX + 4 * 202;

/// Where a node takes a message with its files.
pub fn bundle_url(base_url: &str) -> String {
    format!("{}/api/v1/exchange/bundles", base_url.trim_end_matches('/'))
}

/// How many messages go in one request to a node (`POST /api/v1/exchange/batches`) at most,
/// and how many such requests a delivery pass has in flight to one recipient.
pub const BATCH_MESSAGES: usize = 32;
pub const BATCHES_IN_FLIGHT: usize = 3;

/// The bundles of one batch together are at most this large (one bundle always fits).
pub const BATCH_BYTES: usize = 2 * MAX_BUNDLE;

/// The largest batch a node reads.
pub const MAX_BATCH: usize = BATCH_BYTES + 4 * (BATCH_MESSAGES + 1);

/// Where a node takes several messages (each with its files) in one request.
pub fn batch_url(base_url: &str) -> String {
    format!("{}/api/v1/exchange/batches", base_url.trim_end_matches('/'))
}

/// The answer to a batch: one result a message, in order.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct BatchAnswer {
    pub results: Vec<BatchResult>,
}

/// One message's result in a batch: its signed receipt (base64), or the files it names that
/// are missing (nothing of it was kept), or the problem that refused it (RFC 9457).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct BatchResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub duplicate: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_files: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub problem: Option<serde_json::Value>,
}

/// Where a node takes the files its messages name.
pub fn files_url(base_url: &str) -> String {
    format!("{}/api/v1/exchange/files", base_url.trim_end_matches('/'))
}

/// The first 300 characters of an answer, for the error kept with a failed attempt.
pub(crate) fn excerpt(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    format!("{status}: {}", text.chars().take(300).collect::<String>())
}

/// A message to seal into the outbox.
pub(crate) struct Enqueue<'a> {
    pub(crate) me: &'a NodeIdentity,
    pub(crate) recipient: &'a str,
    pub(crate) kind: Kind,
    pub(crate) case: Option<Uuid>,
    pub(crate) body: &'a [u8],
    pub(crate) now: i64,
}

/// Seals a message and writes it to the outbox inside `tx`; its id.
pub(crate) async fn enqueue_in(
    tx: &mut WriteTx,
    me: &NodeIdentity,
    (recipient, kind, case): (&str, Kind, Option<Uuid>),
    body: &[u8],
    now: i64,
) -> AppResult<Uuid> {
    let m = Enqueue {
        me,
        recipient,
        kind,
        case,
        body,
        now,
    };
    let ids = enqueue_many(tx, std::slice::from_ref(&m)).await?;
    ids.into_iter()
        .next()
        .ok_or_else(|| AppError::new(ErrorCode::Internal, "the outbox gave no id"))
}

/// Seals messages and writes them to the outbox inside `tx`, in order: each case's messages to
/// a recipient numbered on from the last (the numbers read in one query a recipient, the rows
/// written in one statement); their ids.
pub(crate) async fn enqueue_many(tx: &mut WriteTx, msgs: &[Enqueue<'_>]) -> AppResult<Vec<Uuid>> {
    let mut cases: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for m in msgs {
        if let Some(c) = m.case {
            cases.entry(m.recipient).or_default().push(c.to_string());
        }
    }
    let mut last: std::collections::HashMap<(String, String), i64> = Default::default();
    for (recipient, mut cs) in cases {
        cs.sort();
        cs.dedup();
        for (c, seq) in Store::outbox_last_seqs(tx, recipient, &cs).await? {
            last.insert((recipient.to_string(), c), seq);
        }
    }
    let mut ids = Vec::with_capacity(msgs.len());
    let mut rows = Vec::with_capacity(msgs.len());
    for m in msgs {
        let seq = m.case.map(|c| {
            let n = last
                .entry((m.recipient.to_string(), c.to_string()))
                .or_insert(0);
            *n += 1;
            *n
        });
        let id = Uuid::now_v7();
        let header = Header {
            v: PROTOCOL_VERSION,
            id,
            sender: m.me.node_id.clone(),
            recipient: m.recipient.to_string(),
            kind: m.kind,
            case_id: m.case,
            case_seq: seq.map(|s| s as u64),
            created_at: m.now,
            in_reply_to: None,
            body_sha256: String::new(),
        };
        let envelope = seal(header, m.body, &m.me.kid, &m.me.key)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("seal: {e}")))?;
        rows.push(OutboxRecord {
            id: id.to_string(),
            recipient: m.recipient.to_string(),
            kind: serde_json::to_value(m.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            case_id: m.case.map(|c| c.to_string()),
            case_seq: seq,
            envelope: B64.encode(&envelope),
            created_ms: m.now,
            attempts: 0,
            next_attempt_ms: m.now,
            last_error: None,
            delivered_ms: None,
            receipt: None,
            parked_ms: None,
        });
        ids.push(id);
    }
    Store::outbox_insert_many(tx, &rows).await?;
    Ok(ids)
}

impl App {
    /// Sends a message of its own (not tied to a case change in this transaction): sealed
    /// and in the outbox, on disk, when this returns.
    pub async fn send_message(
        &self,
        recipient: &str,
        kind: Kind,
        case: Option<Uuid>,
        body: Vec<u8>,
    ) -> AppResult<Uuid> {
        let me = self.node_identity()?;
        let now = self.now_ms();
        let out: Arc<std::sync::Mutex<Option<Uuid>>> = Arc::default();
        let (slot, recipient, body) = (out.clone(), recipient.to_string(), Arc::new(body));
        self.write(Box::new(move |tx| {
            let (me, slot, recipient, body) =
                (me.clone(), slot.clone(), recipient.clone(), body.clone());
            Box::pin(async move {
                let id = enqueue_in(tx, &me, (&recipient, kind, case), &body, now).await?;
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(id);
                Ok(())
            })
        }))
        .await?;
        self.outbox_ready.notify_one();
        let id = *out.lock().unwrap_or_else(|p| p.into_inner());
        id.ok_or_else(|| AppError::new(ErrorCode::Internal, "the outbox gave no id"))
    }

    /// What an operator sees of the exchange: this node, its trust list, the outbox's counts
    /// and the parked messages. Operators only (the admin role).
    pub async fn exchange_status(
        &self,
        p: &corridor_domain::case::Principal,
    ) -> AppResult<ExchangeStatus> {
        may_operate(p)?;
        let held = self.held_trust();
        Ok(ExchangeStatus {
            node_id: self.node_identity().ok().map(|n| n.node_id.clone()),
            trust_sequence: held.as_ref().map(|h| h.list.sequence),
            trust_expires_at: held.as_ref().map(|h| h.list.expires_at),
            counts: self.store.outbox_counts().await?,
            parked: self.store.outbox_parked(500).await?,
        })
    }

    /// An operator's replay of a parked message (the admin role).
    pub async fn replay_message_as(
        &self,
        p: &corridor_domain::case::Principal,
        id: &str,
    ) -> AppResult<()> {
        may_operate(p)?;
        self.replay_message(id).await
    }

    /// How many messages wait, are parked and were delivered.
    pub async fn outbox_counts(&self) -> AppResult<corridor_store::OutboxCounts> {
        Ok(self.store.outbox_counts().await?)
    }

    /// Every message received, oldest first (for operators).
    pub async fn inbox_messages(&self) -> AppResult<Vec<corridor_store::InboxRecord>> {
        Ok(self.store.inbox_all().await?)
    }

    /// The parked messages, oldest first (for operators).
    pub async fn parked_messages(&self, limit: i64) -> AppResult<Vec<OutboxRecord>> {
        Ok(self.store.outbox_parked(limit).await?)
    }

    /// Puts a parked message back in line (an operator's replay). A message sealed under a key
    /// this node no longer signs with (its key was rotated or removed from the trust list, so
    /// the recipient refuses it) is sealed again under the key in service: the same message —
    /// id, case, sequence and body — made now.
    pub async fn replay_message(&self, id: &str) -> AppResult<()> {
        let m = self.store.outbox_get(id).await?.ok_or_else(|| {
            AppError::not_found(format!("message {id}")).with_zh(format!("消息 {id}"))
        })?;
        if m.parked_ms.is_none() {
            return Err(
                AppError::new(ErrorCode::Conflict, "the message is not parked")
                    .with_zh("该消息未被搁置"),
            );
        }
        let (id, at_ms) = (id.to_string(), self.now_ms());
        let stored = B64
            .decode(&m.envelope)
            .ok()
            .and_then(|b| corridor_exchange::envelope::read_stored(&b).ok())
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::Internal,
                    format!("message {id}: its envelope is unreadable"),
                )
            })?;
        let outcome = match self.node_identity() {
            Ok(me) if stored.kid != me.kid => {
                let mut header = stored.header;
                header.created_at = at_ms;
                let envelope = seal(header, &stored.body, &me.kid, &me.key)
                    .map_err(|e| AppError::new(ErrorCode::Internal, format!("seal: {e}")))?;
                let envelope = B64.encode(envelope);
                AttemptOutcome::Resealed { at_ms, envelope }
            }
            _ => AttemptOutcome::Replay { at_ms },
        };
        self.write(Box::new(move |tx| {
            let (id, outcome) = (id.clone(), outcome.clone());
            Box::pin(async move {
                Store::outbox_attempted(tx, &id, &outcome).await?;
                Ok(())
            })
        }))
        .await
    }
}
