//! Cases filed before promised limits and hand-off times were tracked (migration 0029) given
//! them: the promise of the catalogue version each was filed under, counted from its
//! acceptance with its pauses, and its window's receipt and forwarding times from its audit
//! events. Run once after upgrading (`corridor reference backfill-limits`); running it again
//! changes nothing.

use crate::error::AppResult;
use crate::writer::Apply;
use crate::App;
use corridor_store::{CaseRecord, Store};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// What a backfill did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct BackfillReport {
    /// Cases given their promise (and their window's times where it had them).
    pub cases: u64,
    /// Cases left as they were: their matter is not in the catalogue, or an action changed
    /// them while the backfill ran (run it again).
    pub skipped: u64,
}

/// Cases read and written per transaction.
const BATCH: i64 = 500;

impl App {
    pub async fn backfill_limits(&self) -> AppResult<BackfillReport> {
        let mut report = BackfillReport::default();
        let mut after = None;
        loop {
            let cases = self.store.cases_without_promise(after, BATCH).await?;
            let Some(last) = cases.last() else { break };
            after = Some(last.id);
            let ids: Vec<uuid::Uuid> = cases.iter().map(|c| c.id).collect();
            let mut times: HashMap<(uuid::Uuid, String), i64> = HashMap::new();
            for (id, action, at) in self.store.window_times(&ids).await? {
                times.insert((id, action), at);
            }
            let r = self.reference();
            let mut changed: Vec<(CaseRecord, CaseRecord)> = Vec::new();
            for c in cases {
                let Some(m) = r.matter(&c.matter_code, c.catalogue_version) else {
                    report.skipped += 1;
                    continue;
                };
                let mut n = c.clone();
                n.clock.promise(m.promised_days, &r.calendar);
                let at = |a: &str| times.get(&(c.id, a.to_string())).copied();
                n.clock.received_ms = n.clock.received_ms.or(at("receive"));
                n.clock.forwarded_ms = n.clock.forwarded_ms.or(at("forward"));
                changed.push((c, n));
            }
            let total = changed.len() as u64;
            let written = Arc::new(AtomicU64::new(0));
            let w = written.clone();
            let changed = Arc::new(changed);
            let apply: Apply = Box::new(move |tx| {
                let (changed, w) = (changed.clone(), w.clone());
                Box::pin(async move {
                    // It may run twice (the second time alone): count the last run.
                    w.store(0, Ordering::SeqCst);
                    for (c, n) in changed.iter() {
                        if Store::update_case(tx, n, (c.status, &c.competent_authority)).await? {
                            w.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    Ok(())
                })
            });
            self.write(apply).await?;
            let done = written.load(Ordering::SeqCst);
            report.cases += done;
            report.skipped += total - done;
        }
        // Recorded once per run that changed something (the cases' own chains are about their
        // actions; this is not one).
        if report.cases > 0 {
            let after = serde_json::json!({"cases": report.cases, "skipped": report.skipped});
            let now = self.now_ms();
            self.write(Box::new(move |tx| {
                let after = after.clone();
                Box::pin(async move {
                    Store::append_system_event(tx, "system:cases", now, "backfill_limits", &after)
                        .await?;
                    Ok(())
                })
            }))
            .await?;
        }
        tracing::info!(
            cases = report.cases,
            skipped = report.skipped,
            "promised limits and hand-off times backfilled"
        );
        Ok(report)
    }
}
