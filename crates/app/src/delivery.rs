//! Delivering the outbox to other nodes (issue #24, point 3): passes over the due messages,
//! to each recipient its first message alone and then the others in batches; each receipt
//! checked (signed by the recipient under the held trust list, answering this message, naming
//! the hash of the envelope sent) before it is kept as proof of delivery; failures retried
//! after a back-off or parked (`crate::outbox` has the outbox itself and the wire's limits).

use crate::exchange::NodeIdentity;
use crate::outbox::{
    batch_url, bundle_url, excerpt, files_url, inbox_url, BatchAnswer, DeliveryPass, SendError,
    Transport, BATCHES_IN_FLIGHT, BATCH_BYTES, BATCH_MESSAGES, BUNDLE_FILES_MAX,
};
use crate::{App, AppResult};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use corridor_exchange::open;
use corridor_exchange::receipt::{envelope_sha256, receipt_body, retry_delay_ms};
use corridor_store::{AttemptOutcome, OutboxRecord, Store};
use std::sync::Arc;

/// One recipient's turn in a delivery pass.
struct Turn<'a> {
    me: &'a NodeIdentity,
    transport: &'a Transport,
    park_after_ms: i64,
    /// Set once the recipient did not answer: the turn's other messages wait.
    down: &'a std::sync::atomic::AtomicBool,
}

/// A message's result in a batch, for the sender.
enum BatchOutcome {
    /// The recipient's receipt, to be checked.
    Receipt(Vec<u8>),
    /// Sent again alone (the recipient lacks files it names).
    Alone,
    Refused(SendError),
}

/// Why a batch as a whole was not taken.
enum BatchError {
    /// The recipient takes no batches: each message goes alone.
    NotTaken,
    Failed(SendError),
}

impl App {
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
                AttemptOutcome::Replay { .. } | AttemptOutcome::Resealed { .. } => {}
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
                let mut delivered = Vec::new();
                for (id, o) in outcomes.iter() {
                    match o {
                        AttemptOutcome::Delivered { at_ms, receipt } => {
                            delivered.push((id.clone(), *at_ms, receipt.clone()))
                        }
                        o => Store::outbox_attempted(tx, id, o).await?,
                    }
                }
                Store::outbox_delivered_many(tx, &delivered).await?;
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

    /// One recipient's turn in a pass: its first message alone, then — if it answered — the
    /// others in batches of up to [`BATCH_MESSAGES`], [`BATCHES_IN_FLIGHT`] at once (the
    /// receiver applies each case's messages in their sequence whatever order they arrive in,
    /// and a batch's messages reach its inbox together, one transaction for all), until it
    /// does not answer: then the messages not yet sent wait for the next pass.
    async fn deliver_to(
        &self,
        me: &NodeIdentity,
        transport: &Transport,
        msgs: Vec<OutboxRecord>,
        park_after_ms: i64,
    ) -> Vec<(String, AttemptOutcome)> {
        use futures::StreamExt;
        let down = std::sync::atomic::AtomicBool::new(false);
        let turn = Turn {
            me,
            transport,
            park_after_ms,
            down: &down,
        };
        let mut msgs = msgs.into_iter();
        let Some(first) = msgs.next() else {
            return Vec::new();
        };
        let mut out: Vec<_> = self.deliver_one(&turn, first).await.into_iter().collect();
        let rest: Vec<OutboxRecord> = msgs.collect();
        let turn = &turn;
        let batches: Vec<Vec<(String, AttemptOutcome)>> =
            futures::stream::iter(rest.chunks(BATCH_MESSAGES).map(<[_]>::to_vec))
                .map(|chunk| self.deliver_batch(turn, chunk))
                .buffer_unordered(BATCHES_IN_FLIGHT)
                .collect()
                .await;
        out.extend(batches.into_iter().flatten());
        out
    }

