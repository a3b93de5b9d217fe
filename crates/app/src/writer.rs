//! The single writer: every write of the application (filings, case actions, sessions and
//! the other writes as [`Apply`] closures) goes through one task that commits many to one
//! transaction (group commit): each caller is answered only after its write is durably on
//! disk, and concurrent writes share one fsync.

use crate::error::{AppError, AppResult, ErrorCode};
use crate::App;
use corridor_domain::audit::{AuditEvent, Entry, GENESIS};
use corridor_domain::case::Status;
use corridor_store::{date_str, CaseRecord, LicenceRecord, Store};
use serde_json::Value;
use std::collections::HashMap;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

pub(crate) struct IntakeJob {
    pub(crate) case: CaseRecord,
    pub(crate) actor: String,
    pub(crate) role: &'static str,
    /// Statuses the case passes through at filing (submitted, then received for a clerk).
    pub(crate) steps: Vec<(&'static str, Status)>,
    /// Whom the clerk saw (clerk filings).
    pub(crate) identity: Option<corridor_store::IdentityCheck>,
    /// The reference the applicant's "received" notice is written from (none: no notice),
    /// once the receipt number is known.
    pub(crate) notice: Option<std::sync::Arc<crate::reference::Reference>>,
    /// Files handed in with the filing, stored already: recorded with the case.
    pub(crate) files: Vec<crate::materials::KeptFile>,
    pub(crate) reply: oneshot::Sender<AppResult<CaseRecord>>,
}

/// An action on a case, decided and checked by [`App::act`], waiting to be committed.
pub(crate) struct ActJob {
    /// The case as it will be after the action.
    pub(crate) case: CaseRecord,
    /// The status and competent authority it must still have (else somebody acted
    /// meanwhile).
    pub(crate) was: (Status, String),
    pub(crate) licence: Option<LicenceRecord>,
    pub(crate) actor: String,
    pub(crate) role: &'static str,
    pub(crate) action: &'static str,
    pub(crate) before: String,
    pub(crate) after: String,
    /// Whom the clerk saw (receive).
    pub(crate) identity: Option<corridor_store::IdentityCheck>,
    /// The message to the case's other node, when another node holds it (`crate::handoff`):
    /// sealed into the outbox with the change.
    pub(crate) outgoing: Option<crate::handoff::Outgoing>,
    /// What the applicant is told of the action, if anything.
    pub(crate) notice: Option<corridor_store::NewNotice>,
    /// The amount an approval recorded.
    pub(crate) amount: Option<corridor_store::CaseAmountRecord>,
    /// The joint filing the case is a part of, which the action may end.
    pub(crate) joint: Option<crate::joint::JointChange>,
    pub(crate) reply: oneshot::Sender<AppResult<()>>,
}

/// A new sign-in session (its token's hash).
pub(crate) struct SessionJob {
    pub token_hash: String,
    pub user: Uuid,
    pub created_ms: i64,
    pub expires_ms: i64,
    /// A new hash of the password just verified, to replace one made with older parameters.
    pub rehash: Option<String>,
    pub reply: oneshot::Sender<AppResult<()>>,
}

/// A write of its own (a match moved along a pipeline, a need posted or edited), run in the
/// writer's transaction inside a savepoint: its error undoes its changes alone and is its
/// answer alone. It may run twice (the second time alone, should the batch fail), so it is
/// `Fn`.
pub(crate) type Apply = Box<
    dyn for<'c> Fn(
            &'c mut corridor_store::WriteTx,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = AppResult<()>> + Send + 'c>,
        > + Send
        + Sync,
>;

pub(crate) struct ApplyJob {
    pub(crate) apply: Apply,
    pub(crate) reply: oneshot::Sender<AppResult<()>>,
}

/// What the single writer commits: filings, case actions, sign-in sessions and other writes,
/// many to a transaction.
pub(crate) enum WriteJob {
    File(Box<IntakeJob>),
    /// A joint filing with its parts.
    Joint(Box<crate::joint::JointJob>),
    Act(Box<ActJob>),
    Session(Box<SessionJob>),
    Apply(Box<ApplyJob>),
    /// A message from another node, for the inbox.
    Receive(Box<crate::inbox::ReceiveJob>),
    /// A bid, sealed commitment or reveal on an auction lot.
    Bid(Box<crate::auctions::bidding::BidJob>),
    /// A stored file's record for a case's material.
    Attach(Box<crate::materials::AttachJob>),
}

impl WriteJob {
    pub(crate) fn apply(apply: Apply, reply: oneshot::Sender<AppResult<()>>) -> WriteJob {
        WriteJob::Apply(Box::new(ApplyJob { apply, reply }))
    }
}

/// One batch of the single writer, by kind.
#[derive(Default)]
pub(crate) struct Batch {
    jobs: Vec<IntakeJob>,
    joints: Vec<crate::joint::JointJob>,
    acts: Vec<ActJob>,
    sessions: Vec<SessionJob>,
    applies: Vec<ApplyJob>,
    receives: Vec<crate::inbox::ReceiveJob>,
    bids: Vec<crate::auctions::bidding::BidJob>,
    attaches: Vec<crate::materials::AttachJob>,
}

impl Batch {
    fn len(&self) -> usize {
        self.jobs.len()
            + self.joints.len()
            + self.acts.len()
            + self.sessions.len()
            + self.applies.len()
            + self.receives.len()
            + self.bids.len()
            + self.attaches.len()
    }

