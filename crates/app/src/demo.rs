//! Deterministic demo data: users for every role in several cities, and a year of synthetic
//! cases across cities, matters and every state. The same seed and the same "today" give the
//! same data. Names are fictional; no real company or person appears.

use crate::error::{AppError, AppResult, ErrorCode};
use crate::writer::{snapshot, snapshot_diff};
use crate::App;
use corridor_domain::audit::{AuditEvent, Entry, GENESIS};
use corridor_domain::calendar::Calendar;
use corridor_domain::case::{transition, Action, LegalClock, Role, Status};
use corridor_domain::catalogue::{FieldType, Matter, ServiceMode};
use corridor_domain::clock::CST;
use corridor_domain::ids::{ResidentId, Uscc};
use corridor_store::{date_str, CaseRecord};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use time::{Date, Duration};
use uuid::Uuid;

mod accounts;
use accounts::demo_accounts;
pub use accounts::demo_resident_id;
mod joint;
pub use joint::{attach_required, transfer_filing};
mod samples;
pub use samples::issue_sample_licence;
mod synth;
#[allow(unused_imports)]
use synth::*;

/// The password of every demo account (printed at start).
pub const DEMO_PASSWORD: &str = "corridor-demo";

#[derive(Debug, Clone)]
pub struct DemoUser {
    pub username: String,
    pub role: Role,
    pub scope: String,
}

#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub users: Vec<DemoUser>,
    pub cases: usize,
    pub events: usize,
    /// Joint filings made through the application (their parts are not in `cases`).
    pub joint: usize,
}

/// The contact person named in the sample filings of the benchmarks, the load generator and
/// the tests; the demo account `ent.340100` belongs to this (fictional) person.
pub const SAMPLE_FILER_ID: &str = "11010519491231002X";

/// The (fictional) enterprise of the sample filing, whose contact person is
/// [`SAMPLE_FILER_ID`]; the demo issues it a business licence.
pub const SAMPLE_FIRM_USCC: &str = "91340100MA2TQ8K5XE";
pub const SAMPLE_FIRM_NAME: &str = "合肥启明新材料有限公司";

/// Valid, fictional form data for `matter`, filed in `city` on `filed` (deterministic from
/// `seed`): what the demo's cases carry, and what the catalogue walk files every matter with.
pub fn sample_form(
    matter: &corridor_domain::catalogue::Matter,
    city: &str,
    filed: time::Date,
    seed: u64,
) -> std::collections::BTreeMap<String, serde_json::Value> {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    synth::form_for(&mut rng, matter, city, filed)
}

/// Creates the demo accounts (once) and `n` cases (only into a store without cases).
pub async fn seed(app: &Arc<App>, n: usize, seed: u64) -> AppResult<DemoSummary> {
    seed_city(app, n, seed, None).await
}

