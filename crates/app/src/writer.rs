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
    pub(crate) reply: oneshot::Sender<AppResult<CaseRecord>>,
}

/// An action on a case, decided and checked by [`App::act`], waiting to be committed.
pub(crate) struct ActJob {
    /// The case as it will be after the action.
    pub(crate) case: CaseRecord,
    /// The status it must still have (else somebody acted meanwhile).
    pub(crate) was: Status,
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
    Act(Box<ActJob>),
    Session(Box<SessionJob>),
    Apply(Box<ApplyJob>),
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
    acts: Vec<ActJob>,
    sessions: Vec<SessionJob>,
    applies: Vec<ApplyJob>,
}

impl Batch {
    fn len(&self) -> usize {
        self.jobs.len() + self.acts.len() + self.sessions.len() + self.applies.len()
    }
}

/// What a committed batch answers besides the filings: for each action whether it applied
/// (false: the case had changed meanwhile), and each other write's own result.
pub(crate) type Outcomes = (Vec<bool>, Vec<AppResult<()>>);

/// Builds the one transaction of a batch: the sessions, the filings, the actions, then the
/// other writes, each in a savepoint.
pub(crate) async fn commit_batch(
    store: &Store,
    jobs: &mut [IntakeJob],
    acts: &[ActJob],
    sessions: &[SessionJob],
    applies: &[ApplyJob],
) -> AppResult<Outcomes> {
    let mut tx = store.begin_write().await?;
    for s in sessions {
        Store::insert_session(&mut tx, &s.token_hash, s.user, s.created_ms, s.expires_ms).await?;
        if let Some(h) = &s.rehash {
            Store::set_password_hash(&mut tx, s.user, h).await?;
        }
    }
    let mut groups: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (i, j) in jobs.iter().enumerate() {
        groups
            .entry((j.case.receiving_city.clone(), date_str(j.case.filed_on)))
            .or_default()
            .push(i);
    }
    for ((city, day), idx) in &groups {
        let first = Store::reserve_receipt_seqs(&mut tx, city, day, idx.len() as i64).await?;
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
        heads.push((stream, j.steps.len() as i64, prev));
    }
    if !jobs.is_empty() {
        let cases: Vec<CaseRecord> = jobs.iter().map(|j| j.case.clone()).collect();
        Store::insert_cases(&mut tx, &cases).await?;
        let checks: Vec<_> = jobs
            .iter()
            .filter_map(|j| {
                j.identity.clone().map(|mut c| {
                    c.case_id = j.case.id;
                    c
                })
            })
            .collect();
        Store::insert_identity_checks(&mut tx, &checks).await?;
        Store::insert_events(&mut tx, &events).await?;
        Store::put_heads(&mut tx, &heads).await?;
    }
    let mut applied = Vec::with_capacity(acts.len());
    for a in acts {
        let ok = Store::update_case(&mut tx, &a.case, a.was).await?;
        if ok {
            if let Some(l) = &a.licence {
                Store::insert_licence(&mut tx, l).await?;
            }
            if let Some(c) = &a.identity {
                Store::insert_identity_checks(&mut tx, std::slice::from_ref(c)).await?;
            }
            if let Some(o) = &a.outgoing {
                crate::outbox::enqueue_in(
                    &mut tx,
                    &o.me,
                    (&o.recipient, o.kind, Some(o.case)),
                    &o.body,
                    a.case.updated_ms,
                )
                .await?;
            }
        }
        applied.push(ok);
    }
    // The applied actions' audit events: every stream head in one query, the events chained
    // in memory (in order, several to one case too), then written in one statement and the
    // heads in another, instead of four statements per action.
    let done: Vec<&ActJob> = acts
        .iter()
        .zip(&applied)
        .filter(|(_, ok)| **ok)
        .map(|(a, _)| a)
        .collect();
    if !done.is_empty() {
        let streams: Vec<String> = done
            .iter()
            .map(|a| format!("case:{}", a.case.id))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut heads = Store::lock_heads(&mut tx, &streams).await?;
        let mut events = Vec::with_capacity(done.len());
        for a in done {
            let stream = format!("case:{}", a.case.id);
            let (seq, prev) = heads
                .get(&stream)
                .cloned()
                .unwrap_or((0, GENESIS.to_string()));
            let entry = Entry {
                actor: &a.actor,
                role: a.role,
                action: a.action,
                before: a.before.clone(),
                after: a.after.clone(),
            };
            let id = Uuid::now_v7().to_string();
            let e = AuditEvent::follow(id, &stream, (seq, prev), a.case.updated_ms, entry);
            heads.insert(stream, (e.seq, e.hash.clone()));
            events.push(e);
        }
        Store::insert_events(&mut tx, &events).await?;
        let moved: Vec<(String, i64, String)> = streams
            .into_iter()
            .filter_map(|st| heads.remove(&st).map(|(seq, h)| (st, seq, h)))
            .collect();
        Store::put_heads(&mut tx, &moved).await?;
    }
    let mut results = Vec::with_capacity(applies.len());
    for a in applies {
        results.push(tx.savepoint(|t| (a.apply)(t)).await?);
    }
    tx.commit().await?;
    Ok((applied, results))
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
        let mut next = Some(first);
        while let Some(j) = next.take() {
            match j {
                WriteJob::File(f) => b.jobs.push(*f),
                WriteJob::Act(a) => b.acts.push(*a),
                WriteJob::Session(s) => b.sessions.push(*s),
                WriteJob::Apply(a) => b.applies.push(*a),
            }
            if b.len() < 512 {
                next = rx.try_recv().ok();
            }
        }
        let Batch {
            mut jobs,
            acts,
            sessions,
            applies,
        } = b;
        match commit_batch(&store, &mut jobs, &acts, &sessions, &applies).await {
            Ok((applied, results)) => {
                answer(jobs, acts, applied);
                for s in sessions {
                    let _ = s.reply.send(Ok(()));
                }
                for (a, r) in applies.into_iter().zip(results) {
                    let _ = a.reply.send(r);
                }
            }
            Err(e) if jobs.len() + acts.len() + sessions.len() + applies.len() == 1 => {
                tracing::error!(error = %e, "write failed");
                for j in jobs {
                    let _ = j.reply.send(Err(not_stored()));
                }
                for a in acts {
                    let _ = a.reply.send(Err(not_stored()));
                }
                for s in sessions {
                    let _ = s.reply.send(Err(not_stored()));
                }
                for a in applies {
                    let _ = a.reply.send(Err(not_stored()));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, filings = jobs.len(), actions = acts.len(), sessions = sessions.len(), others = applies.len(), "batch failed; committing one by one");
                for s in sessions {
                    let r = commit_batch(&store, &mut [], &[], std::slice::from_ref(&s), &[]).await;
                    if let Err(e) = &r {
                        tracing::error!(error = %e, "session failed");
                    }
                    let _ = s.reply.send(r.map(|_| ()).map_err(|_| not_stored()));
                }
                for mut j in jobs {
                    match commit_batch(&store, std::slice::from_mut(&mut j), &[], &[], &[]).await {
                        Ok(_) => answer(vec![j], vec![], vec![]),
                        Err(e) => {
                            tracing::error!(error = %e, "filing failed");
                            let _ = j.reply.send(Err(not_stored()));
                        }
                    }
                }
                for a in acts {
                    match commit_batch(&store, &mut [], std::slice::from_ref(&a), &[], &[]).await {
                        Ok((applied, _)) => answer(vec![], vec![a], applied),
                        Err(e) => {
                            tracing::error!(error = %e, "action failed");
                            let _ = a.reply.send(Err(not_stored()));
                        }
                    }
                }
                for a in applies {
                    let r = commit_batch(&store, &mut [], &[], &[], std::slice::from_ref(&a)).await;
                    let r = match r {
                        Ok((_, mut results)) => results.pop().unwrap_or_else(|| Err(not_stored())),
                        Err(e) => {
                            tracing::error!(error = %e, "write failed");
                            Err(not_stored())
                        }
                    };
                    let _ = a.reply.send(r);
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
