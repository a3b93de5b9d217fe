//! The inbox: messages from other nodes, taken in by the single writer in batches (issue #24,
//! point 3, the receiving half).
//!
//! Every message that arrives while the writer commits the batch before it is taken in with
//! the others, in one transaction: the inbox rows, streams and cases the batch needs are read in
//! a few statements, each message is worked out in memory in the order it came, and what they
//! change is written in a few multi-row statements — instead of about sixteen statements a
//! message (each a thread hop on SQLite). For each message, in order:
//! - (sender, id) held already: the same envelope is a duplicate, answered with the receipt
//!   kept and applied no second time; other bytes under that id are refused;
//! - messages about a case carry that case's sequence from their sender and are applied in
//!   that order, each once: one that comes early waits (its receipt says `waiting`) and is
//!   applied when the one before it arrives; one whose number was applied already is refused;
//! - applying a message about a case moves the case here ([`plan_case_message`]) and records
//!   the step in the case's audit chain; other messages are recorded in the sender's stream
//!   (`inbox:<sender>`), and statistics are kept for the joint office's dashboard;
//! - each message gets a receipt signed by this node, kept with it.
//!
//! A message is taken in whole or not at all: one that is refused (or whose waiting successors
//! cannot be applied) leaves nothing, and the others of its batch go on. Should the batch's
//! transaction fail, the writer takes each message again in a transaction of its own.

use crate::exchange::{NodeIdentity, Received};
use crate::handoff::{kind_of_case_message, plan_case_message};
use crate::writer::{append_events, NewEvent};
use crate::{AppError, AppResult, ErrorCode};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use corridor_domain::case::Status;
use corridor_exchange::receipt::{admit, receipt, Admit, Answering};
use corridor_exchange::{Envelope, Kind};
use corridor_store::{
    AttachmentRecord, CaseRecord, InboxRecord, LicenceRecord, MaterialCheckRecord, NodeFigures,
    Store, WriteTx,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use uuid::Uuid;

/// A message opened against the trust list (its signature checked), for the inbox.
pub(crate) struct Incoming {
    pub(crate) env: Envelope,
    /// The SHA-256 of the envelope's bytes, and the bytes in base64 (kept as received).
    pub(crate) sha: String,
    pub(crate) stored: String,
    /// The sender's city, from the trust list.
    pub(crate) sender_city: Option<String>,
    pub(crate) me: Arc<NodeIdentity>,
    pub(crate) reference: Arc<crate::reference::Reference>,
    pub(crate) now: i64,
    /// Small files the message brought (hash, bytes): kept in the database with it.
    pub(crate) files: Vec<(String, Vec<u8>)>,
}

/// A message waiting for the writer, and where its answer goes.
pub(crate) struct ReceiveJob {
    pub(crate) msg: Incoming,
    pub(crate) reply: tokio::sync::oneshot::Sender<AppResult<Received>>,
}

/// Takes in a batch of messages, in order, inside `tx`: each one's answer.
pub(crate) async fn receive_batch(
    tx: &mut WriteTx,
    msgs: &[&Incoming],
) -> AppResult<Vec<AppResult<Received>>> {
    let mut inbox = Inbox::load(tx, msgs).await?;
    let answers: Vec<AppResult<Received>> = msgs.iter().map(|m| inbox.take(m)).collect();
    inbox.write(tx).await?;
    // The small files of the messages taken in (applied, waiting or duplicates), with them.
    let files: Vec<(String, Vec<u8>)> = msgs
        .iter()
        .zip(&answers)
        .filter(|(_, a)| a.is_ok())
        .flat_map(|(m, _)| m.files.iter().cloned())
        .collect();
    if !files.is_empty() {
        Store::put_small_blobs(tx, &files).await?;
    }
    Ok(answers)
}

/// (sender, message id) or (sender, case id).
type Key = (String, String);

/// A message kept while it waits for the one before it.
struct Waiting {
    id: Uuid,
    sha: String,
    /// The envelope, base64, as kept.
    stored: String,
    /// Whether its row is one of this batch's (else it is in the database).
    new: bool,
}

/// What applying one message does, besides its inbox row.
enum Effect {
    Case(Box<crate::handoff::CaseStep>),
    Event(NewEvent),
    Figures(Box<NodeFigures>, NewEvent),
    /// A licence revoked by the deciding node: the revocation, the case's audit event and the
    /// applicant's notice (kept when the copy here was valid), the inbox's event.
    Revoked(Box<Revoked>, NewEvent),
}

/// A revocation from the deciding node and what it records here when it revokes the copy.
type Revoked = (
    crate::handoff::Revocation,
    NewEvent,
    Option<corridor_store::NewNotice>,
);

/// A case as the batch sees it: its status in the database (none: not there), and as it
/// stands now.
type CaseNow = (Option<Status>, Option<CaseRecord>);

/// A batch: what it read, and what it will write.
#[derive(Default)]
struct Inbox {
    /// (sender, id) → the envelope's hash and the receipt (base64), from the database and
    /// this batch.
    held: HashMap<Key, (String, String)>,
    /// (sender, case) → the sequence applied last.
    done: HashMap<Key, i64>,
    waiting: HashMap<Key, BTreeMap<i64, Waiting>>,
    cases: HashMap<Uuid, CaseNow>,
    /// The licences held here of the cases whose licence a message revokes: (id, number).
    licences_held: HashMap<Uuid, Vec<(Uuid, String)>>,
    // What to write.
    new: Vec<InboxRecord>,
    new_at: HashMap<Key, usize>,
    applied_held: Vec<(String, String, i64, String)>,
    moved: BTreeMap<Key, i64>,
    touched: Vec<Uuid>,
    files: Vec<AttachmentRecord>,
    checks: Vec<MaterialCheckRecord>,
    licences: Vec<LicenceRecord>,
    amounts: Vec<corridor_store::CaseAmountRecord>,
    events: Vec<NewEvent>,
    figures: Vec<(String, NodeFigures, i64)>,
    revocations: Vec<Revoked>,
    /// What the applicants of this node's cases are told of the other node's steps.
    notices: Vec<corridor_store::NewNotice>,
}

fn decode_b64(s: &str) -> AppResult<Vec<u8>> {
    B64.decode(s)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("stored receipt: {e}")))
}

