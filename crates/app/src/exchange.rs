//! Receiving messages from other nodes (issue #24, point 3, the receiving half).
//!
//! A message is opened against the held signed trust list (`corridor_exchange::open`) before
//! anything of it is stored. Then, in one transaction of the single writer:
//! - the inbox is asked for (sender, id): the same envelope again is a duplicate, answered
//!   with the receipt kept and applied no second time; the same id with other bytes is refused;
//! - a new message is stored; messages about a case carry that case's sequence from their
//!   sender and are applied in that order, each once: one that comes early waits (its receipt
//!   says `waiting`), and is applied as soon as the one before it arrives;
//! - applying a message records it in the sender's audit stream (`inbox:<sender>`: kind, id,
//!   case, sequence, envelope hash); the flows (a forwarded case entering the queue, a decision
//!   reaching the window) will add their effects here;
//! - each message gets a receipt signed by this node, kept with it.

use crate::{App, AppError, AppResult, ErrorCode};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use corridor_exchange::receipt::{admit, envelope_sha256, receipt, Admit, Answering};
use corridor_exchange::Envelope;
use corridor_licence::SigningKey;
use corridor_store::{InboxRecord, Store, WriteTx};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// Who this node is among the corridor's nodes, and the key it signs messages with.
#[derive(Clone)]
pub struct NodeIdentity {
    pub node_id: String,
    pub kid: String,
    pub key: SigningKey,
}

/// What receiving a message came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The signed receipt (the one kept, for a duplicate).
    pub receipt: Vec<u8>,
    pub duplicate: bool,
    /// The messages applied by this one's arrival, in order (itself, and those that waited
    /// for it).
    pub applied: Vec<Uuid>,
    /// The files the message names that are not here yet (SHA-256): then nothing of it was
    /// stored and there is no receipt; the sender sends them
    /// (`POST /api/v1/exchange/files`) and the message again.
    pub missing_files: Vec<String>,
}

fn refused(e: &corridor_exchange::EnvelopeError) -> AppError {
    AppError::new(ErrorCode::MessageRefused, format!("{}: {e}", e.code()))
        .with_zh(format!("{}：消息不予接收", e.code()))
}