/// [`seed`] for one city's node: its own staff, and cases received and decided in the city
/// (cases between cities travel as messages between the nodes). With `None`, every city.
pub async fn seed_city(
    app: &Arc<App>,
    n: usize,
    seed: u64,
    city: Option<&str>,
) -> AppResult<DemoSummary> {
    // A node of no member city (the joint office's) gets accounts only.
    let n = match city {
        Some(c) if !app.reference().jurisdiction(c).is_some_and(|j| j.member) => 0,
        _ => n,
    };
    let accounts = demo_accounts(app, city);
    let mut users = Vec::new();
    let mut ids: HashMap<String, Uuid> = HashMap::new();
    // Every demo account has the same password: hashed once (see `create_account_hashed`).
    let mut hashed: Option<String> = None;
    for a in &accounts {
        let existing = app.store.user_by_name(&a.username).await?;
        let id = match existing {
            Some(u) => {
                // A store made before accounts were bound to a person: bind the demo ones.
                if let (Some(rid), None) = (&a.resident_id, &u.resident_id) {
                    let mut tx = app.store.begin_write().await?;
                    corridor_store::Store::set_resident_id(&mut tx, u.id, rid).await?;
                    tx.commit().await?;
                }
                u.id
            }
            None => {
                let h = match &hashed {
                    Some(h) => h.clone(),
                    None => hashed
                        .insert(app.hash_new_password(DEMO_PASSWORD).await?)
                        .clone(),
                };
                app.create_account_hashed(a, None, Some(h)).await?.id
            }
        };
        ids.insert(a.username.clone(), id);
        users.push(DemoUser {
            username: a.username.clone(),
            role: a.role,
            scope: a
                .window_id
                .clone()
                .or(a.authority_id.clone())
                .or(a.city.clone())
                .unwrap_or_else(|| "all".into()),
        });
    }
    let (_, existing) = app
        .store
        .list_cases(&corridor_store::CaseFilter::default(), 1, 0)
        .await?;
    if existing.n > 0 || n == 0 {
        return Ok(DemoSummary {
            users,
            cases: 0,
            events: 0,
            joint: 0,
        });
    }
    // Licences: each issuing authority has a key in service from the start of the demo year.
    let mut keys = HashMap::new();
    if app.has_master_key() {
        let start = (app.today() - Duration::days(370))
            .midnight()
            .assume_offset(CST)
            .unix_timestamp();
        let r = app.reference();
        for a in crate::keys::issuing_authorities(&r, None) {
            let k = match app.store.active_key(&a.id).await? {
                Some(k) if k.private_enc.is_some() && k.not_before <= start => {
                    app.signing_key(&a.id).await?
                }
                _ => app.put_key_in_service(&a.id, start).await?,
            };
            keys.insert(a.id.clone(), k);
        }
        tracing::info!(authorities = keys.len(), "signing keys in service");
    }
    // Generation (one blocking thread) and writing (this task) overlap: chunks of cases with
    // their events and licences pass through a short channel, so memory stays bounded at any
    // size and both cores work.
    let t = std::time::Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Chunk>(2);
    let gen_app = app.clone();
    let corridor_wide = city.is_none();
    let city = city.map(str::to_string);
    let generator = tokio::task::spawn_blocking(move || {
        let scope = (seed, city.as_deref());
        generate(&gen_app, n, scope, &ids, &keys, CHUNK, |c| {
            tx.blocking_send(c).is_ok()
        })
    });
    let (mut cases, mut events) = (0usize, 0usize);
    let mut write_time = std::time::Duration::ZERO;
    // The store has no cases: the load may defer the case indexes and statistics triggers.
    let mut bulk = app.store.bulk(true).await?;
    while let Some(chunk) = rx.recv().await {
        let w = std::time::Instant::now();
        write_chunk(&mut bulk, &chunk).await?;
        write_time += w.elapsed();
        cases += chunk.cases.len();
        events += chunk.events.len();
        if cases % 1_000_000 < CHUNK {
            tracing::info!(
                cases,
                events,
                secs = t.elapsed().as_secs(),
                "demo data progress"
            );
        }
    }
    tracing::info!(
        cases,
        secs = t.elapsed().as_secs(),
        "all cases written; rebuilding the deferred indexes and statistics"
    );
    let w = std::time::Instant::now();
    bulk.finish().await?;
    let finish_time = w.elapsed();
    let generate_time = generator.await.map_err(|e| {
        AppError::new(ErrorCode::Internal, format!("demo generator failed: {e}"))
            .with_zh(format!("演示数据生成失败：{e}"))
    })?;
    let files = samples::attach_samples(app, 2000).await?;
    // Joint filings on the corridor-wide server (a city's node files none: see `file_joint`).
    let joint = if corridor_wide {
        let n = joint::seed_joint(app).await?;
        // Their statistics rows folded as the load's were (PostgreSQL keeps deltas).
        app.store.compact_stats().await?;
        n
    } else {
        0
    };
    tracing::info!(
        cases,
        events,
        files,
        joint,
        generate_ms = generate_time.as_millis() as u64,
        write_ms = write_time.as_millis() as u64,
        index_ms = finish_time.as_millis() as u64,
        total_ms = t.elapsed().as_millis() as u64,
        "demo data written"
    );
    Ok(DemoSummary {
        users,
        cases,
        events,
        joint,
    })
}

