//! Corridor statistics for the joint office: no personal data, only counts.

use crate::error::{AppError, AppResult};
use crate::App;
use corridor_domain::case::Principal;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupStat {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub total: i64,
    pub decided: i64,
    pub on_time: i64,
    /// On-time share of decided cases (null when none were decided).
    pub on_time_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Statistics {
    pub total: i64,
    pub by_receiving_city: Vec<GroupStat>,
    pub by_competent_city: Vec<GroupStat>,
    /// Top matters by volume.
    pub by_matter: Vec<GroupStat>,
    pub by_status: Vec<GroupStat>,
    pub cross_province: i64,
    pub cross_province_share: Option<f64>,
    pub decided: i64,
    pub on_time_rate: Option<f64>,
    /// Median working days from acceptance to decision (pauses excluded).
    pub median_days_to_decision: Option<f64>,
    /// Cases per filing month and receiving city, oldest month first.
    pub by_month: Vec<MonthStat>,
    /// Of decided cases with a promised limit, the share decided within it.
    pub promised_on_time_rate: Option<f64>,
    /// Statutory and promised time limits by deciding city.
    pub limits_by_city: Vec<LimitStat>,
    /// The same by matter (the most decided first, as many as `by_matter` lists).
    pub limits_by_matter: Vec<LimitStat>,
    /// How long the windows of each receiving city take to forward a case to the deciding city.
    pub forwarding: Vec<ForwardStat>,
    /// Median minutes from receipt to forwarding, every window.
    pub median_forward_minutes: Option<f64>,
    /// When these figures were computed (RFC 3339, UTC). They are recomputed at most every
    /// 10 seconds, so they can be that much (and one computation) old.
    pub computed_at: String,
}

/// Time limits of one deciding city or matter: decided cases, on time against the statutory
/// limit and against the corridor's promised one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LimitStat {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub decided: i64,
    pub on_time: i64,
    pub on_time_rate: Option<f64>,
    /// Decided cases that had a promised limit (those filed before promises were tracked had
    /// none).
    pub promised: i64,
    pub promise_kept: i64,
    pub promised_on_time_rate: Option<f64>,
}

/// A receiving city's windows: how long from receiving a case to forwarding it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ForwardStat {
    pub city: String,
    pub name_zh: String,
    pub name_en: String,
    pub forwarded: i64,
    /// Minutes (bucketed: exact below an hour, quarter hours below a day, then hours).
    pub median_minutes: Option<f64>,
    pub p90_minutes: Option<i64>,
    /// Forwarded within an hour of receipt.
    pub within_hour: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthStat {
    /// Filing month, YYYY-MM (China Standard Time).
    pub month: String,
    /// Receiving city (GB/T 2260 code).
    pub city: String,
    pub name_zh: String,
    pub name_en: String,
    pub total: i64,
    /// Of those, filed in another province than the competent city's.
    pub cross_province: i64,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Only cases filed in this month or later (YYYY-MM, China Standard Time).
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub since: Option<String>,
    /// How many matters to list (default 20).
    #[param(minimum = 1, maximum = 500)]
    pub top: Option<usize>,
}

fn rate(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| ((a as f64 / b as f64) * 10000.0).round() / 10000.0)
}

/// `YYYY-MM` with a real month.
pub(crate) fn parse_month(m: &str) -> AppResult<String> {
    let ok = m.len() == 7
        && m.as_bytes()[4] == b'-'
        && m[..4].bytes().all(|b| b.is_ascii_digit())
        && matches!(m[5..].parse::<u8>(), Ok(1..=12));
    if ok {
        Ok(m.to_string())
    } else {
        Err(
            AppError::bad("since is a month, YYYY-MM (for example 2026-01)")
                .with_zh("since 须为月份，格式 YYYY-MM（例如 2026-01）"),
        )
    }
}

/// Median of a histogram `(value, count)`.
pub fn median(hist: &[(i64, i64)]) -> Option<f64> {
    let n: i64 = hist.iter().map(|h| h.1).sum();
    if n == 0 {
        return None;
    }
    let at = |k: i64| -> i64 {
        let mut seen = 0;
        for (v, c) in hist {
            seen += c;
            if seen > k {
                return *v;
            }
        }
        hist.last().map_or(0, |h| h.0)
    };
    Some(if n % 2 == 1 {
        at(n / 2) as f64
    } else {
        (at(n / 2 - 1) + at(n / 2)) as f64 / 2.0
    })
}