impl App {
    /// Sets this node's identity (node id and message key).
    pub fn set_node_identity(&self, id: NodeIdentity) {
        *self.node.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(id));
    }

    pub(crate) fn node_identity(&self) -> AppResult<Arc<NodeIdentity>> {
        self.node
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| {
                AppError::new(ErrorCode::MessageRefused, "this node has no node identity")
                    .with_zh("本节点未配置节点身份")
            })
    }

    /// Receives one signed message (see the module's documentation).
    pub async fn receive_message(&self, bytes: &[u8]) -> AppResult<Received> {
        self.receive_with_files(bytes, &[]).await
    }

    /// Receives a message and files it names, in one request (a bundle: 4-byte big-endian
    /// length and the envelope, a 4-byte count, then each file as a 4-byte length and its
    /// bytes). Each file must be one the message names, by SHA-256 and size; it is stored
    /// (durably) before the message is taken in, as `POST /api/v1/exchange/files` would.
    pub async fn receive_bundle(&self, frame: &[u8]) -> AppResult<Received> {
        let bad = |what: &str| {
            AppError::new(
                ErrorCode::MessageRefused,
                format!("message_malformed: bundle: {what}"),
            )
            .with_zh("消息不予接收：消息包格式错误")
        };
        let mut rest = frame;
        let mut take = |n: usize| -> AppResult<&[u8]> {
            if rest.len() < n {
                return Err(bad("shorter than its lengths"));
            }
            let (head, tail) = rest.split_at(n);
            rest = tail;
            Ok(head)
        };
        let u32_at = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
        let len = u32_at(take(4)?);
        let envelope = take(len)?;
        let count = u32_at(take(4)?);
        if count > 200 {
            return Err(bad("more than 200 files"));
        }
        let mut files = Vec::with_capacity(count);
        for _ in 0..count {
            let n = u32_at(take(4)?);
            files.push(take(n)?);
        }
        if !rest.is_empty() {
            return Err(bad("bytes after the last file"));
        }
        self.receive_with_files(envelope, &files).await
    }

    async fn receive_with_files(&self, bytes: &[u8], files: &[&[u8]]) -> AppResult<Received> {
        let me = self.node_identity()?;
        let held = self.held_trust().ok_or_else(|| {
            AppError::new(
                ErrorCode::MessageRefused,
                "this node holds no signed trust list",
            )
            .with_zh("本节点没有已签名的信任列表")
        })?;
        let now = self.now_ms();
        let env = corridor_exchange::open(bytes, &held.list, &me.node_id, now)
            .map_err(|e| refused(&e))?;
        if !files.is_empty() {
            self.store_named_files(&env, files).await?;
        }
        let missing_files = self.missing_files(env.header.kind, &env.body).await?;
        if !missing_files.is_empty() {
            return Ok(Received {
                receipt: Vec::new(),
                duplicate: false,
                applied: Vec::new(),
                missing_files,
            });
        }
        let sha = envelope_sha256(bytes);
        let stored = B64.encode(bytes);
        let out: Arc<Mutex<Option<Received>>> = Arc::default();
        let from = Sender {
            city: held.list.node(&env.header.sender).map(|n| n.city.clone()),
            reference: self.reference(),
        };
        let (env, slot, from) = (Arc::new(env), out.clone(), Arc::new(from));
        self.write(Box::new(move |tx| {
            let (env, me, sha, stored, slot, from) = (
                env.clone(),
                me.clone(),
                sha.clone(),
                stored.clone(),
                slot.clone(),
                from.clone(),
            );
            Box::pin(async move {
                let r = receive_in(tx, &env, &me, (&sha, &stored), &from, now).await?;
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
                Ok(())
            })
        }))
        .await?;
        let r = out.lock().unwrap_or_else(|p| p.into_inner()).take();
        r.ok_or_else(|| AppError::new(ErrorCode::Internal, "the inbox gave no answer"))
    }
}

/// What the inbox needs to know of a message's sender and of this node to apply it.
struct Sender {
    /// The sender's city, from the trust list.
    city: Option<String>,
    reference: Arc<crate::reference::Reference>,
}

fn sign_receipt(
    me: &NodeIdentity,
    of: &Answering<'_>,
    outcome: &str,
    now: i64,
) -> AppResult<String> {
    let r = receipt(of, outcome, (&me.node_id, &me.kid, &me.key), now)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("receipt: {e}")))?;
    Ok(B64.encode(r))
}

fn decode_b64(s: &str) -> AppResult<Vec<u8>> {
    B64.decode(s)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("stored receipt: {e}")))
}

