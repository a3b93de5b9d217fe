//! Sending messages to other nodes (issue #24, point 3, the sending half).
//!
//! A message is sealed with this node's key and written to the outbox in the same transaction
//! as the change it reports (`enqueue_in`), so a change is never committed without its
//! message, nor a message without its change. A delivery pass (`deliver_due`) posts each due
//! message to its recipient's base URL from the held trust list and keeps the recipient's
//! signed receipt once it checks: signed by the recipient, answering this message, naming the
//! hash of the envelope sent. A failed attempt is retried after a delay that doubles up to five
//! minutes; a message not delivered within `park_after` is parked — counted, listed for
//! operators, and sent again only when an operator replays it. Nothing is dropped silently.

use crate::exchange::NodeIdentity;
use crate::{App, AppError, AppResult, ErrorCode};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use corridor_exchange::receipt::{envelope_sha256, receipt_body, retry_delay_ms};
use corridor_exchange::{open, seal, Header, Kind, PROTOCOL_VERSION};
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

/// How many messages a delivery pass has in flight to one recipient at once.
pub const IN_FLIGHT: usize = 32;

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

/// Where a node takes the files its messages name.
pub fn files_url(base_url: &str) -> String {
    format!("{}/api/v1/exchange/files", base_url.trim_end_matches('/'))
}

/// The first 300 characters of an answer, for the error kept with a failed attempt.
fn excerpt(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    format!("{status}: {}", text.chars().take(300).collect::<String>())
}