    fn push(&mut self, j: WriteJob) {
        match j {
            WriteJob::File(f) => self.jobs.push(*f),
            WriteJob::Joint(j) => self.joints.push(*j),
            WriteJob::Act(a) => self.acts.push(*a),
            WriteJob::Session(s) => self.sessions.push(*s),
            WriteJob::Apply(a) => self.applies.push(*a),
            WriteJob::Receive(r) => self.receives.push(*r),
            WriteJob::Bid(b) => self.bids.push(*b),
            WriteJob::Attach(a) => self.attaches.push(*a),
        }
    }

    /// Each job as a batch of its own.
    fn split(self) -> Vec<Batch> {
        let one = |j: WriteJob| {
            let mut b = Batch::default();
            b.push(j);
            b
        };
        let mut out = Vec::with_capacity(self.len());
        out.extend(
            self.sessions
                .into_iter()
                .map(|s| one(WriteJob::Session(Box::new(s)))),
        );
        out.extend(
            self.jobs
                .into_iter()
                .map(|j| one(WriteJob::File(Box::new(j)))),
        );
        out.extend(
            self.joints
                .into_iter()
                .map(|j| one(WriteJob::Joint(Box::new(j)))),
        );
        out.extend(
            self.acts
                .into_iter()
                .map(|a| one(WriteJob::Act(Box::new(a)))),
        );
        out.extend(
            self.applies
                .into_iter()
                .map(|a| one(WriteJob::Apply(Box::new(a)))),
        );
        out.extend(
            self.receives
                .into_iter()
                .map(|r| one(WriteJob::Receive(Box::new(r)))),
        );
        out.extend(
            self.bids
                .into_iter()
                .map(|b| one(WriteJob::Bid(Box::new(b)))),
        );
        out.extend(
            self.attaches
                .into_iter()
                .map(|a| one(WriteJob::Attach(Box::new(a)))),
        );
        out
    }

    /// Answers every job of a committed batch.
    fn answer(self, o: Outcomes) {
        answer(self.jobs, self.acts, o.applied);
        for j in self.joints {
            let _ = j
                .reply
                .send(Ok(j.parts.into_iter().map(|p| p.case).collect()));
        }
        for s in self.sessions {
            let _ = s.reply.send(Ok(()));
        }
        for (a, r) in self.applies.into_iter().zip(o.results) {
            let _ = a.reply.send(r);
        }
        for (m, r) in self.receives.into_iter().zip(o.received) {
            let _ = m.reply.send(r);
        }
        for (b, r) in self.bids.into_iter().zip(o.bids) {
            b.answer(r);
        }
        for (a, r) in self.attaches.into_iter().zip(o.attached) {
            let _ = a.reply.send(r);
        }
    }

