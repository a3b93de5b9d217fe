//! The joint office's dashboard: corridor figures as server-drawn SVG charts, each with its
//! numbers in a table beside it. Counts only: nothing on it identifies a person or an
//! enterprise. Reads `App::statistics` (pre-aggregated), like the API.

use crate::SignedIn;
use crate::{deny, Lang, Texts};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use corridor_app::stats::{GroupStat, StatsQuery};
use corridor_app::{App, ErrorCode};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

/// Okabe–Ito colours (distinguishable with colour-vision deficiencies) and a grey.
const PALETTE: [&str; 9] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
    "#999999",
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn pct(r: Option<f64>) -> String {
    r.map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_else(|| "—".into())
}

/// Minutes as a person reads them: below an hour in minutes, then in hours.
fn minutes(lang: Lang, m: Option<f64>) -> String {
    match m {
        None => "—".into(),
        Some(m) if m < 60.0 => lang.of(&format!("{m} 分钟"), &format!("{m} min")),
        Some(m) => {
            let h = format!("{:.1}", m / 60.0);
            lang.of(&format!("{h} 小时"), &format!("{h} h"))
        }
    }
}

/// Horizontal bars: `(label, value, text shown at the bar's end)`, scaled to `max`.
fn hbars(title: &str, rows: &[(String, f64, String)], max: f64) -> String {
    let (w, label_w, bar_h, gap) = (640.0, 230.0, 18.0, 6.0);
    let h = rows.len() as f64 * (bar_h + gap) + 10.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-label=\"{}\">",
        esc(title)
    );
    for (i, (label, v, text)) in rows.iter().enumerate() {
        let y = 5.0 + i as f64 * (bar_h + gap);
        let bw = if max > 0.0 {
            (v / max).clamp(0.0, 1.0) * (w - label_w - 90.0)
        } else {
            0.0
        };
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\">{}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{bw:.1}\" height=\"{bar_h}\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{}\" font-size=\"12\">{}</text>",
            label_w - 6.0,
            y + 13.0,
            esc(label),
            PALETTE[0],
            label_w + bw + 4.0,
            y + 13.0,
            esc(text)
        );
    }
    s.push_str("</svg>");
    s
}

/// Stacked columns per month, one colour per city, with a legend.
fn stacked(title: &str, months: &[String], series: &[(String, Vec<i64>)]) -> String {
    let (w, h, left, bottom, top) = (640.0, 300.0, 50.0, 40.0, 10.0);
    let totals: Vec<i64> = (0..months.len())
        .map(|i| series.iter().map(|s| s.1[i]).sum())
        .collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1) as f64;
    let plot_h = h - bottom - top;
    let col_w = (w - left - 10.0) / months.len().max(1) as f64;
    let legend_h = 18.0 * series.len().div_ceil(3) as f64;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {}\" width=\"100%\" role=\"img\" aria-label=\"{}\">",
        h + legend_h + 6.0,
        esc(title)
    );
    for k in 0..=4 {
        let v = max * k as f64 / 4.0;
        let y = top + plot_h - plot_h * k as f64 / 4.0;
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{w}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"11\">{}</text>",
            left - 4.0,
            y + 4.0,
            v.round()
        );
    }
    for (i, m) in months.iter().enumerate() {
        let x = left + i as f64 * col_w + col_w * 0.1;
        let mut y = top + plot_h;
        for (ci, (_, vals)) in series.iter().enumerate() {
            let bh = vals[i] as f64 / max * plot_h;
            y -= bh;
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{}\"/>",
                col_w * 0.8,
                PALETTE[ci % PALETTE.len()]
            );
        }
        if months.len() <= 13 || i % 2 == 0 {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
                x + col_w * 0.4,
                top + plot_h + 16.0,
                esc(&m[2..])
            );
        }
    }
    for (ci, (name, _)) in series.iter().enumerate() {
        let (lx, ly) = (
            left + (ci % 3) as f64 * 190.0,
            h - 8.0 + (ci / 3) as f64 * 18.0,
        );
        let _ = write!(
            s,
            "<rect x=\"{lx}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>",
            ly,
            PALETTE[ci % PALETTE.len()],
            lx + 16.0,
            ly + 11.0,
            esc(name)
        );
    }
    s.push_str("</svg>");
    s
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    t: &'static Texts,
    l: Lang,
    csrf: String,
    since: String,
    /// When the figures were computed, China Standard Time.
    computed_at: String,
    total: i64,
    cross_share: String,
    on_time: String,
    median_days: String,
    catalogue_version: i64,
    matters: usize,
    chart_month: String,
    chart_cross: String,
    chart_city: String,
    chart_matter_rate: String,
    chart_top: String,
    month_rows: Vec<(String, Vec<i64>, i64)>,
    city_names: Vec<String>,
    city_rows: Vec<(String, i64, i64, String)>,
    matter_rows: Vec<(String, i64, String)>,
    /// Technology achievement auctions: (lots, sold, not sold, value), then by city and by
    /// cluster (name, lots, sold, value).
    auctions: (i64, i64, i64, String),
    auction_rows: Vec<(String, i64, i64, String)>,
    /// Joint-tackling: bottleneck needs solicited, projects started, completed, overdue.
    projects: corridor_app::industry::ProjectCounts,
    finance: corridor_app::industry::FinanceCounts,
    /// Amounts decided by rule: (city, matter, decisions, total yuan).
    amount_rows: Vec<(String, String, i64, String)>,
    /// Joint filings per kind: name, filed, open, overdue, approved, refused, withdrawn.
    joint_rows: Vec<(String, [i64; 6])>,
    /// Decided within the promised limit, share; median minutes a window takes to forward.
    promised_on_time: String,
    median_forward: String,
    /// Time limits by deciding city and by matter: (name, decided, on time statutory,
    /// with a promise, on time promised).
    limit_city_rows: Vec<(String, i64, String, i64, String)>,
    limit_matter_rows: Vec<(String, i64, String, i64, String)>,
    /// Forwarding by receiving city: (name, forwarded, median, 90th percentile, within an hour).
    forward_rows: Vec<(String, i64, String, String, String)>,
}