/// Seals a message and writes it to the outbox inside `tx`; its id.
pub(crate) async fn enqueue_in(
    tx: &mut WriteTx,
    me: &NodeIdentity,
    (recipient, kind, case): (&str, Kind, Option<Uuid>),
    body: &[u8],
    now: i64,
) -> AppResult<Uuid> {
    let seq = match case {
        Some(c) => Some(Store::outbox_next_seq(tx, recipient, &c.to_string()).await?),
        None => None,
    };
    let id = Uuid::now_v7();
    let header = Header {
        v: PROTOCOL_VERSION,
        id,
        sender: me.node_id.clone(),
        recipient: recipient.to_string(),
        kind,
        case_id: case,
        case_seq: seq.map(|s| s as u64),
        created_at: now,
        in_reply_to: None,
        body_sha256: String::new(),
    };
    let envelope = seal(header, body, &me.kid, &me.key)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("seal: {e}")))?;
    Store::outbox_insert(
        tx,
        &OutboxRecord {
            id: id.to_string(),
            recipient: recipient.to_string(),
            kind: serde_json::to_value(kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            case_id: case.map(|c| c.to_string()),
            case_seq: seq,
            envelope: B64.encode(&envelope),
            created_ms: now,
            attempts: 0,
            next_attempt_ms: now,
            last_error: None,
            delivered_ms: None,
            receipt: None,
            parked_ms: None,
        },
    )
    .await?;
    Ok(id)
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

    /// One delivery pass over the due messages (at most `limit`), with messages older than
    /// `park_after_ms` parked instead of retried. Recipients are served side by side, each
    /// one's messages in order; a recipient that does not answer ends its turn (its other
    /// messages stay due for the next pass instead of each waiting out the same timeout). The
    /// pass's outcomes are recorded in one write.
    pub async fn deliver_due(
        &self,
        transport: &Transport,
        park_after_ms: i64,
        limit: i64,
    ) -> AppResult<DeliveryPass> {
        let me = self.node_identity()?;
        let due = self.store.outbox_due(self.now_ms(), limit).await?;
        let mut by_recipient: std::collections::BTreeMap<String, Vec<OutboxRecord>> =
            Default::default();
        for m in due {
            by_recipient.entry(m.recipient.clone()).or_default().push(m);
        }
        let me = &me;
        let turns = by_recipient.into_iter().map(|(to, msgs)| async move {
            (
                to,
                self.deliver_to(me, transport, msgs, park_after_ms).await,
            )
        });
        let turns: Vec<(String, Vec<(String, AttemptOutcome)>)> =
            futures::future::join_all(turns).await;
        // Recipients that answered: their messages in back-off come due now.
        let answered: Vec<String> = turns
            .iter()
            .filter(|(_, o)| {
                o.iter()
                    .any(|(_, o)| matches!(o, AttemptOutcome::Delivered { .. }))
            })
            .map(|(to, _)| to.clone())
            .collect();
        let outcomes: Vec<(String, AttemptOutcome)> =
            turns.into_iter().flat_map(|(_, o)| o).collect();
        let mut pass = DeliveryPass::default();
        for (_, o) in &outcomes {
            match o {
                AttemptOutcome::Delivered { .. } => pass.delivered += 1,
                AttemptOutcome::Failed { .. } => pass.failed += 1,
                AttemptOutcome::Parked { .. } => pass.parked += 1,
                AttemptOutcome::Replay { .. } => {}
            }
        }
        if outcomes.is_empty() {
            return Ok(pass);
        }
        let woken = !answered.is_empty();
        let (outcomes, answered, now) = (Arc::new(outcomes), Arc::new(answered), self.now_ms());
        self.write(Box::new(move |tx| {
            let (outcomes, answered) = (outcomes.clone(), answered.clone());
            Box::pin(async move {
                for (id, o) in outcomes.iter() {
                    Store::outbox_attempted(tx, id, o).await?;
                }
                for to in answered.iter() {
                    Store::outbox_wake(tx, to, now).await?;
                }
                Ok(())
            })
        }))
        .await?;
        if woken {
            // More may be due now.
            self.outbox_ready.notify_one();
        }
        Ok(pass)
    }

    /// One recipient's turn in a pass: its first message alone, then — if it answered — up to
    /// [`IN_FLIGHT`] of the others at once (the receiver applies each case's messages in their
    /// sequence whatever order they arrive in, and commits those that arrive together with
    /// one fsync), until it does not answer: then the messages not yet sent wait for the next
    /// pass.
    async fn deliver_to(
        &self,
        me: &NodeIdentity,
        transport: &Transport,
        msgs: Vec<OutboxRecord>,
        park_after_ms: i64,
    ) -> Vec<(String, AttemptOutcome)> {
        use futures::StreamExt;
        let down = std::sync::atomic::AtomicBool::new(false);
        let down = &down;
        let one = |m: OutboxRecord| async move {
            if down.load(std::sync::atomic::Ordering::Relaxed) {
                return None;
            }
            let outcome = match self.attempt(me, transport, &m).await {
                Ok(receipt) => AttemptOutcome::Delivered {
                    at_ms: self.now_ms(),
                    receipt,
                },
                Err(e) => {
                    if matches!(e, SendError::Unreachable(_)) {
                        down.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                    let error = e.to_string();
                    let now = self.now_ms();
                    if now - m.created_ms >= park_after_ms {
                        tracing::warn!(id = %m.id, recipient = %m.recipient, attempts = m.attempts + 1, %error, "message parked");
                        AttemptOutcome::Parked { at_ms: now, error }
                    } else {
                        let next_ms = now + retry_delay_ms(m.attempts);
                        AttemptOutcome::Failed { next_ms, error }
                    }
                }
            };
            Some((m.id, outcome))
        };
        let mut msgs = msgs.into_iter();
        let Some(first) = msgs.next() else {
            return Vec::new();
        };
        let mut out: Vec<_> = one(first).await.into_iter().collect();
        let rest: Vec<_> = futures::stream::iter(msgs)
            .map(one)
            .buffer_unordered(IN_FLIGHT)
            .filter_map(|o| async move { o })
            .collect()
            .await;
        out.extend(rest);
        out
    }

    /// Posts one message; the receipt (base64) when it checks.
    async fn attempt(
        &self,
        me: &NodeIdentity,
        transport: &Transport,
        m: &OutboxRecord,
    ) -> Result<String, SendError> {
        let answered = SendError::Answered;
        let held = self
            .held_trust()
            .ok_or_else(|| answered("this node holds no trust list".into()))?;
        let node = held
            .list
            .node(&m.recipient)
            .ok_or_else(|| answered(format!("{} is not in the trust list", m.recipient)))?;
        let envelope = B64
            .decode(&m.envelope)
            .map_err(|e| answered(e.to_string()))?;
        let url = inbox_url(&node.base_url);
        let (mut status, mut answer) = match self.bundle(&envelope).await {
            Some(b) => transport(bundle_url(&node.base_url), b).await?,
            None => transport(url.clone(), envelope.clone()).await?,
        };
        // The recipient lacks files the message names: they go first, then the message again.
        if status == 202 {
            self.send_files(transport, &node.base_url, &envelope, &answer)
                .await?;
            (status, answer) = transport(url, envelope.clone()).await?;
        }
        if status != 200 {
            return Err(answered(excerpt(status, &answer)));
        }
        let r = open(&answer, &held.list, &me.node_id, self.now_ms())
            .map_err(|e| answered(format!("receipt refused: {}", e.code())))?;
        let body = receipt_body(&r).map_err(|e| answered(format!("receipt: {e}")))?;
        let ok = r.header.sender == m.recipient
            && r.header.in_reply_to.map(|u| u.to_string()) == Some(m.id.clone())
            && body.of.to_string() == m.id
            && body.envelope_sha256 == envelope_sha256(&envelope);
        if !ok {
            return Err(answered("the receipt does not answer this message".into()));
        }
        Ok(B64.encode(&answer))
    }

    /// The message with the files it names, when there are some and together they are at
    /// most [`BUNDLE_FILES_MAX`] (and all are here).
    async fn bundle(&self, envelope: &[u8]) -> Option<Vec<u8>> {
        let env = corridor_exchange::envelope::read_stored(envelope).ok()?;
        let named = crate::handoff::files_named(env.header.kind, &env.body).ok()?;
        let total: i64 = named.iter().map(|(_, n)| *n).sum();
        if named.is_empty() || total > BUNDLE_FILES_MAX as i64 {
            return None;
        }
        let mut frame = Vec::with_capacity(8 + envelope.len() + total as usize + 4 * named.len());
        frame.extend_from_slice(&(envelope.len() as u32).to_be_bytes());
        frame.extend_from_slice(envelope);
        frame.extend_from_slice(&(named.len() as u32).to_be_bytes());
        for (sha, _) in &named {
            let bytes = self.store.blob(sha).await.ok()??;
            frame.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            frame.extend_from_slice(&bytes);
        }
        Some(frame)
    }

    /// Sends the files a recipient asked for (its 202 answer, `{"missing_files": [...]}`),
    /// each framed with the message that names it. Only files this message names are sent,
    /// whatever the recipient asks for.
    async fn send_files(
        &self,
        transport: &Transport,
        base_url: &str,
        envelope: &[u8],
        answer: &[u8],
    ) -> Result<(), SendError> {
        let answered = SendError::Answered;
        let asked: serde_json::Value = serde_json::from_slice(answer)
            .map_err(|e| answered(format!("202 without a list of files: {e}")))?;
        let env = corridor_exchange::envelope::read_stored(envelope)
            .map_err(|e| answered(format!("own message: {e}")))?;
        let named = crate::handoff::files_named(env.header.kind, &env.body)
            .map_err(|e| answered(e.to_string()))?;
        let url = files_url(base_url);
        for sha in asked["missing_files"].as_array().into_iter().flatten() {
            let sha = sha.as_str().unwrap_or_default();
            if !named.iter().any(|(s, _)| s == sha) {
                return Err(answered(format!(
                    "the recipient asked for {sha:.64}, which this message does not name"
                )));
            }
            let bytes = self
                .store
                .blob(sha)
                .await
                .map_err(|e| answered(format!("file {sha}: {e}")))?
                .ok_or_else(|| answered(format!("file {sha} is not stored here")))?;
            let mut frame = Vec::with_capacity(4 + envelope.len() + bytes.len());
            frame.extend_from_slice(&(envelope.len() as u32).to_be_bytes());
            frame.extend_from_slice(envelope);
            frame.extend_from_slice(&bytes);
            let (status, body) = transport(url.clone(), frame).await?;
            if !(200..300).contains(&status) {
                return Err(answered(format!("file {sha}: {}", excerpt(status, &body))));
            }
        }
        Ok(())
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

    /// Puts a parked message back in line (an operator's replay).
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
        self.write(Box::new(move |tx| {
            let id = id.clone();
            Box::pin(async move {
                Store::outbox_attempted(tx, &id, &AttemptOutcome::Replay { at_ms }).await?;
                Ok(())
            })
        }))
        .await
    }

    /// Delivers in the background every `every`, as long as the process runs.
    pub fn start_delivery(
        self: &Arc<Self>,
        transport: Transport,
        every: std::time::Duration,
        park_after_ms: i64,
    ) {
        let app = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                {
                    let Some(app) = app.upgrade() else { return };
                    // At the latest every `every` (retries come due), at once when a message
                    // is put in the outbox.
                    let _ = tokio::time::timeout(every, app.outbox_ready.notified()).await;
                }
                let Some(app) = app.upgrade() else { return };
                if let Err(e) = app.deliver_due(&transport, park_after_ms, 1000).await {
                    tracing::warn!(error = %e, "delivery pass failed");
                }
            }
        });
    }
}