    /// Answers every job of a batch that could not be stored.
    fn fail(self) {
        for j in self.jobs {
            let _ = j.reply.send(Err(not_stored()));
        }
        for a in self.acts {
            let _ = a.reply.send(Err(not_stored()));
        }
        for j in self.joints {
            let _ = j.reply.send(Err(not_stored()));
        }
        for s in self.sessions {
            let _ = s.reply.send(Err(not_stored()));
        }
        for a in self.applies {
            let _ = a.reply.send(Err(not_stored()));
        }
        for m in self.receives {
            let _ = m.reply.send(Err(not_stored()));
        }
        for b in self.bids {
            b.answer(Err(not_stored()));
        }
        for a in self.attaches {
            let _ = a.reply.send(Err(not_stored()));
        }
    }
}

/// What a committed batch answers besides the filings: for each action whether it applied
/// (false: the case had changed meanwhile), each other write's own result, each message's.
#[derive(Default)]
pub(crate) struct Outcomes {
    applied: Vec<bool>,
    results: Vec<AppResult<()>>,
    received: Vec<AppResult<crate::exchange::Received>>,
    bids: Vec<AppResult<crate::auctions::Placed>>,
    attached: Vec<AppResult<()>>,
}

/// Builds the one transaction of a batch: the sessions, the filings, the actions, the other
/// writes (each in a savepoint), then the messages received.
async fn commit_batch(store: &Store, b: &mut Batch) -> AppResult<Outcomes> {
    let Batch {
        jobs,
        joints,
        acts,
        sessions,
        applies,
        receives,
        bids,
        attaches,
    } = b;
    let mut tx = store.begin_write().await?;
    for s in sessions {
        Store::insert_session(&mut tx, &s.token_hash, s.user, s.created_ms, s.expires_ms).await?;
        if let Some(h) = &s.rehash {
            Store::set_password_hash(&mut tx, s.user, h).await?;
        }
    }
    store_intakes(&mut tx, jobs).await?;
    for j in joints.iter_mut() {
        store_intakes(&mut tx, &mut j.parts).await?;
        Store::insert_joint(&mut tx, &j.record, &crate::joint::part_rows(j)).await?;
    }
    let mut applied = Vec::with_capacity(acts.len());
    let mut ended = Vec::new();
    for a in acts.iter() {
        let ok = Store::update_case(&mut tx, &a.case, (a.was.0, &a.was.1)).await?;
        if ok {
            if let Some(l) = &a.licence {
                Store::insert_licence(&mut tx, l).await?;
            }
            if let Some(c) = &a.identity {
                Store::insert_identity_checks(&mut tx, std::slice::from_ref(c)).await?;
            }
            if let Some(m) = &a.amount {
                Store::put_case_amount(&mut tx, m).await?;
            }
            if let Some(j) = &a.joint {
                ended.extend(crate::joint::store_change(&mut tx, j).await?);
            }
        }
        applied.push(ok);
    }
    // The messages of the applied actions to the cases' other nodes, sealed together.
    let outgoing: Vec<crate::outbox::Enqueue<'_>> = acts
        .iter()
        .zip(&applied)
        .filter(|(_, ok)| **ok)
        .filter_map(|(a, _)| {
            a.outgoing.as_ref().map(|o| crate::outbox::Enqueue {
                me: &o.me,
                recipient: &o.recipient,
                kind: o.kind,
                case: Some(o.case),
                body: &o.body,
                now: a.case.updated_ms,
            })
        })
        .collect();
    if !outgoing.is_empty() {
        crate::outbox::enqueue_many(&mut tx, &outgoing).await?;
    }
    // The applied actions' audit events, chained in one go.
    let events: Vec<NewEvent> = acts
        .iter()
        .zip(&applied)
        .filter(|(_, ok)| **ok)
        .map(|(a, _)| NewEvent {
            stream: format!("case:{}", a.case.id),
            at_ms: a.case.updated_ms,
            actor: a.actor.clone(),
            role: a.role,
            action: a.action.to_string(),
            before: a.before.clone(),
            after: a.after.clone(),
        })
        .chain(ended)
        .collect();
    append_events(&mut tx, &events).await?;
    let notices: Vec<_> = acts
        .iter()
        .zip(&applied)
        .filter(|(_, ok)| **ok)
        .filter_map(|(a, _)| a.notice.clone())
        .collect();
    Store::insert_notices(&mut tx, &notices).await?;
    let mut results = Vec::with_capacity(applies.len());
    for a in applies.iter() {
        results.push(tx.savepoint(|t| (a.apply)(t)).await?);
    }
    let received = if receives.is_empty() {
        Vec::new()
    } else {
        let msgs: Vec<&crate::inbox::Incoming> = receives.iter().map(|r| &r.msg).collect();
        crate::inbox::receive_batch(&mut tx, &msgs).await?
    };
    let bids = if bids.is_empty() {
        Vec::new()
    } else {
        crate::auctions::bidding::bid_batch(&mut tx, bids).await?
    };
    let attached = if attaches.is_empty() {
        Vec::new()
    } else {
        crate::materials::attach_batch(&mut tx, attaches).await?
    };
    tx.commit().await?;
    Ok(Outcomes {
        applied,
        results,
        received,
        bids,
        attached,
    })
}

/// The filings of a batch (or a joint filing's parts): receipt numbers by receiving city and
/// day, the cases, their identity checks, audit chains and "received" notices.
async fn store_intakes(tx: &mut corridor_store::WriteTx, jobs: &mut [IntakeJob]) -> AppResult<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    let mut groups: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (i, j) in jobs.iter().enumerate() {
        groups
            .entry((j.case.receiving_city.clone(), date_str(j.case.filed_on)))
            .or_default()
            .push(i);
    }
    for ((city, day), idx) in &groups {
        let first = Store::reserve_receipt_seqs(tx, city, day, idx.len() as i64).await?;
        for (k, i) in idx.iter().enumerate() {
            jobs[*i].case.receipt_no =
                format!("{city}-{}-{:06}", day.replace('-', ""), first + k as i64);
        }
    }
    let mut events = Vec::new();
    let mut heads = Vec::new();
    for j in jobs.iter_mut() {
        let stream = format!("case:{}", j.case.id);
        let mut prev = GENESIS.to_string();
        let mut last: Option<Value> = None;
        for (seq, (action, status)) in j.steps.iter().enumerate() {
            let mut c = j.case.clone();
            c.status = *status;
            let snap = snapshot(&c);
            let (before, after) = match &last {
                None => ("{}".to_string(), snap.to_string()),
                Some(l) => snapshot_diff(l, &snap),
            };
            last = Some(snap);
            let entry = Entry {
                actor: &j.actor,
                role: j.role,
                action,
                before,
                after,
            };
            let head = (seq as i64, prev);
            let e = AuditEvent::follow(
                Uuid::now_v7().to_string(),
                &stream,
                head,
                j.case.filed_ms,
                entry,
            );
            prev = e.hash.clone();
            events.push(e);
        }
        // The files handed in with the filing follow in the case's chain.
        let mut seq = j.steps.len() as i64;
        for f in &j.files {
            let n = f.event();
            let entry = Entry {
                actor: &n.actor,
                role: n.role,
                action: &n.action,
                before: n.before,
                after: n.after,
            };
            let e = AuditEvent::follow(
                Uuid::now_v7().to_string(),
                &stream,
                (seq, prev),
                n.at_ms,
                entry,
            );
            (seq, prev) = (e.seq, e.hash.clone());
            events.push(e);
        }
        heads.push((stream, seq, prev));
    }
    if !jobs.is_empty() {
        let cases: Vec<CaseRecord> = jobs.iter().map(|j| j.case.clone()).collect();
        Store::insert_cases(tx, &cases).await?;
        let checks: Vec<_> = jobs
            .iter()
            .filter_map(|j| {
                j.identity.clone().map(|mut c| {
                    c.case_id = j.case.id;
                    c
                })
            })
            .collect();
        Store::insert_identity_checks(tx, &checks).await?;
        let files: Vec<_> = jobs.iter().flat_map(|j| &j.files).collect();
        if !files.is_empty() {
            let records: Vec<_> = files.iter().map(|f| f.record.clone()).collect();
            let marks: Vec<_> = files.iter().filter_map(|f| f.received.clone()).collect();
            Store::insert_attachments(tx, &records).await?;
            Store::mark_received(tx, &marks).await?;
        }
        Store::insert_events(tx, &events).await?;
        Store::put_heads(tx, &heads).await?;
        let notices: Vec<_> = jobs
            .iter()
            .filter_map(|j| {
                let r = j.notice.as_ref()?;
                let kind = corridor_domain::notice::notice_at_filing(
                    j.case.status,
                    j.case.receiving_window.is_some(),
                )?;
                crate::notices::new_notice(r, &j.case, kind, j.case.filed_ms, None)
            })
            .collect();
        Store::insert_notices(tx, &notices).await?;
    }
    Ok(())
}