/// A message the inbox kept (base64 of its envelope, opened when it arrived).
pub(crate) fn read_kept(id: &impl std::fmt::Display, stored: &str) -> AppResult<Envelope> {
    corridor_exchange::envelope::read_stored(&decode_b64(stored)?)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("stored message {id}: {e}")))
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

pub(crate) fn kind_code(env: &Envelope) -> String {
    serde_json::to_value(env.header.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// What one message and those that waited for it change, kept apart until all of them apply.
#[derive(Default)]
struct Step {
    applied: Vec<Uuid>,
    /// Waiting messages now applied: their key, row (new or held), receipt.
    released: Vec<(Key, bool, String)>,
    case: Option<(Uuid, CaseNow)>,
    effects: Vec<Effect>,
}

impl Inbox {
    async fn load(tx: &mut WriteTx, msgs: &[&Incoming]) -> AppResult<Inbox> {
        let mut by_sender: BTreeMap<&str, (Vec<String>, Vec<String>)> = BTreeMap::new();
        let (mut case_ids, mut revoking) = (Vec::new(), Vec::new());
        for m in msgs {
            let h = &m.env.header;
            let (ids, cases) = by_sender.entry(h.sender.as_str()).or_default();
            ids.push(h.id.to_string());
            if let Some(c) = h.case_id {
                cases.push(c.to_string());
                if kind_of_case_message(h.kind) || h.kind == Kind::LicenceRevoked {
                    case_ids.push(c);
                }
                if h.kind == Kind::LicenceRevoked {
                    revoking.push(c);
                }
            }
        }
        let mut b = Inbox::default();
        for (sender, (ids, mut cases)) in by_sender {
            for r in Store::inbox_get_many(tx, sender, &ids).await? {
                b.held
                    .insert((r.sender, r.id), (r.envelope_sha256, r.receipt));
            }
            cases.sort();
            cases.dedup();
            let (done, waiting) = Store::inbox_streams_of(tx, sender, &cases).await?;
            for (case, seq) in done {
                b.done.insert((sender.to_string(), case), seq);
            }
            for w in waiting {
                let (Some(case), Some(seq)) = (w.case_id, w.case_seq) else {
                    continue;
                };
                let id = Uuid::parse_str(&w.id).map_err(|e| {
                    AppError::new(ErrorCode::Internal, format!("inbox id {}: {e}", w.id))
                })?;
                b.waiting.entry((w.sender, case)).or_default().insert(
                    seq,
                    Waiting {
                        id,
                        sha: w.envelope_sha256,
                        stored: w.envelope,
                        new: false,
                    },
                );
            }
        }
        case_ids.sort();
        case_ids.dedup();
        for id in &case_ids {
            b.cases.insert(*id, (None, None));
        }
        for c in Store::get_cases_in(tx, &case_ids).await? {
            b.cases.insert(c.id, (Some(c.status), Some(c)));
        }
        revoking.sort();
        revoking.dedup();
        for l in Store::licences_of_cases_in(tx, &revoking).await? {
            b.licences_held
                .entry(l.case_id)
                .or_default()
                .push((l.id, l.number));
        }
        Ok(b)
    }

    /// Takes one message in (in memory): its answer.
    fn take(&mut self, m: &Incoming) -> AppResult<Received> {
        let h = &m.env.header;
        let key = (h.sender.clone(), h.id.to_string());
        if let Some((sha, receipt)) = self.held.get(&key) {
            return match admit(Some(sha), &m.sha) {
                Admit::Duplicate => Ok(Received {
                    receipt: decode_b64(receipt)?,
                    duplicate: true,
                    applied: Vec::new(),
                    missing_files: Vec::new(),
                }),
                _ => Err(AppError::new(
                    ErrorCode::Conflict,
                    format!(
                        "message {} from {} was received with other content",
                        h.id, h.sender
                    ),
                )
                .with_zh(format!(
                    "来自 {} 的消息 {} 已以不同内容接收过",
                    h.sender, h.id
                ))),
            };
        }
        let stream = h.case_id.map(|c| (h.sender.clone(), c.to_string()));
        let seq = h.case_seq.map(|s| s as i64);
        // Where the message stands in its case's sequence from this sender.
        let waits = match (&stream, seq) {
            (Some(k), Some(s)) => {
                let done = self.done.get(k).copied().unwrap_or(0);
                if s <= done {
                    return Err(AppError::new(
                        ErrorCode::Conflict,
                        format!("case {}: message {s} from {} was applied already", k.1, k.0),
                    )
                    .with_zh(format!("办件 {}：来自 {} 的第 {s} 条消息已处理", k.1, k.0)));
                }
                s != done + 1
            }
            _ => false,
        };
        let of = Answering {
            id: h.id,
            sender: &h.sender,
            case_id: h.case_id,
            envelope_sha256: &m.sha,
        };
        let step = if waits {
            None
        } else {
            Some(self.step(m, stream.as_ref(), seq)?)
        };
        let outcome = if waits { "waiting" } else { "applied" };
        let receipt_b64 = sign_receipt(&m.me, &of, outcome, m.now)?;
        let receipt = decode_b64(&receipt_b64)?;
        self.new_at.insert(key.clone(), self.new.len());
        self.new.push(InboxRecord {
            sender: h.sender.clone(),
            id: h.id.to_string(),
            envelope_sha256: m.sha.clone(),
            kind: kind_code(&m.env),
            case_id: h.case_id.map(|c| c.to_string()),
            case_seq: seq,
            envelope: m.stored.clone(),
            received_ms: m.now,
            // Applied in this transaction, or waiting for the one before it.
            applied_ms: (!waits).then_some(m.now),
            receipt: receipt_b64.clone(),
        });
        self.held.insert(key, (m.sha.clone(), receipt_b64));
        let Some(step) = step else {
            if let (Some(k), Some(s)) = (stream, seq) {
                self.waiting.entry(k).or_default().insert(
                    s,
                    Waiting {
                        id: h.id,
                        sha: m.sha.clone(),
                        stored: m.stored.clone(),
                        new: true,
                    },
                );
            }
            return Ok(Received {
                receipt,
                duplicate: false,
                applied: Vec::new(),
                missing_files: Vec::new(),
            });
        };
        let applied = step.applied.clone();
        self.keep(m, stream, step);
        Ok(Received {
            receipt,
            duplicate: false,
            applied,
            missing_files: Vec::new(),
        })
    }

    /// Applies a message and then those of its case that waited for it, in memory; nothing of
    /// it is kept unless all of them apply.
    fn step(&self, m: &Incoming, stream: Option<&Key>, seq: Option<i64>) -> AppResult<Step> {
        let h = &m.env.header;
        let mut st = Step {
            case: h
                .case_id
                .filter(|_| kind_of_case_message(h.kind))
                .map(|c| (c, self.cases.get(&c).cloned().unwrap_or((None, None)))),
            ..Step::default()
        };
        self.effect(m, &m.env, &m.sha, &mut st)?;
        st.applied.push(h.id);
        let (Some(k), Some(mut s)) = (stream, seq) else {
            return Ok(st);
        };
        let waiting = self.waiting.get(k);
        while let Some(w) = waiting.and_then(|q| q.get(&(s + 1))) {
            s += 1;
            let env = read_kept(&w.id, &w.stored)?;
            if st.case.is_none() && kind_of_case_message(env.header.kind) {
                let c = env.header.case_id.unwrap_or_default();
                st.case = Some((c, self.cases.get(&c).cloned().unwrap_or((None, None))));
            }
            self.effect(m, &env, &w.sha, &mut st)?;
            let of = Answering {
                id: w.id,
                sender: &env.header.sender,
                case_id: env.header.case_id,
                envelope_sha256: &w.sha,
            };
            let r = sign_receipt(&m.me, &of, "applied", m.now)?;
            st.released
                .push(((k.0.clone(), w.id.to_string()), w.new, r));
            st.applied.push(w.id);
        }
        Ok(st)
    }

    /// One message's effect, worked out against the case as the step has it.
    fn effect(&self, m: &Incoming, env: &Envelope, sha: &str, st: &mut Step) -> AppResult<()> {
        let h = &env.header;
        let from = (h.sender.as_str(), m.sender_city.as_deref());
        if kind_of_case_message(h.kind) {
            let (case_id, now) =
                match &mut st.case {
                    Some((id, now)) if Some(*id) == h.case_id => (*id, now),
                    _ => return Err(AppError::new(
                        ErrorCode::MessageRefused,
                        "message_malformed: a message about a case names the case in its header",
                    )
                    .with_zh("消息不予接收：办件消息须在消息头中注明办件")),
                };
            let step = plan_case_message(
                &m.reference,
                from,
                (h.kind, h.id, sha),
                &env.body,
                now.1.as_ref(),
                m.now,
            )?;
            if step.case.id != case_id {
                return Err(AppError::new(
                    ErrorCode::MessageRefused,
                    "message_malformed: the case in the body is not the one in the header",
                )
                .with_zh("消息不予接收：消息体中的办件与消息头不符"));
            }
            now.1 = Some(step.case.clone());
            st.effects.push(Effect::Case(Box::new(step)));
            return Ok(());
        }
        let kind = kind_code(env);
        let event = NewEvent {
            stream: format!("inbox:{}", h.sender),
            at_ms: m.now,
            actor: format!("node:{}", h.sender),
            role: "node",
            action: format!("message_{kind}"),
            before: "{}".into(),
            after: serde_json::json!({
                "id": h.id, "kind": kind, "case_id": h.case_id, "case_seq": h.case_seq,
                "envelope_sha256": sha,
            })
            .to_string(),
        };
        st.effects.push(match h.kind {
            Kind::Statistics => {
                let f = crate::stats::read_node_figures(from, &env.body)?;
                Effect::Figures(Box::new(f), event)
            }
            Kind::LicenceRevoked => {
                let held = match (&st.case, h.case_id) {
                    (Some((id, now)), Some(c)) if *id == c => now.1.as_ref(),
                    (_, Some(c)) => self.cases.get(&c).and_then(|n| n.1.as_ref()),
                    _ => None,
                };
                let r = crate::handoff::plan_revocation(from, h.case_id, &env.body, held)?;
                if !self.holds_licence(&r, st) {
                    return Err(AppError::not_found(format!(
                        "licence {} of case {}, for its revocation",
                        r.number, r.case_id
                    ))
                    .with_zh(format!("办件 {} 的证照 {}（吊销）", r.case_id, r.number)));
                }
                let audit = NewEvent {
                    stream: format!("case:{}", r.case_id),
                    at_ms: m.now,
                    actor: format!("node:{}", h.sender),
                    role: "node",
                    action: "revoke_licence".into(),
                    before: "{\"revoked\":false}".into(),
                    after: crate::handoff::revocation_after(&r.number, &r.reason),
                };
                let notice = held.and_then(|c| {
                    crate::notices::revocation_notice(&m.reference, c, &r.reason, m.now)
                });
                Effect::Revoked(Box::new((r, audit, notice)), event)
            }
            _ => Effect::Event(event),
        });
        Ok(())
    }

    /// Whether the licence a revocation names is here: stored, or brought by a message
    /// applied before it in this batch or in this step.
    fn holds_licence(&self, r: &crate::handoff::Revocation, st: &Step) -> bool {
        let is_it = |id: Uuid, number: &str| id == r.licence_id && number == r.number;
        let mut stored = self.licences_held.get(&r.case_id).into_iter().flatten();
        let in_step = st.effects.iter().filter_map(|e| match e {
            Effect::Case(s) => s.licence.as_ref(),
            _ => None,
        });
        stored.any(|(id, n)| is_it(*id, n))
            || self
                .licences
                .iter()
                .chain(in_step)
                .any(|l| is_it(l.id, &l.number))
    }

    /// Keeps what an applied step changes.
    fn keep(&mut self, m: &Incoming, stream: Option<Key>, st: Step) {
        for (key, new, r) in st.released {
            match (new, self.new_at.get(&key)) {
                (true, Some(&i)) => {
                    self.new[i].applied_ms = Some(m.now);
                    self.new[i].receipt = r.clone();
                }
                _ => self
                    .applied_held
                    .push((key.0.clone(), key.1.clone(), m.now, r.clone())),
            }
            if let Some(held) = self.held.get_mut(&key) {
                held.1 = r;
            }
        }
        if let (Some(k), Some(s)) = (stream, m.env.header.case_seq) {
            let last = s as i64 + st.applied.len() as i64 - 1;
            if let Some(q) = self.waiting.get_mut(&k) {
                q.retain(|seq, _| *seq > last);
            }
            self.done.insert(k.clone(), last);
            self.moved.insert(k, last);
        }
        if let Some((id, now)) = st.case {
            if !self.touched.contains(&id) {
                self.touched.push(id);
            }
            self.cases.insert(id, now);
        }
        for e in st.effects {
            match e {
                Effect::Case(step) => {
                    let step = *step;
                    let kind = corridor_domain::case::Action::parse(step.action)
                        .filter(|_| !step.quiet)
                        .and_then(|a| corridor_domain::notice::notice_for(a, step.case.status));
                    let amount: Option<corridor_domain::amount::Computed> = step
                        .amount
                        .as_ref()
                        .and_then(|a| serde_json::from_str(&a.computed).ok());
                    self.notices.extend(kind.and_then(|k| {
                        crate::notices::new_notice(
                            &m.reference,
                            &step.case,
                            k,
                            m.now,
                            amount.as_ref(),
                        )
                    }));
                    self.amounts.extend(step.amount);
                    self.files.extend(step.files);
                    self.checks.extend(step.checks);
                    self.licences.extend(step.licence);
                    self.events.push(NewEvent {
                        stream: format!("case:{}", step.case.id),
                        at_ms: m.now,
                        actor: step.actor,
                        role: "node",
                        action: step.action.to_string(),
                        before: step.before,
                        after: step.after,
                    });
                }
                Effect::Event(e) => self.events.push(e),
                Effect::Figures(f, e) => {
                    self.figures.push((m.env.header.sender.clone(), *f, m.now));
                    self.events.push(e);
                }
                Effect::Revoked(r, e) => {
                    self.revocations.push(*r);
                    self.events.push(e);
                }
            }
        }
    }

    /// Writes what the batch changed, in a few statements.
    async fn write(self, tx: &mut WriteTx) -> AppResult<()> {
        Store::inbox_insert_many(tx, &self.new).await?;
        for (sender, id, at, r) in &self.applied_held {
            Store::inbox_applied(tx, sender, id, *at, r).await?;
        }
        let moved: Vec<(String, String, i64)> = self
            .moved
            .into_iter()
            .map(|((s, c), seq)| (s, c, seq))
            .collect();
        Store::set_inbox_streams(tx, &moved).await?;
        let (mut inserts, mut updates) = (Vec::new(), Vec::new());
        for id in &self.touched {
            match self.cases.get(id) {
                Some((None, Some(c))) => inserts.push(c.clone()),
                Some((Some(was), Some(c))) => updates.push((c, *was)),
                _ => {}
            }
        }
        for (c, was) in updates {
            // A message moves a case between states, never to another authority.
            if !Store::update_case(tx, c, (was, &c.competent_authority)).await? {
                return Err(
                    AppError::new(ErrorCode::Conflict, "the case changed meanwhile")
                        .with_zh("办件已被更新"),
                );
            }
        }
        Store::insert_cases(tx, &inserts).await?;
        if !self.files.is_empty() {
            Store::insert_new_attachments(tx, &self.files).await?;
        }
        if !self.checks.is_empty() {
            Store::upsert_material_checks(tx, &self.checks).await?;
        }
        for l in &self.licences {
            Store::insert_licence(tx, l).await?;
        }
        for a in &self.amounts {
            Store::put_case_amount(tx, a).await?;
        }
        // A copy already revoked (or not here) changes nothing and records nothing more than
        // the message itself.
        let (mut events, mut notices) = (self.events, self.notices);
        for (r, audit, notice) in self.revocations {
            let at = audit.at_ms;
            let of = (r.licence_id, r.case_id);
            if Store::revoke_licence(tx, of, at, &r.reason).await? {
                events.push(audit);
                notices.extend(notice);
            }
        }
        append_events(tx, &events).await?;
        for (sender, f, now) in &self.figures {
            Store::put_node_figures(tx, sender, f, *now).await?;
        }
        Store::insert_notices(tx, &notices).await?;
        Ok(())
    }
}