/// The value below which `p` (0–1) of a histogram `(value, count)` lies (nearest rank).
pub fn percentile(hist: &[(i64, i64)], p: f64) -> Option<i64> {
    let n: i64 = hist.iter().map(|h| h.1).sum();
    if n == 0 {
        return None;
    }
    let rank = ((p * n as f64).ceil() as i64).clamp(1, n);
    let mut seen = 0;
    hist.iter()
        .find(|(_, c)| {
            seen += c;
            seen >= rank
        })
        .map(|h| h.0)
}

/// How many matters the joint office's page lists.
pub const DASHBOARD_TOP: usize = 12;

/// How old computed statistics may be before a request starts computing them again.
pub const STATS_TTL_MS: i64 = 10_000;

type StatsKey = (Option<String>, Option<usize>);

/// Computed statistics per query, so a busy dashboard costs one computation per TTL, not one
/// per view. Only the first request for a query waits for its computation: once figures are
/// older than [`STATS_TTL_MS`], a request is answered with them (their `computed_at` says how
/// old they are) and starts one computation in the background, which replaces them.
#[derive(Default)]
pub struct StatsCache {
    entries: std::sync::Mutex<std::collections::HashMap<StatsKey, (i64, Statistics)>>,
    /// Queries being computed again in the background.
    refreshing: std::sync::Mutex<std::collections::HashSet<StatsKey>>,
    /// One computation at a time (they fold PostgreSQL's delta rows first, and a burst of
    /// first requests should cost one scan, not one each).
    computing: tokio::sync::Mutex<()>,
}

impl StatsCache {
    fn get(&self, key: &StatsKey) -> Option<(i64, Statistics)> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    fn put(&self, key: StatsKey, at: i64, s: Statistics) {
        if let Ok(mut e) = self.entries.lock() {
            e.insert(key, (at, s));
        }
    }

    /// Marks `key` as being refreshed; false if it already is.
    fn start_refresh(&self, key: &StatsKey) -> bool {
        self.refreshing
            .lock()
            .map(|mut r| r.insert(key.clone()))
            .unwrap_or(false)
    }

    fn end_refresh(&self, key: &StatsKey) {
        if let Ok(mut r) = self.refreshing.lock() {
            r.remove(key);
        }
    }
}

impl App {
    pub async fn statistics(
        self: &Arc<Self>,
        p: &Principal,
        q: &StatsQuery,
    ) -> AppResult<Statistics> {
        if !p.sees_corridor_figures() {
            return Err(AppError::forbidden(
                "statistics are for the joint office and administrators",
            )
            .with_zh("统计数据只向联席办和系统管理员提供"));
        }
        let key: StatsKey = (q.since.clone(), q.top);
        if let Some((at, s)) = self.stats_cache.get(&key) {
            if self.now_ms() - at >= STATS_TTL_MS && self.stats_cache.start_refresh(&key) {
                let (app, q) = (self.clone(), q.clone());
                tokio::spawn(async move {
                    let _one = app.stats_cache.computing.lock().await;
                    let at = app.now_ms();
                    match app.compute_statistics(&q).await {
                        Ok(s) => app.stats_cache.put(key.clone(), at, s),
                        Err(e) => tracing::warn!(error = %e, "statistics not refreshed"),
                    }
                    app.stats_cache.end_refresh(&key);
                });
            }
            return Ok(s);
        }
        self.compute_once(key, q).await
    }

    /// Computes the statistics the API and the joint office's page ask for by default, so the
    /// first request after a start is answered from memory like the rest. The server runs this
    /// once as it starts.
    pub async fn warm_statistics(&self) -> AppResult<()> {
        for top in [None, Some(DASHBOARD_TOP)] {
            self.compute_once((None, top), &StatsQuery { since: None, top })
                .await?;
        }
        Ok(())
    }

    /// Figures not computed yet: one computation at a time; a caller that waited for another
    /// takes its result.
    async fn compute_once(&self, key: StatsKey, q: &StatsQuery) -> AppResult<Statistics> {
        let _one = self.stats_cache.computing.lock().await;
        if let Some((_, s)) = self.stats_cache.get(&key) {
            return Ok(s);
        }
        let at = self.now_ms();
        let s = self.compute_statistics(q).await?;
        self.stats_cache.put(key, at, s.clone());
        Ok(s)
    }