/// An audit event to append to its stream, with others, by [`append_events`].
pub(crate) struct NewEvent {
    pub(crate) stream: String,
    pub(crate) at_ms: i64,
    pub(crate) actor: String,
    pub(crate) role: &'static str,
    pub(crate) action: String,
    pub(crate) before: String,
    pub(crate) after: String,
}

/// Appends one event of a record that is not a case (a listing, a reserve, a project): no role
/// and no "before" state, `after` what it records.
pub(crate) async fn append_one(
    tx: &mut corridor_store::WriteTx,
    stream: String,
    at_ms: i64,
    actor: &str,
    action: &str,
    after: &serde_json::Value,
) -> AppResult<()> {
    let e = NewEvent {
        stream,
        at_ms,
        actor: actor.to_string(),
        role: "",
        action: action.to_string(),
        before: "{}".into(),
        after: after.to_string(),
    };
    append_events(tx, std::slice::from_ref(&e)).await
}

/// Appends events to their streams (in order, several to one stream too): every stream head
/// in one query, the events chained in memory, then written in one statement and the heads in
/// another, instead of four statements an event.
pub(crate) async fn append_events(
    tx: &mut corridor_store::WriteTx,
    events: &[NewEvent],
) -> AppResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let streams: Vec<String> = events
        .iter()
        .map(|e| e.stream.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut heads = Store::lock_heads(tx, &streams).await?;
    let mut sealed = Vec::with_capacity(events.len());
    for e in events {
        let (seq, prev) = heads
            .get(&e.stream)
            .cloned()
            .unwrap_or((0, GENESIS.to_string()));
        let entry = Entry {
            actor: &e.actor,
            role: e.role,
            action: &e.action,
            before: e.before.clone(),
            after: e.after.clone(),
        };
        let id = Uuid::now_v7().to_string();
        let ev = AuditEvent::follow(id, &e.stream, (seq, prev), e.at_ms, entry);
        heads.insert(e.stream.clone(), (ev.seq, ev.hash.clone()));
        sealed.push(ev);
    }
    Store::insert_events(tx, &sealed).await?;
    let moved: Vec<(String, i64, String)> = streams
        .into_iter()
        .filter_map(|st| heads.remove(&st).map(|(seq, h)| (st, seq, h)))
        .collect();
    Store::put_heads(tx, &moved).await?;
    Ok(())
}