async fn receive_in(
    tx: &mut WriteTx,
    env: &Envelope,
    me: &NodeIdentity,
    (sha, stored): (&str, &str),
    from: &Sender,
    now: i64,
) -> AppResult<Received> {
    let h = &env.header;
    let held = Store::inbox_get(tx, &h.sender, &h.id.to_string()).await?;
    match admit(held.as_ref().map(|r| r.envelope_sha256.as_str()), sha) {
        Admit::Duplicate => {
            let r = held.map(|r| r.receipt).unwrap_or_default();
            return Ok(Received {
                receipt: decode_b64(&r)?,
                duplicate: true,
                applied: Vec::new(),
                missing_files: Vec::new(),
            });
        }
        Admit::Conflict => {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!(
                    "message {} from {} was received with other content",
                    h.id, h.sender
                ),
            )
            .with_zh(format!(
                "来自 {} 的消息 {} 已以不同内容接收过",
                h.sender, h.id
            )))
        }
        Admit::New => {}
    }
    let of = Answering {
        id: h.id,
        sender: &h.sender,
        case_id: h.case_id,
        envelope_sha256: sha,
    };
    let case = h.case_id.map(|c| c.to_string());
    let seq = h.case_seq.map(|s| s as i64);
    // Where the message stands in its case's sequence from this sender.
    let next = match (&case, seq) {
        (Some(c), Some(s)) => {
            let done = Store::inbox_stream(tx, &h.sender, c).await?;
            if s <= done {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!(
                        "case {c}: message {s} from {} was applied already",
                        h.sender
                    ),
                )
                .with_zh(format!("办件 {c}：来自 {} 的第 {s} 条消息已处理", h.sender)));
            }
            Some(done + 1)
        }
        _ => None,
    };
    let waits = matches!((next, seq), (Some(n), Some(s)) if s != n);
    let outcome = if waits { "waiting" } else { "applied" };
    let receipt_b64 = sign_receipt(me, &of, outcome, now)?;
    Store::inbox_insert(
        tx,
        &InboxRecord {
            sender: h.sender.clone(),
            id: h.id.to_string(),
            envelope_sha256: sha.to_string(),
            kind: kind_code(env),
            case_id: case.clone(),
            case_seq: seq,
            envelope: stored.to_string(),
            received_ms: now,
            // Applied in this transaction, or waiting for the one before it.
            applied_ms: (!waits).then_some(now),
            receipt: receipt_b64.clone(),
        },
    )
    .await?;
    let mut applied = Vec::new();
    if !waits {
        apply(tx, env, from, sha, now).await?;
        applied.push(h.id);
        // Those that waited for it, in order.
        if let (Some(c), Some(mut s)) = (&case, seq) {
            Store::set_inbox_stream(tx, &h.sender, c, s).await?;
            while let Some(w) = Store::inbox_waiting(tx, &h.sender, c, s + 1).await? {
                s += 1;
                let id = Uuid::parse_str(&w.id).map_err(|e| {
                    AppError::new(ErrorCode::Internal, format!("inbox id {}: {e}", w.id))
                })?;
                let waited = corridor_exchange::envelope::read_stored(&decode_b64(&w.envelope)?)
                    .map_err(|e| {
                        AppError::new(ErrorCode::Internal, format!("stored message {}: {e}", w.id))
                    })?;
                apply(tx, &waited, from, &w.envelope_sha256, now).await?;
                let of = Answering {
                    id,
                    sender: &w.sender,
                    case_id: h.case_id,
                    envelope_sha256: &w.envelope_sha256,
                };
                let r = sign_receipt(me, &of, "applied", now)?;
                Store::inbox_applied(tx, &w.sender, &w.id, now, &r).await?;
                Store::set_inbox_stream(tx, &w.sender, c, s).await?;
                applied.push(id);
            }
        }
    }
    Ok(Received {
        receipt: decode_b64(&receipt_b64)?,
        duplicate: false,
        applied,
        missing_files: Vec::new(),
    })
}

fn kind_code(env: &Envelope) -> String {
    serde_json::to_value(env.header.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A message's effect. A message about a case moves the case here (`crate::handoff`) and is
/// recorded in the case's audit chain (its id and envelope hash with the action); any other
/// message is recorded in the sender's chain (`inbox:<sender>`).
async fn apply(
    tx: &mut WriteTx,
    env: &Envelope,
    from: &Sender,
    sha: &str,
    now: i64,
) -> AppResult<()> {
    let h = &env.header;
    if crate::handoff::kind_of_case_message(h.kind) {
        return crate::handoff::apply_case_message(
            tx,
            &from.reference,
            (&h.sender, from.city.as_deref()),
            (h.kind, h.id, sha),
            &env.body,
            now,
        )
        .await;
    }
    if h.kind == corridor_exchange::Kind::Statistics {
        crate::stats::take_node_figures(tx, (&h.sender, from.city.as_deref()), &env.body, now)
            .await?;
    }
    let kind = kind_code(env);
    let after = serde_json::json!({
        "id": h.id, "kind": kind, "case_id": h.case_id, "case_seq": h.case_seq,
        "envelope_sha256": sha,
    });
    Store::append_event(
        tx,
        &format!("inbox:{}", h.sender),
        now,
        &format!("node:{}", h.sender),
        "node",
        &format!("message_{kind}"),
        "{}".into(),
        after.to_string(),
    )
    .await?;
    Ok(())
}