    async fn compute_statistics(&self, q: &StatsQuery) -> AppResult<Statistics> {
        let since = match &q.since {
            None => "0000-00".to_string(),
            Some(m) => parse_month(m)?,
        };
        self.store.compact_stats().await?;
        let r = self.reference();
        let city_name = |k: &str| {
            r.jurisdiction(k)
                .map(|j| (j.name_zh.clone(), j.name_en.clone()))
                .unwrap_or_default()
        };
        let to_stats = |rows: Vec<corridor_store::GroupCount>,
                        name: &dyn Fn(&str) -> (String, String)| {
            rows.into_iter()
                .map(|g| {
                    let (zh, en) = name(&g.key);
                    GroupStat {
                        on_time_rate: rate(g.on_time, g.decided),
                        key: g.key,
                        name_zh: zh,
                        name_en: en,
                        total: g.total,
                        decided: g.decided,
                        on_time: g.on_time,
                    }
                })
                .collect::<Vec<_>>()
        };
        let by_recv = to_stats(
            self.store.case_counts_by("receiving_city", &since).await?,
            &city_name,
        );
        let by_comp = to_stats(
            self.store.case_counts_by("competent_city", &since).await?,
            &city_name,
        );
        let matter_name = |k: &str| {
            r.current_matter(k)
                .map(|m| (m.name_zh.clone(), m.name_en.clone()))
                .unwrap_or_default()
        };
        let mut by_matter = to_stats(
            self.store.case_counts_by("matter_code", &since).await?,
            &matter_name,
        );
        by_matter.truncate(q.top.unwrap_or(20).min(500));
        let status_name = |k: &str| {
            corridor_domain::case::Status::parse(k)
                .map(|s| (s.label_zh().to_string(), s.as_str().replace('_', " ")))
                .unwrap_or_default()
        };
        let by_status = to_stats(
            self.store.case_counts_by("status", &since).await?,
            &status_name,
        );
        let (total, cross) = self.store.cross_province_count(&since).await?;
        let decided: i64 = by_recv.iter().map(|g| g.decided).sum();
        let on_time: i64 = by_recv.iter().map(|g| g.on_time).sum();
        let hist = self.store.decision_days_histogram(&since).await?;
        let by_month = self
            .store
            .cases_per_month("receiving_city", &since)
            .await?
            .into_iter()
            .map(|(month, city, total, cross_province)| {
                let (name_zh, name_en) = city_name(&city);
                MonthStat {
                    month,
                    city,
                    name_zh,
                    name_en,
                    total,
                    cross_province,
                }
            })
            .collect();
        let to_limits = |rows: Vec<corridor_store::LimitCount>,
                         name: &dyn Fn(&str) -> (String, String)| {
            rows.into_iter()
                .map(|g| {
                    let (name_zh, name_en) = name(&g.key);
                    LimitStat {
                        on_time_rate: rate(g.on_time, g.decided),
                        promised_on_time_rate: rate(g.kept, g.promised),
                        key: g.key,
                        name_zh,
                        name_en,
                        decided: g.decided,
                        on_time: g.on_time,
                        promised: g.promised,
                        promise_kept: g.kept,
                    }
                })
                .collect::<Vec<_>>()
        };
        let limits_by_city = to_limits(
            self.store.limit_counts_by("competent_city", &since).await?,
            &city_name,
        );
        let mut limits_by_matter = to_limits(
            self.store.limit_counts_by("matter_code", &since).await?,
            &matter_name,
        );
        limits_by_matter.truncate(q.top.unwrap_or(20).min(500));
        let (promised, kept) = limits_by_city
            .iter()
            .fold((0, 0), |(p, k), g| (p + g.promised, k + g.promise_kept));
        let fwd = self.store.forward_histogram(&since).await?;
        let mut all: std::collections::BTreeMap<i64, i64> = Default::default();
        let mut forwarding = Vec::new();
        for (city, rows) in fwd.chunk_by(|a, b| a.0 == b.0).map(|g| (&g[0].0, g)) {
            let hist: Vec<(i64, i64)> = rows.iter().map(|r| (r.1, r.2)).collect();
            for (m, n) in &hist {
                *all.entry(*m).or_default() += n;
            }
            let (name_zh, name_en) = city_name(city);
            forwarding.push(ForwardStat {
                city: city.clone(),
                name_zh,
                name_en,
                forwarded: hist.iter().map(|h| h.1).sum(),
                median_minutes: median(&hist),
                p90_minutes: percentile(&hist, 0.9),
                within_hour: hist.iter().filter(|h| h.0 < 60).map(|h| h.1).sum(),
            });
        }
        let all: Vec<(i64, i64)> = all.into_iter().collect();
        Ok(Statistics {
            promised_on_time_rate: rate(kept, promised),
            limits_by_city,
            limits_by_matter,
            forwarding,
            median_forward_minutes: median(&all),
            total,
            by_receiving_city: by_recv,
            by_competent_city: by_comp,
            by_matter,
            by_status,
            cross_province: cross,
            cross_province_share: rate(cross, total),
            decided,
            on_time_rate: rate(on_time, decided),
            median_days_to_decision: median(&hist),
            by_month,
            computed_at: crate::cases::rfc3339(self.now_ms()),
        })
    }
}