pub(crate) fn answer(jobs: Vec<IntakeJob>, acts: Vec<ActJob>, applied: Vec<bool>) {
    for j in jobs {
        let _ = j.reply.send(Ok(j.case));
    }
    for (a, ok) in acts.into_iter().zip(applied) {
        let _ = a.reply.send(if ok {
            Ok(())
        } else {
            Err(AppError::new(
                ErrorCode::Conflict,
                "the case changed meanwhile; reload and try again",
            )
            .with_zh("办件已被他人更新，请刷新后重试"))
        });
    }
}

pub(crate) fn not_stored() -> AppError {
    AppError::new(
        ErrorCode::Internal,
        "the change could not be stored; nothing was kept, please retry",
    )
    .with_zh("更改未能保存，未留下任何数据，请重试")
}

/// The single writer: takes every filing and action waiting in the queue and commits them in
/// one transaction (one fsync for all). Should that transaction fail, each job is tried in a
/// transaction of its own, so one bad job cannot fail the others.
pub(crate) async fn intake_writer(store: Store, mut rx: mpsc::Receiver<WriteJob>) {
    while let Some(first) = rx.recv().await {
        let mut b = Batch::default();
        b.push(first);
        while b.len() < 512 {
            match rx.try_recv() {
                Ok(j) => b.push(j),
                Err(_) => break,
            }
        }
        commit_and_answer(&store, b).await;
    }
}