/// Generates cases with their full event chains by walking the domain state machine, handing
/// them to `sink` in chunks of `chunk` cases (in filing order); stops early when `sink` says
/// so. Returns the time spent generating (not waiting for the sink).
fn generate(
    app: &App,
    n: usize,
    (seed, city): (u64, Option<&str>),
    ids: &HashMap<String, Uuid>,
    keys: &HashMap<String, (String, corridor_licence::SigningKey)>,
    chunk: usize,
    mut sink: impl FnMut(Chunk) -> bool,
) -> std::time::Duration {
    let started = std::time::Instant::now();
    let mut waited = std::time::Duration::ZERO;
    let r = app.reference();
    let cal = &r.calendar;
    let today = app.today();
    let now_ms = app.now_ms();
    let mut rng = StdRng::seed_from_u64(seed);
    let members: Vec<&str> = r
        .jurisdictions
        .iter()
        .filter(|j| j.member && city.is_none_or(|c| c == j.code.as_str()))
        .map(|j| j.code.as_str())
        .collect();
    let windows: Vec<_> = r
        .windows
        .values()
        .filter(|w| city.is_none_or(|c| c == w.city.as_str()))
        .collect();
    let matters = &r.current;
    let mut filed: Vec<(Date, i64)> = (0..n)
        .map(|_| {
            let d = next_working(cal, today - Duration::days(rng.gen_range(0..365)));
            let d = if d > today { today } else { d };
            (d, rng.gen_range(9 * 3600..17 * 3600) * 1000)
        })
        .collect();
    filed.sort();
    let mut counters: HashMap<(String, Date), i64> = HashMap::new();
    let new_chunk = || Chunk {
        cases: Vec::with_capacity(chunk),
        events: Vec::with_capacity(chunk * 7),
        licences: Vec::new(),
        amounts: Vec::new(),
    };
    let mut out = new_chunk();
    let applicants: Vec<(&str, Uuid)> =
        ["ent.340100", "ent.320500", "person.330400", "person.340200"]
            .iter()
            .filter_map(|u| ids.get(*u).map(|id| (*u, *id)))
            .collect();
    for (day, tod) in filed {
        let m = pick(&mut rng, matters);
        let mode = *pick(&mut rng, &m.modes);
        let comp = *pick(&mut rng, &members);
        let window = (mode == ServiceMode::RemoteReceipt).then(|| {
            // Mostly received in another city: that is what the any-window service is for.
            let w = pick(&mut rng, &windows);
            w.id.clone()
        });
        let receiving_city = window
            .as_ref()
            .and_then(|w| r.windows.get(w))
            .map_or(comp.to_string(), |w| w.city.to_string());
        let applicant_user = if window.is_none() || rng.gen_bool(0.3) {
            let want_ent =
                m.applicant_kind == corridor_domain::catalogue::ApplicantKind::Enterprise;
            applicants
                .iter()
                .filter(|(u, _)| u.starts_with("ent.") == want_ent)
                .nth(rng.gen_range(0..2))
                .map(|a| a.1)
        } else {
            None
        };
        let form = form_for(&mut rng, m, comp, day);
        let text = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| form.get(*k).and_then(Value::as_str).map(str::to_string))
        };
        // Today's filings are made before now, not later in the working day.
        let filed_ms =
            ((day.midnight().assume_offset(CST).unix_timestamp() * 1000) + tod).min(now_ms);
        let seq = counters.entry((receiving_city.clone(), day)).or_insert(0);
        *seq += 1;
        let authority = corridor_domain::catalogue::Authority::id_for(comp, &m.authority_kind);
        let clerk = window
            .as_ref()
            .and_then(|w| r.windows.get(w))
            .and_then(|w| ids.get(&format!("clerk.{}", w.city)).copied());
        let reviewer = ids
            .get(&format!("reviewer.{comp}.{}", m.authority_kind))
            .copied();
        let mut c = CaseRecord {
            id: det_uuid(&mut rng, filed_ms),
            receipt_no: format!(
                "{receiving_city}-{}-{:06}",
                date_str(day).replace('-', ""),
                seq
            ),
            matter_code: m.code.clone(),
            catalogue_version: r.version,
            mode,
            status: Status::Submitted,
            applicant_user,
            applicant_name: text(&["applicant_name", "enterprise_name"])
                .unwrap_or_else(|| person_name(&mut rng)),
            applicant_id_no: text(&["applicant_id", "contact_id"]),
            applicant_uscc: text(&["applicant_uscc"]),
            applicant_phone: text(&["applicant_phone", "contact_phone"]),
            receiving_city,
            receiving_window: window.clone(),
            competent_city: comp.to_string(),
            competent_authority: authority,
            form: serde_json::to_string(&form).unwrap_or_default(),
            filed_ms,
            updated_ms: filed_ms,
            filed_on: day,
            clock: LegalClock::new(m.statutory_days, m.promised_days),
            reason: None,
        };
        // The planned path, each step a number of working days after the previous one.
        let has_licence = m.output.licence_type.is_some();
        let mut plan: Vec<(Action, u32, Option<&str>)> = Vec::new();
        if window.is_some() {
            plan.push((Action::Receive, 0, None));
            plan.push((Action::Forward, rng.gen_range(0..=1), None));
        }
        let roll: f64 = rng.gen();
        if roll < 0.03 {
            plan.push((
                Action::Refuse,
                1,
                Some("不属于本机关职权范围 / Not within this authority's competence"),
            ));
        } else if roll < 0.05 {
            plan.push((Action::Withdraw, rng.gen_range(0..=2), None));
        } else {
            plan.push((Action::Accept, rng.gen_range(0..=1), None));
            if rng.gen_bool(0.15) {
                plan.push((
                    Action::RequestCorrection,
                    rng.gen_range(0..=2),
                    Some("请补正材料 / Please supply the missing materials"),
                ));
                plan.push((Action::Resubmit, rng.gen_range(1..=5), None));
            }
            // Most decide within the promised limit, a few run late.
            let limit = if rng.gen_bool(0.05) {
                m.statutory_days + 3
            } else {
                m.promised_days.max(1)
            };
            let d = rng.gen_range(0..=limit);
            if rng.gen_bool(0.92) {
                plan.push((Action::Approve, d, None));
                if has_licence {
                    plan.push((Action::IssueLicence, rng.gen_range(0..=1), None));
                }
                plan.push((Action::Deliver, rng.gen_range(0..=3), None));
            } else {
                plan.push((
                    Action::Reject,
                    d,
                    Some("不符合法定条件 / Statutory conditions not met"),
                ));
            }
        }
        let stream = format!("case:{}", c.id);
        let mut prev = GENESIS.to_string();
        let mut seqn = 1i64;
        let mut last: Option<Value> = None;
        let mut push = |c: &CaseRecord,
                        action: &str,
                        (licence, amount): (
            Option<&corridor_store::LicenceRecord>,
            Option<&corridor_store::CaseAmountRecord>,
        ),
                        actor: Option<Uuid>,
                        role: &str,
                        at: i64,
                        rng: &mut StdRng| {
            let snap = snapshot(c);
            let (before, mut after) = match &last {
                None => ("{}".to_string(), snap.to_string()),
                Some(l) => snapshot_diff(l, &snap),
            };
            last = Some(snap);
            after = crate::handoff::event_after(after, licence, None, amount);
            let actor = actor.map_or_else(|| "demo".to_string(), |u| u.to_string());
            let entry = Entry {
                actor: &actor,
                role,
                action,
                before,
                after,
            };
            let head = (seqn - 1, std::mem::take(&mut prev));
            let e = AuditEvent::follow(det_uuid(rng, at).to_string(), &stream, head, at, entry);
            prev = e.hash.clone();
            seqn += 1;
            out.events.push(e);
        };
        let actor_submit = applicant_user.or(clerk);
        push(
            &c,
            "submit",
            (None, None),
            actor_submit,
            if applicant_user.is_some() {
                "applicant"
            } else {
                "clerk"
            },
            filed_ms,
            &mut rng,
        );
        let mut at_day = day;
        let mut at_ms = filed_ms;
        let mut amount: Option<corridor_store::CaseAmountRecord> = None;
        for (action, after_days, reason) in plan {
            let d = cal.add_working_days(at_day, after_days);
            if d > today {
                break;
            }
            let Ok(next) = transition(c.status, action, c.receiving_window.is_some(), has_licence)
            else {
                break;
            };
            // A window forwards the same day within 5 to 90 minutes (from the case id, so the
            // rest of the demo stays as it was).
            let later = match action {
                Action::Forward => ((c.id.as_u128() % 86) as i64 + 5) * 60_000,
                _ => 600_000,
            };
            let step_ms = if d == at_day {
                at_ms + later
            } else {
                d.midnight().assume_offset(CST).unix_timestamp() * 1000
                    + rng.gen_range(9 * 3600..17 * 3600) * 1000
            };
            if step_ms > now_ms {
                // Later today: it has not happened yet (a licence must not be issued in the
                // future).
                break;
            }
            at_ms = step_ms;
            c.status = next;
            c.clock.apply(action, d, at_ms, cal);
            if let Some(reason) = reason {
                c.reason = Some(reason.to_string());
            }
            c.updated_ms = at_ms;
            at_day = d;
            let (actor, role) = match action {
                Action::Receive | Action::Forward => (clerk, "clerk"),
                Action::Deliver if c.receiving_window.is_some() => (clerk, "clerk"),
                Action::Resubmit | Action::Withdraw => (
                    applicant_user.or(clerk),
                    if applicant_user.is_some() {
                        "applicant"
                    } else {
                        "clerk"
                    },
                ),
                _ => (reviewer, "reviewer"),
            };
            // An approval of a rule-computed matter records its amount, as a real one does.
            if action == Action::Approve {
                amount = app
                    .compute_amount(&r, &c, m)
                    .ok()
                    .flatten()
                    .map(|a| App::amount_record(&c, &a, at_ms));
            }
            let licence = match action {
                Action::IssueLicence => keys.get(&c.competent_authority).and_then(|(kid, sk)| {
                    app.sign_licence(&c, kid, sk, at_ms, amount.as_ref()).ok()
                }),
                _ => None,
            };
            let decided = amount.as_ref().filter(|_| action == Action::Approve);
            push(
                &c,
                action.as_str(),
                (licence.as_ref(), decided),
                actor,
                role,
                at_ms,
                &mut rng,
            );
            out.licences.extend(licence);
        }
        out.amounts.extend(amount);
        out.cases.push(c);
        if out.cases.len() == chunk {
            let w = std::time::Instant::now();
            let go_on = sink(std::mem::replace(&mut out, new_chunk()));
            waited += w.elapsed();
            if !go_on {
                return started.elapsed() - waited;
            }
        }
    }
    if !out.cases.is_empty() {
        let w = std::time::Instant::now();
        sink(out);
        waited += w.elapsed();
    }
    started.elapsed() - waited
}