/// The joint office's node: the city its entry in the trust list names.
pub const JOINT_OFFICE_CITY: &str = "G60";

/// Reads the counts another node sent: they must be of the sender's own city. (The inbox
/// stores them; a set computed before the one held changes nothing.)
pub(crate) fn read_node_figures(
    (sender, sender_city): (&str, Option<&str>),
    body: &[u8],
) -> AppResult<corridor_store::NodeFigures> {
    let f: corridor_store::NodeFigures = serde_json::from_slice(body).map_err(|e| {
        AppError::new(
            crate::ErrorCode::MessageRefused,
            format!("message_malformed: statistics: {e}"),
        )
        .with_zh("消息不予接收：统计数据格式错误")
    })?;
    if sender_city != Some(f.city.as_str()) {
        return Err(AppError::forbidden(format!(
            "node {sender} sent counts for city {}, not its own",
            f.city
        ))
        .with_zh(format!("节点 {sender} 发送的不是本城市的统计数据")));
    }
    Ok(f)
}

impl App {
    /// Sends this node's counts (the cases it decides) to the joint office's node; `None` when
    /// there is none to send them to (a single node, or the joint office itself).
    pub async fn send_statistics(&self) -> AppResult<Option<uuid::Uuid>> {
        let Some(city) = self.node_city() else {
            return Ok(None);
        };
        let Some(office) = self.held_trust().and_then(|h| {
            h.list
                .nodes
                .iter()
                .find(|n| n.city == JOINT_OFFICE_CITY)
                .map(|n| n.node_id.clone())
        }) else {
            return Ok(None);
        };
        if city == JOINT_OFFICE_CITY {
            return Ok(None);
        }
        let f = self.store.node_figures(&city, self.now_ms()).await?;
        let body = serde_json::to_vec(&f)
            .map_err(|e| AppError::new(crate::ErrorCode::Internal, format!("figures: {e}")))?;
        if body.len() > corridor_exchange::envelope::MAX_ENVELOPE - 4096 {
            return Err(AppError::new(
                crate::ErrorCode::PayloadTooLarge,
                "this node's counts are larger than a message (1 MiB)",
            )
            .with_zh("本节点的统计数据超过单条消息上限（1 MiB）"));
        }
        let id = self
            .send_message(&office, corridor_exchange::Kind::Statistics, None, body)
            .await?;
        Ok(Some(id))
    }

    /// Sends this node's counts to the joint office's node now and every `every`.
    pub fn start_statistics(self: &Arc<Self>, every: std::time::Duration) {
        let app = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                {
                    let Some(app) = app.upgrade() else { return };
                    if let Err(e) = app.send_statistics().await {
                        tracing::warn!(error = %e, "statistics not sent");
                    }
                }
                tokio::time::sleep(every).await;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn median_of_histogram() {
        assert_eq!(super::median(&[]), None);
        assert_eq!(super::median(&[(3, 1)]), Some(3.0));
        assert_eq!(super::median(&[(1, 1), (5, 1)]), Some(3.0));
        assert_eq!(super::median(&[(1, 2), (4, 1)]), Some(1.0));
    }

    #[test]
    fn percentile_of_histogram() {
        use super::percentile;
        assert_eq!(percentile(&[], 0.9), None);
        // Ten values 1..=10: the 90th percentile is 9 (nearest rank), the 100th 10.
        let ten: Vec<(i64, i64)> = (1..=10).map(|v| (v, 1)).collect();
        assert_eq!(percentile(&ten, 0.9), Some(9));
        assert_eq!(percentile(&ten, 1.0), Some(10));
        assert_eq!(percentile(&ten, 0.0), Some(1));
        // Counts weigh: 9 quick hand-offs and one of a day.
        assert_eq!(percentile(&[(5, 9), (1440, 1)], 0.9), Some(5));
        assert_eq!(percentile(&[(5, 8), (1440, 2)], 0.9), Some(1440));
    }

    #[test]
    fn months() {
        assert_eq!(super::parse_month("2026-01").unwrap(), "2026-01");
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "2026-01-01",
            "abcd-01",
            "2026/01",
        ] {
            assert!(super::parse_month(bad).is_err(), "{bad}");
        }
    }
}