/// Commits a batch and answers its jobs; should it fail, each job alone.
async fn commit_and_answer(store: &Store, mut b: Batch) {
    match commit_batch(store, &mut b).await {
        Ok(o) => b.answer(o),
        Err(e) if b.len() == 1 => {
            tracing::error!(error = %e, "write failed");
            b.fail();
        }
        Err(e) => {
            tracing::warn!(error = %e, filings = b.jobs.len(), actions = b.acts.len(), sessions = b.sessions.len(), others = b.applies.len(), messages = b.receives.len(), bids = b.bids.len(), "batch failed; committing one by one");
            for mut one in b.split() {
                match commit_batch(store, &mut one).await {
                    Ok(o) => one.answer(o),
                    Err(e) => {
                        tracing::error!(error = %e, "write failed");
                        one.fail();
                    }
                }
            }
        }
    }
}

impl App {
    /// Hands a job to the single writer and waits for its answer (after the commit).
    pub(crate) async fn to_writer<T>(
        &self,
        job: impl FnOnce(oneshot::Sender<AppResult<T>>) -> WriteJob,
    ) -> AppResult<T> {
        let shut = || {
            AppError::new(ErrorCode::Internal, "the writer is shut down").with_zh("写入任务已关闭")
        };
        let (tx, rx) = oneshot::channel();
        self.intake.send(job(tx)).await.map_err(|_| shut())?;
        rx.await.map_err(|_| shut())?
    }

    /// Runs `apply` in the single writer's next transaction (see [`Apply`]) and answers after
    /// the commit. On SQLite every write then takes the one writer's turn instead of waiting
    /// for the database lock in the busy handler.
    pub(crate) async fn write(&self, apply: Apply) -> AppResult<()> {
        self.to_writer(|reply| WriteJob::apply(apply, reply)).await
    }
}

/// The non-personal state recorded in audit events.
pub fn snapshot(c: &CaseRecord) -> Value {
    serde_json::json!({
        "status": c.status.as_str(),
        "receipt_no": c.receipt_no,
        "matter": c.matter_code,
        "catalogue_version": c.catalogue_version,
        "mode": c.mode.as_str(),
        "receiving_city": c.receiving_city,
        "receiving_window": c.receiving_window,
        "competent_authority": c.competent_authority,
        "accepted_on": c.clock.accepted_on.map(date_str),
        "paused_days": c.clock.paused_days,
        "paused_since": c.clock.paused_since.map(date_str),
        "deadline": c.clock.deadline.map(date_str),
        "decided_on": c.clock.decided_on.map(date_str),
        "reason": c.reason,
    })
}

/// The fields that changed between two snapshots: `(before, after)` as JSON text. Audit events
/// record these; the first event of a case records the whole snapshot.
pub fn snapshot_diff(before: &Value, after: &Value) -> (String, String) {
    let (mut b, mut a) = (serde_json::Map::new(), serde_json::Map::new());
    if let (Some(bo), Some(ao)) = (before.as_object(), after.as_object()) {
        for (k, av) in ao {
            let bv = bo.get(k).unwrap_or(&Value::Null);
            if bv != av {
                b.insert(k.clone(), bv.clone());
                a.insert(k.clone(), av.clone());
            }
        }
    }
    (Value::Object(b).to_string(), Value::Object(a).to_string())
}