/// Writes one chunk in one transaction: cases, their events and chain heads, their licences,
/// and the receipt numbers they used (so that a load cut short leaves no receipt number
/// that a new filing could be given again).
async fn write_chunk(bulk: &mut corridor_store::Bulk, chunk: &Chunk) -> AppResult<()> {
    use corridor_store::{event_vals, tables::table, Part, Val, HEAD_UPSERT, RECEIPT_UPSERT};
    let mut per_day: BTreeMap<(&str, String), i64> = BTreeMap::new();
    for c in &chunk.cases {
        *per_day
            .entry((c.receiving_city.as_str(), date_str(c.filed_on)))
            .or_default() += 1;
    }
    let receipts = per_day
        .into_iter()
        .map(|((city, day), n)| vec![Val::t(city), Val::t(&day), Val::i(n)])
        .collect();
    let mut heads: Vec<Vec<Val>> = Vec::with_capacity(chunk.cases.len());
    for e in &chunk.events {
        match heads.last_mut() {
            Some(h) if matches!(&h[0], Val::Text(Some(s)) if *s == e.stream) => {
                h[1] = Val::i(e.seq);
                h[2] = Val::t(&e.hash);
            }
            _ => heads.push(vec![Val::t(&e.stream), Val::i(e.seq), Val::t(&e.hash)]),
        }
    }
    let part = |name: &str, rows: Vec<Vec<Val>>, upsert: Option<&'static str>| {
        table(name)
            .map(|table| Part {
                table,
                rows,
                upsert,
            })
            .ok_or_else(|| {
                AppError::new(ErrorCode::Internal, format!("no table {name}"))
                    .with_zh(format!("没有数据表 {name}"))
            })
    };
    bulk.write(vec![
        part(
            "cases",
            chunk.cases.iter().map(CaseRecord::to_vals).collect(),
            None,
        )?,
        part(
            "audit_events",
            chunk.events.iter().map(event_vals).collect(),
            None,
        )?,
        part("audit_heads", heads, Some(HEAD_UPSERT))?,
        part(
            "licences",
            chunk.licences.iter().map(|l| l.to_vals()).collect(),
            None,
        )?,
        part("receipt_counters", receipts, Some(RECEIPT_UPSERT))?,
        part(
            "case_amounts",
            chunk.amounts.iter().map(|a| a.to_vals()).collect(),
            None,
        )?,
    ])
    .await?;
    Ok(())
}
