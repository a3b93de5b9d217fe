//! Receiving messages from other nodes (issue #24, point 3, the receiving half): the entry
//! points. A message is opened against the held signed trust list
//! (`corridor_exchange::open`) and the files it names are stored before anything else of it;
//! then the single writer takes it into the inbox with the others arriving meanwhile
//! (`crate::inbox`: once each, in each case's order, with a signed receipt).

use crate::{App, AppError, AppResult, ErrorCode};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use corridor_exchange::receipt::envelope_sha256;
use corridor_licence::SigningKey;
use std::sync::Arc;
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
        let mut f = Frame::new(frame, "bundle", "消息包");
        let envelope = f.part()?;
        let count = f.count()?;
        if count > 200 {
            return Err(f.bad("more than 200 files"));
        }
        let files = (0..count)
            .map(|_| f.part())
            .collect::<AppResult<Vec<_>>>()?;
        f.end()?;
        self.receive_with_files(envelope, &files).await
    }

    /// Receives several messages in one request (a batch): a 4-byte big-endian count (at most
    /// [`crate::outbox::BATCH_MESSAGES`]), then each message as a 4-byte length and a bundle
    /// (as `receive_bundle` reads it; a message without files has a count of 0). Each is taken
    /// in as if it came alone — they reach the inbox together, so one transaction takes them
    /// all — and each has its own answer, in order.
    pub async fn receive_batch(&self, frame: &[u8]) -> AppResult<Vec<AppResult<Received>>> {
        let mut f = Frame::new(frame, "batch", "批量消息");
        let count = f.count()?;
        if count == 0 || count > crate::outbox::BATCH_MESSAGES {
            return Err(f.bad(&format!(
                "{count} messages (1 to {} in a batch)",
                crate::outbox::BATCH_MESSAGES
            )));
        }
        let parts = (0..count)
            .map(|_| f.part())
            .collect::<AppResult<Vec<_>>>()?;
        f.end()?;
        Ok(futures::future::join_all(parts.into_iter().map(|b| self.receive_bundle(b))).await)
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
        // Small files go to the database with the message; larger ones to their own files
        // first, as `POST /api/v1/exchange/files` stores them.
        let mut small = Vec::new();
        for (sha, file) in self.check_named_files(&env, files)?.into_iter().zip(files) {
            if file.len() <= corridor_store::INLINE_BLOB_MAX {
                small.push((sha, file.to_vec()));
            } else {
                self.store.put_blob(&sha, Arc::new(file.to_vec())).await?;
            }
        }
        let missing_files = self
            .missing_files(env.header.kind, &env.body, &small)
            .await?;
        if !missing_files.is_empty() {
            return Ok(Received {
                receipt: Vec::new(),
                duplicate: false,
                applied: Vec::new(),
                missing_files,
            });
        }
        let msg = crate::inbox::Incoming {
            sha: envelope_sha256(bytes),
            stored: B64.encode(bytes),
            sender_city: held.list.node(&env.header.sender).map(|n| n.city.clone()),
            env,
            me,
            reference: self.reference(),
            now,
            files: small,
        };
        self.to_writer(|reply| {
            crate::writer::WriteJob::Receive(Box::new(crate::inbox::ReceiveJob { msg, reply }))
        })
        .await
    }
}

/// Reads a frame of 4-byte big-endian lengths and counts, each length followed by its bytes.
struct Frame<'a> {
    rest: &'a [u8],
    what: (&'static str, &'static str),
}

impl<'a> Frame<'a> {
    fn new(frame: &'a [u8], en: &'static str, zh: &'static str) -> Frame<'a> {
        Frame {
            rest: frame,
            what: (en, zh),
        }
    }

    fn bad(&self, why: &str) -> AppError {
        AppError::new(
            ErrorCode::MessageRefused,
            format!("message_malformed: {}: {why}", self.what.0),
        )
        .with_zh(format!("消息不予接收：{}格式错误", self.what.1))
    }

    fn take(&mut self, n: usize) -> AppResult<&'a [u8]> {
        if self.rest.len() < n {
            return Err(self.bad("shorter than its lengths"));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn count(&mut self) -> AppResult<usize> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    /// A length and that many bytes.
    fn part(&mut self) -> AppResult<&'a [u8]> {
        let n = self.count()?;
        self.take(n)
    }

    fn end(&self) -> AppResult<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(self.bad("bytes after the last part"))
        }
    }
}