    /// What an attempt at `m` comes to: delivered, or failed (to be retried after the back-off,
    /// or parked once it is older than the turn allows).
    fn outcome(
        &self,
        turn: &Turn<'_>,
        m: &OutboxRecord,
        r: Result<String, SendError>,
    ) -> AttemptOutcome {
        match r {
            Ok(receipt) => AttemptOutcome::Delivered {
                at_ms: self.now_ms(),
                receipt,
            },
            Err(e) => {
                if matches!(e, SendError::Unreachable(_)) {
                    turn.down.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                let error = e.to_string();
                let now = self.now_ms();
                if now - m.created_ms >= turn.park_after_ms {
                    tracing::warn!(id = %m.id, recipient = %m.recipient, attempts = m.attempts + 1, %error, "message parked");
                    AttemptOutcome::Parked { at_ms: now, error }
                } else {
                    let next_ms = now + retry_delay_ms(m.attempts);
                    AttemptOutcome::Failed { next_ms, error }
                }
            }
        }
    }

    /// One message in a request of its own (none once the recipient stopped answering).
    async fn deliver_one(
        &self,
        turn: &Turn<'_>,
        m: OutboxRecord,
    ) -> Option<(String, AttemptOutcome)> {
        if turn.down.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        let r = self.attempt(turn.me, turn.transport, &m).await;
        let o = self.outcome(turn, &m, r);
        Some((m.id, o))
    }

    /// Messages in one request (`POST /api/v1/exchange/batches`). Those whose files are too
    /// large to travel with them, those the recipient lacks files for, and all of them when
    /// the recipient takes no batches (an older node), go one by one instead.
    async fn deliver_batch(
        &self,
        turn: &Turn<'_>,
        chunk: Vec<OutboxRecord>,
    ) -> Vec<(String, AttemptOutcome)> {
        if turn.down.load(std::sync::atomic::Ordering::Relaxed) {
            return Vec::new();
        }
        let mut out = Vec::with_capacity(chunk.len());
        let mut alone = Vec::new();
        let mut sent: Vec<(OutboxRecord, Vec<u8>)> = Vec::with_capacity(chunk.len());
        let mut frame = Vec::new();
        frame.extend_from_slice(&[0; 4]);
        for m in chunk {
            let part = match B64.decode(&m.envelope) {
                Ok(envelope) => self.bundle(&envelope, true).await.map(|b| (envelope, b)),
                Err(_) => None,
            };
            match part {
                Some((envelope, b)) if frame.len() + 4 + b.len() <= BATCH_BYTES => {
                    frame.extend_from_slice(&(b.len() as u32).to_be_bytes());
                    frame.extend_from_slice(&b);
                    sent.push((m, envelope));
                }
                _ => alone.push(m),
            }
        }
        frame[..4].copy_from_slice(&(sent.len() as u32).to_be_bytes());
        if !sent.is_empty() {
            match self.post_batch(turn.transport, &sent, frame).await {
                Ok(results) => {
                    for ((m, envelope), r) in sent.into_iter().zip(results) {
                        match r {
                            BatchOutcome::Receipt(answer) => {
                                let r = self.check_receipt(turn.me, &m, &envelope, &answer);
                                let o = self.outcome(turn, &m, r);
                                out.push((m.id, o));
                            }
                            BatchOutcome::Alone => alone.push(m),
                            BatchOutcome::Refused(e) => {
                                let o = self.outcome(turn, &m, Err(e));
                                out.push((m.id, o));
                            }
                        }
                    }
                }
                Err(BatchError::NotTaken) => alone.extend(sent.into_iter().map(|(m, _)| m)),
                Err(BatchError::Failed(e)) => {
                    for (m, _) in sent {
                        let o = self.outcome(turn, &m, Err(e.clone()));
                        out.push((m.id, o));
                    }
                }
            }
        }
        for m in alone {
            out.extend(self.deliver_one(turn, m).await);
        }
        out
    }

    /// Posts a batch; each message's result, in order.
    async fn post_batch(
        &self,
        transport: &Transport,
        sent: &[(OutboxRecord, Vec<u8>)],
        frame: Vec<u8>,
    ) -> Result<Vec<BatchOutcome>, BatchError> {
        let recipient = &sent[0].0.recipient;
        let held = self.held_trust().ok_or_else(|| {
            BatchError::Failed(SendError::Answered("this node holds no trust list".into()))
        })?;
        let node = held.list.node(recipient).ok_or_else(|| {
            BatchError::Failed(SendError::Answered(format!(
                "{recipient} is not in the trust list"
            )))
        })?;
        let (status, answer) = transport(batch_url(&node.base_url), frame)
            .await
            .map_err(BatchError::Failed)?;
        if matches!(status, 404 | 405) {
            return Err(BatchError::NotTaken);
        }
        if status != 200 {
            return Err(BatchError::Failed(SendError::Answered(excerpt(
                status, &answer,
            ))));
        }
        let a: BatchAnswer = serde_json::from_slice(&answer)
            .map_err(|e| BatchError::Failed(SendError::Answered(format!("batch answer: {e}"))))?;
        if a.results.len() != sent.len() {
            return Err(BatchError::Failed(SendError::Answered(format!(
                "batch answer: {} results for {} messages",
                a.results.len(),
                sent.len()
            ))));
        }
        Ok(a.results
            .into_iter()
            .map(
                |r| match (r.receipt, r.missing_files.is_empty(), r.problem) {
                    (Some(b64), true, None) => match B64.decode(b64) {
                        Ok(bytes) => BatchOutcome::Receipt(bytes),
                        Err(e) => {
                            BatchOutcome::Refused(SendError::Answered(format!("receipt: {e}")))
                        }
                    },
                    (_, false, _) => BatchOutcome::Alone,
                    (_, _, Some(p)) => {
                        let status = p["status"].as_u64().unwrap_or(0) as u16;
                        BatchOutcome::Refused(SendError::Answered(excerpt(
                            status,
                            p.to_string().as_bytes(),
                        )))
                    }
                    _ => BatchOutcome::Refused(SendError::Answered(
                        "batch answer: an empty result".into(),
                    )),
                },
            )
            .collect())
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
        let (mut status, mut answer) = match self.bundle(&envelope, false).await {
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
        self.check_receipt(me, m, &envelope, &answer)
    }

    /// The receipt (base64) when it checks: signed by the recipient under the held trust
    /// list, answering this message, naming the hash of the envelope sent.
    fn check_receipt(
        &self,
        me: &NodeIdentity,
        m: &OutboxRecord,
        envelope: &[u8],
        answer: &[u8],
    ) -> Result<String, SendError> {
        let answered = SendError::Answered;
        let held = self
            .held_trust()
            .ok_or_else(|| answered("this node holds no trust list".into()))?;
        let r = open(answer, &held.list, &me.node_id, self.now_ms())
            .map_err(|e| answered(format!("receipt refused: {}", e.code())))?;
        let body = receipt_body(&r).map_err(|e| answered(format!("receipt: {e}")))?;
        let ok = r.header.sender == m.recipient
            && r.header.in_reply_to.map(|u| u.to_string()) == Some(m.id.clone())
            && body.of.to_string() == m.id
            && body.envelope_sha256 == envelope_sha256(envelope);
        if !ok {
            return Err(answered("the receipt does not answer this message".into()));
        }
        Ok(B64.encode(answer))
    }

    /// The message with the files it names, when together they are at most
    /// [`BUNDLE_FILES_MAX`] (and all are here) — and there are some, unless `bare` allows a
    /// bundle of none.
    async fn bundle(&self, envelope: &[u8], bare: bool) -> Option<Vec<u8>> {
        let env = corridor_exchange::envelope::read_stored(envelope).ok()?;
        let named = crate::handoff::files_named(env.header.kind, &env.body).ok()?;
        let total: i64 = named.iter().map(|(_, n)| *n).sum();
        if (named.is_empty() && !bare) || total > BUNDLE_FILES_MAX as i64 {
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