#[derive(Deserialize, Default)]
pub(crate) struct DashQ {
    since: Option<String>,
}

pub(crate) async fn dashboard(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    Query(q): Query<DashQ>,
) -> Response {
    let lang = cx.lang;
    let t = lang.texts();
    if !p.sees_corridor_figures() {
        return deny(t, lang, ErrorCode::Forbidden);
    }
    let since = q.since.filter(|s| !s.is_empty());
    let sq = StatsQuery {
        since: since.clone(),
        top: Some(corridor_app::stats::DASHBOARD_TOP),
    };
    let st = match app.statistics(&p, &sq).await {
        Ok(s) => s,
        Err(e) => return deny(t, lang, e.code),
    };
    let name = |g: &GroupStat| lang.of(&g.name_zh, &g.name_en);
    // Cases per month by receiving city.
    let mut months: Vec<String> = st.by_month.iter().map(|m| m.month.clone()).collect();
    months.dedup();
    let month_ix: BTreeMap<&str, usize> = months
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let mut cities: Vec<(String, String)> = Vec::new();
    for m in &st.by_month {
        if !cities.iter().any(|c| c.0 == m.city) {
            cities.push((m.city.clone(), lang.of(&m.name_zh, &m.name_en)));
        }
    }
    cities.sort();
    let mut series: Vec<(String, Vec<i64>)> = cities
        .iter()
        .map(|c| (c.1.clone(), vec![0; months.len()]))
        .collect();
    let mut cross = vec![(0i64, 0i64); months.len()];
    for m in &st.by_month {
        let (Some(&i), Some(ci)) = (
            month_ix.get(m.month.as_str()),
            cities.iter().position(|c| c.0 == m.city),
        ) else {
            continue;
        };
        series[ci].1[i] += m.total;
        cross[i].0 += m.cross_province;
        cross[i].1 += m.total;
    }
    let title_month = lang.texts().cases_per_month_by_receiving;
    let chart_month = stacked(title_month, &months, &series);
    let cross_rows: Vec<(String, f64, String)> = months
        .iter()
        .zip(&cross)
        .map(|(m, (c, n))| {
            let r = if *n > 0 { *c as f64 / *n as f64 } else { 0.0 };
            (m.clone(), r, format!("{:.1}%", r * 100.0))
        })
        .collect();
    let chart_cross = hbars(lang.texts().cross_province_share_by_month, &cross_rows, 1.0);
    let city_bars: Vec<(String, f64, String)> = st
        .by_competent_city
        .iter()
        .map(|g| {
            (
                name(g),
                g.on_time_rate.unwrap_or(0.0),
                format!(
                    "{} ({} {})",
                    pct(g.on_time_rate),
                    g.decided,
                    lang.texts().decided
                ),
            )
        })
        .collect();
    let chart_city = hbars(lang.texts().on_time_rate_by_deciding, &city_bars, 1.0);
    let matter_rate: Vec<(String, f64, String)> = st
        .by_matter
        .iter()
        .map(|g| (name(g), g.on_time_rate.unwrap_or(0.0), pct(g.on_time_rate)))
        .collect();
    let chart_matter_rate = hbars(lang.texts().on_time_rate_by_matter, &matter_rate, 1.0);
    let top_max = st.by_matter.iter().map(|g| g.total).max().unwrap_or(0) as f64;
    let top: Vec<(String, f64, String)> = st
        .by_matter
        .iter()
        .map(|g| (name(g), g.total as f64, g.total.to_string()))
        .collect();
    let chart_top = hbars(lang.texts().top_matters_by_volume, &top, top_max);
    let month_rows = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            (
                m.clone(),
                series.iter().map(|s| s.1[i]).collect(),
                cross[i].0,
            )
        })
        .collect();
    let r = app.reference();
    let csrf = cx.csrf();
    let af = app.auction_figures().await.unwrap_or_default();
    let money = |v: i64| crate::auctions::yuan(v);
    let mut auction_rows: Vec<(String, i64, i64, String)> = af
        .by_city
        .iter()
        .map(|(c, v)| {
            let n = r
                .jurisdiction(c)
                .map(|j| lang.of(&j.name_zh, &j.name_en))
                .unwrap_or_else(|| c.clone());
            (n, v.lots, v.sold, money(v.value))
        })
        .collect();
    auction_rows.extend(af.by_cluster.iter().map(|(c, v)| {
        let name = corridor_industry::Cluster::parse(c)
            .map(|x| lang.of(x.name_zh(), &c.replace('_', " ")))
            .unwrap_or_else(|| c.clone());
        (name, v.lots, v.sold, money(v.value))
    }));
    let joint_rows = app
        .joint_figures(&p, since.as_deref())
        .await
        .unwrap_or_default()
        .iter()
        .map(|f| {
            let name = match f.kind {
                Some(corridor_domain::joint::JointKind::Bundle) => {
                    lang.pick("一件事一次办", "several matters in one go")
                }
                _ => lang.pick("多地联办", "multi-site joint handling"),
            };
            let n = [
                f.filed,
                f.open,
                f.overdue,
                f.approved,
                f.refused,
                f.withdrawn,
            ];
            (name.to_string(), n)
        })
        .collect();
    let projects = app.project_counts(&p).await.unwrap_or_default();
    let finance = app.finance_counts(&p).await.unwrap_or_default();
    // The same months as the figures above.
    let amount_rows = app
        .amount_totals(&p, since.as_deref())
        .await
        .unwrap_or_default()
        .iter()
        .map(|a| {
            (
                lang.of(&a.city_zh, &a.city_en),
                lang.of(&a.matter_name_zh, &a.matter_name_en),
                a.decisions,
                corridor_domain::amount::yuan(a.total_fen),
            )
        })
        .collect();
    let limit_rows = |rows: &[corridor_app::stats::LimitStat]| {
        rows.iter()
            .map(|g| {
                (
                    lang.of(&g.name_zh, &g.name_en),
                    g.decided,
                    pct(g.on_time_rate),
                    g.promised,
                    pct(g.promised_on_time_rate),
                )
            })
            .collect()
    };
    let forward_rows = st
        .forwarding
        .iter()
        .map(|f| {
            let share = (f.forwarded > 0).then(|| f.within_hour as f64 / f.forwarded as f64);
            (
                lang.of(&f.name_zh, &f.name_en),
                f.forwarded,
                minutes(lang, f.median_minutes),
                minutes(lang, f.p90_minutes.map(|m| m as f64)),
                pct(share),
            )
        })
        .collect();
    let p = DashboardPage {
        promised_on_time: pct(st.promised_on_time_rate),
        median_forward: minutes(lang, st.median_forward_minutes),
        limit_city_rows: limit_rows(&st.limits_by_city),
        limit_matter_rows: limit_rows(&st.limits_by_matter),
        forward_rows,
        amount_rows,
        joint_rows,
        projects,
        finance,
        auctions: (af.lots, af.sold, af.not_sold, money(af.value)),
        auction_rows,
        t,
        l: lang,
        csrf: csrf.clone(),
        since: since.unwrap_or_default(),
        computed_at: china_time(&st.computed_at),
        total: st.total,
        cross_share: pct(st.cross_province_share),
        on_time: pct(st.on_time_rate),
        median_days: st
            .median_days_to_decision
            .map(|d| format!("{d}"))
            .unwrap_or_else(|| "—".into()),
        catalogue_version: r.version,
        matters: r.current.len(),
        chart_month,
        chart_cross,
        chart_city,
        chart_matter_rate,
        chart_top,
        month_rows,
        city_names: cities.into_iter().map(|c| c.1).collect(),
        city_rows: st
            .by_competent_city
            .iter()
            .map(|g| (name(g), g.total, g.decided, pct(g.on_time_rate)))
            .collect(),
        matter_rows: st
            .by_matter
            .iter()
            .map(|g| (name(g), g.total, pct(g.on_time_rate)))
            .collect(),
    };
    cx.render(&p, StatusCode::OK)
}

/// An RFC 3339 instant as China Standard Time, `YYYY-MM-DD HH:MM:SS`; unparsable input as is.
pub(crate) fn china_time(rfc3339: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::parse(rfc3339, &Rfc3339)
        .ok()
        .and_then(|t| t.to_offset(time::macros::offset!(+8)).format(fmt).ok())
        .unwrap_or_else(|| rfc3339.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn charts_escape_labels_and_scale() {
        let s = super::hbars("t", &[("<a&b>".into(), 5.0, "5".into())], 10.0);
        assert!(s.contains("&lt;a&amp;b&gt;"));
        assert!(!s.contains("<a&b>"));
        let s = super::stacked(
            "m",
            &["2026-01".into(), "2026-02".into()],
            &[("A".into(), vec![1, 2]), ("B".into(), vec![3, 0])],
        );
        assert_eq!(s.matches("<rect").count(), 4 + 2, "bars and legend keys");
    }

    #[test]
    fn china_time_is_utc_plus_8() {
        assert_eq!(
            super::china_time("2026-12-01T18:30:05.123Z"),
            "2026-12-02 02:30:05"
        );
        assert_eq!(super::china_time("not a time"), "not a time");
    }
}
