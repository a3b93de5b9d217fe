//! Technology achievement auctions as pages: the lots (public), a lot's page with its current
//! price, bid history and countdown (updated live by `/static/lot.js` where scripts run; a
//! reload otherwise) and the forms to apply, bid, seal, reveal and confirm; the published
//! results; listing an achievement; the joint office's page (review, sessions and lots,
//! bidders). Handlers call `corridor_app::auctions` and only translate.

use crate::*;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use corridor_app::auctions::{
    BidOp, BidderDecision, Confirmation, ContractDetails, ListingReview, ListingStatus,
    ListingView, LotView, NewListing, NewLot, NewSession, ResultRow, SessionView, Side,
};
use corridor_app::{App, AppError};
use corridor_domain::auction::{LotKind, LotStatus, Phase, Raise, Rights};
use corridor_domain::case::{Principal, Role};
use corridor_industry::Cluster;
use std::collections::BTreeMap;
use std::sync::Arc;

fn val(pairs: &[(String, String)], k: &str) -> String {
    pairs
        .iter()
        .find(|(x, _)| x == k)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

fn num(pairs: &[(String, String)], k: &str) -> i64 {
    val(pairs, k).replace([',', '，'], "").parse().unwrap_or(-1)
}

/// An instant in epoch ms as China time to the second.
pub(crate) fn at_ms(ms: i64) -> String {
    use time::macros::format_description;
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| {
            t.to_offset(corridor_domain::clock::CST)
                .format(format_description!(
                    "[year]-[month]-[day] [hour]:[minute]:[second]"
                ))
                .ok()
        })
        .unwrap_or_default()
}

/// A `datetime-local` value (China time) as RFC 3339.
fn local_input(s: &str) -> String {
    let s = s.trim();
    match s.len() {
        16 => format!("{s}:00+08:00"),
        19 => format!("{s}+08:00"),
        _ => s.to_string(),
    }
}

pub(crate) fn yuan(n: i64) -> String {
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

fn kind_text(l: Lang, k: LotKind) -> &'static str {
    match k {
        LotKind::Ascending => l.pick("增价拍卖", "Ascending"),
        LotKind::Sealed => l.pick("密封竞价", "Sealed bid"),
    }
}

fn phase_text(l: Lang, v: &LotView) -> String {
    match (v.status, v.phase) {
        (LotStatus::Confirmed, _) => l.pick("已成交", "Sold, confirmed").into(),
        (LotStatus::Sold, _) => l.pick("成交待确认", "Sold, awaiting confirmation").into(),
        (LotStatus::NotSold, _) => l.pick("流拍", "Not sold").into(),
        (_, Phase::Before) => l.pick("未开始", "Not open yet").into(),
        (_, Phase::Bidding) => l.pick("竞价中", "Open for bids").into(),
        (_, Phase::Revealing) => l.pick("揭标中", "Revealing").into(),
        (_, Phase::Ended) => l.pick("已截止，待结算", "Closed, settling").into(),
    }
}

fn rights_text(l: Lang, r: Rights) -> &'static str {
    match r {
        Rights::Assignment => l.pick("转让", "Assignment"),
        Rights::ExclusiveLicence => l.pick("独占许可", "Exclusive licence"),
        Rights::NonExclusiveLicence => l.pick("普通许可", "Non-exclusive licence"),
    }
}

// ---------- the lots ----------

struct LotRow {
    id: String,
    ord: i64,
    title: String,
    kind: &'static str,
    price: String,
    close: String,
    state: String,
}

struct SessionRow {
    title: String,
    place: String,
    starts: String,
    lots: Vec<LotRow>,
}

#[derive(Template)]
#[template(path = "auctions.html")]
struct AuctionsPage {
    t: &'static Texts,
    l: Lang,
    /// Sessions the caller's enterprise is invited to: (title, a lot's id).
    invitations: Vec<(String, String)>,
    q: String,
    found: Vec<ListingLine>,
    sessions: Vec<SessionRow>,
    office: bool,
    enterprise: bool,
}

fn session_row(app: &App, l: Lang, s: &SessionView) -> SessionRow {
    let city = app
        .reference()
        .jurisdiction(&s.doc.city)
        .map(|j| l.of(&j.name_zh, &j.name_en))
        .unwrap_or_else(|| s.doc.city.clone());
    let place = match (&s.doc.place, s.doc.online) {
        (Some(p), true) => format!("{city} · {p} · {}", l.pick("线上同步", "also online")),
        (Some(p), false) => format!("{city} · {p}"),
        (None, _) => format!("{city} · {}", l.pick("线上", "online")),
    };
    SessionRow {
        title: l.of(&s.doc.title_zh, &s.doc.title_en),
        place,
        starts: at_ms(s.starts_ms),
        lots: s
            .lots
            .iter()
            .map(|v| LotRow {
                id: v.id.clone(),
                ord: v.ord,
                title: l.of(&v.title_zh, &v.title_en),
                kind: kind_text(l, v.rules.kind),
                price: match (&v.result, v.current) {
                    (Some(r), _) => r.price.map(yuan).unwrap_or_else(|| "—".into()),
                    (None, Some(c)) => yuan(c),
                    (None, None) => format!("{} {}", l.pick("起拍", "from"), yuan(v.rules.start)),
                },
                close: at_ms(v.close_ms),
                state: phase_text(l, v),
            })
            .collect(),
    }
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct LotsQuery {
    #[serde(default)]
    q: String,
}

pub(crate) async fn lots(
    State(app): State<Arc<App>>,
    cx: Cx,
    axum::extract::Query(q): axum::extract::Query<LotsQuery>,
) -> Response {
    let l = cx.lang;
    let p = principal(&app, &cx.headers).await;
    let text: String = q.q.trim().chars().take(200).collect();
    let found = if text.is_empty() {
        Vec::new()
    } else {
        match app.search_listings(p.as_ref(), &text, None).await {
            Ok(v) => v.iter().map(|x| listing_line(l, x)).collect(),
            Err(e) => return deny(cx.t(), l, e.code),
        }
    };
    let sessions = match app.sessions().await {
        Ok(s) => s,
        Err(e) => return deny(cx.t(), l, e.code),
    };
    let enterprise = match &p {
        Some(p) if p.role == Role::Applicant => app.my_enterprise(p).await.ok().flatten().is_some(),
        _ => false,
    };
    let invitations = match &p {
        Some(p) if enterprise => app
            .my_invitations(p)
            .await
            .unwrap_or_default()
            .iter()
            .filter_map(|s| {
                s.lots
                    .first()
                    .map(|lot| (l.of(&s.doc.title_zh, &s.doc.title_en), lot.id.clone()))
            })
            .collect(),
        _ => Vec::new(),
    };
    let pg = AuctionsPage {
        t: cx.t(),
        l,
        q: text,
        found,
        invitations,
        sessions: sessions.iter().map(|s| session_row(&app, l, s)).collect(),
        office: p
            .as_ref()
            .is_some_and(|p| matches!(p.role, Role::JointOffice | Role::Admin)),
        enterprise,
    };
    cx.render(&pg, StatusCode::OK)
}

// ---------- one lot ----------

struct HistRow {
    who: String,
    amount: String,
    at: String,
}

#[derive(Template)]
#[template(path = "auction_lot.html")]
struct LotPage {
    /// The caller's bidder number on this lot (0: none), for the live history.
    my_no: i64,
    t: &'static Texts,
    l: Lang,
    csrf: String,
    v: LotView,
    title: String,
    seller: String,
    kind: &'static str,
    state: String,
    current: String,
    min_next: String,
    raise: String,
    closes: String,
    remaining: String,
    reserve: String,
    history: Vec<HistRow>,
    result: String,
    signed_in: bool,
    office: bool,
    can_apply: bool,
    can_bid: bool,
    can_commit: bool,
    can_reveal: bool,
    can_confirm: bool,
    /// The winner confirms with its contract registration's details.
    buyer_confirms: bool,
    /// The buyer and the joint office see the registration case.
    sees_contract: bool,
    can_settle: bool,
    /// What was posted, shown again beside its errors.
    posted: Vec<(String, String)>,
    /// The winner's own verified ID number, offered as the registration's contact.
    own_id: String,
    amount: String,
    errors: BTreeMap<String, String>,
    message: String,
    notice: String,
}

impl LotPage {
    /// What was posted for `key`; before anything is, the contact ID offered is the verified
    /// identity of the signed-in account (the winner's own).
    fn posted(&self, key: &str) -> String {
        match val(&self.posted, key) {
            v if v.is_empty() && key == "contact_id" => self.own_id.clone(),
            v => v,
        }
    }
    fn err(&self, key: &str) -> Option<&String> {
        self.errors.get(key)
    }
    fn is(&self, a: &str, b: &str) -> bool {
        a == b
    }
}

fn remaining(l: Lang, v: &LotView) -> String {
    let end = match (v.phase, v.rules.kind) {
        (Phase::Before, _) => v.rules.opens_ms,
        (Phase::Revealing, _) => v.rules.reveal_until_ms,
        (Phase::Bidding, _) => v.close_ms,
        _ => return String::new(),
    };
    let s = ((end - v.now_ms) / 1000).max(0);
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    let clock = format!("{h:02}:{m:02}:{sec:02}");
    let body = if d > 0 {
        format!("{d} {} {clock}", l.pick("天", "d"))
    } else {
        clock
    };
    match v.phase {
        Phase::Before => format!("{} {body}", l.pick("距开始", "Opens in")),
        Phase::Revealing => format!("{} {body}", l.pick("距揭标截止", "Reveals close in")),
        _ => format!("{} {body}", l.pick("距截止", "Closes in")),
    }
}

#[allow(clippy::too_many_arguments)]
async fn lot_page(
    app: &App,
    cx: &Cx,
    (p, id): (Option<&Principal>, &str),
    st: FormState,
    notice: String,
) -> Response {
    let l = cx.lang;
    let FormState {
        form: posted,
        errors,
        message,
        status,
    } = st;
    let amount = val(&posted, "amount");
    let v = match app.lot(p, id).await {
        Ok(v) => v,
        Err(e) => return deny(cx.t(), l, e.code),
    };
    let office = p.is_some_and(|p| matches!(p.role, Role::JointOffice | Role::Admin));
    let me = v.me.clone();
    let bidding = v.status == LotStatus::Pending && v.phase == Phase::Bidding;
    let history = v
        .history
        .iter()
        .map(|h| HistRow {
            who: format!(
                "{} {}{}",
                l.pick("竞买人", "Bidder"),
                h.bidder_no,
                if h.mine {
                    l.pick("（我方）", " (you)")
                } else {
                    ""
                }
            ),
            amount: match (h.amount, v.rules.kind) {
                (Some(a), _) => yuan(a),
                (None, _) => l.pick("已密封", "sealed").to_string(),
            },
            at: at_ms(h.at_ms),
        })
        .collect();
    let result = match &v.result {
        Some(r) if r.sold => format!(
            "{} {} {} · {} {}",
            l.pick("成交价", "Price"),
            r.price.map(yuan).unwrap_or_default(),
            l.pick("元", "yuan"),
            l.pick("买受人", "Buyer"),
            l.of(
                r.winner_name_zh.as_deref().unwrap_or(""),
                r.winner_name_en.as_deref().unwrap_or("")
            ),
        ),
        Some(r) => match r.not_sold {
            Some(corridor_domain::auction::NotSold::ReserveNotMet) => l
                .pick("流拍：未达保留价", "Not sold: the reserve was not met")
                .into(),
            Some(corridor_domain::auction::NotSold::Defaulted) => l
                .pick("流拍：买受人均未确认", "Not sold: no buyer confirmed")
                .into(),
            _ => l.pick("流拍：无人出价", "Not sold: no bids").into(),
        },
        None => String::new(),
    };
    let my_no = v.history.iter().find(|h| h.mine).map_or(0, |h| h.bidder_no);
    let buyer_confirms =
        v.status == LotStatus::Sold && !v.buyer_confirmed && me.as_ref().is_some_and(|m| m.winner);
    let pg = LotPage {
        my_no,
        t: cx.t(),
        l,
        csrf: cx.csrf(),
        title: l.of(&v.title_zh, &v.title_en),
        seller: l.of(&v.seller_name_zh, &v.seller_name_en),
        kind: kind_text(l, v.rules.kind),
        state: phase_text(l, &v),
        current: v.current.map(yuan).unwrap_or_else(|| "—".into()),
        min_next: v.min_next.map(yuan).unwrap_or_default(),
        raise: match v.rules.raise {
            Raise::Amount { yuan: y } => format!("{} {}", yuan(y), l.pick("元", "yuan")),
            Raise::Percent { percent } => format!("{percent}%"),
        },
        closes: at_ms(v.close_ms),
        remaining: remaining(l, &v),
        reserve: v
            .result
            .as_ref()
            .map(|r| yuan(r.reserve))
            .unwrap_or_else(|| {
                format!(
                    "{} {}…",
                    l.pick("已承诺，哈希", "committed, hash"),
                    &v.rules.reserve_hash[..16]
                )
            }),
        history,
        result,
        signed_in: p.is_some(),
        office,
        can_apply: me.as_ref().is_some_and(|m| !m.approved && !m.seller)
            && v.status == LotStatus::Pending,
        can_bid: bidding
            && v.rules.kind == LotKind::Ascending
            && me.as_ref().is_some_and(|m| m.approved),
        can_commit: bidding
            && v.rules.kind == LotKind::Sealed
            && me.as_ref().is_some_and(|m| m.approved && !m.sealed),
        can_reveal: v.phase == Phase::Revealing
            && me.as_ref().is_some_and(|m| m.sealed && !m.revealed),
        can_confirm: v.status == LotStatus::Sold
            && ((office && !v.seller_confirmed)
                || me.as_ref().is_some_and(|m| {
                    (m.winner && !v.buyer_confirmed) || (m.seller && !v.seller_confirmed)
                })),
        sees_contract: office || me.as_ref().is_some_and(|m| m.winner),
        buyer_confirms,
        can_settle: office && v.status == LotStatus::Pending && v.phase == Phase::Ended,
        amount: if amount.is_empty() {
            v.min_next.map(|m| m.to_string()).unwrap_or_default()
        } else {
            amount
        },
        v,
        errors,
        message,
        notice,
        posted,
        own_id: p
            .and_then(|p| p.resident_id.clone())
            .filter(|_| buyer_confirms)
            .unwrap_or_default(),
    };
    cx.render(&pg, status)
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct LotQuery {
    #[serde(default)]
    done: Option<String>,
}

pub(crate) async fn lot(
    State(app): State<Arc<App>>,
    cx: Cx,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<LotQuery>,
) -> Response {
    let p = principal(&app, &cx.headers).await;
    let notice = match q.done.as_deref() {
        Some("bid") => cx.lang.pick("出价已接受。", "Your bid is accepted."),
        Some("sealed") => cx.lang.pick("密封出价已提交。", "Your sealed bid is in."),
        Some("revealed") => cx.lang.pick("出价已揭示。", "Your bid is revealed."),
        Some("applied") => cx.lang.pick(
            "已报名，等待联席办审核。",
            "Applied; the joint office will review it.",
        ),
        Some("confirmed") => cx.lang.pick(
            "已确认成交。双方确认后即提交技术合同认定登记。",
            "Confirmed. Once both sides have confirmed, the technology-contract registration is filed.",
        ),
        _ => "",
    };
    lot_page(
        &app,
        &cx,
        (p.as_ref(), &id),
        FormState::blank(),
        notice.into(),
    )
    .await
}

/// `POST /auctions/lots/{id}/{what}`: apply, bid, seal, reveal, confirm, settle.
pub(crate) async fn lot_post(
    State(app): State<Arc<App>>,
    Path((id, what)): Path<(String, String)>,
    Posted { cx, p, form: f }: Posted,
) -> Response {
    let l = cx.lang;
    let done = |d: &str| redirect(&format!("/auctions/lots/{}?done={d}", urlenc(&id)));
    let r: Result<&str, AppError> = match what.as_str() {
        "bid" => app
            .bid(
                &p,
                &id,
                BidOp::Bid {
                    amount: num(&f, "amount"),
                },
            )
            .await
            .map(|_| "bid"),
        "seal" => app
            .bid(
                &p,
                &id,
                BidOp::Commit {
                    hash: f.val("hash"),
                },
            )
            .await
            .map(|_| "sealed"),
        "reveal" => app
            .bid(
                &p,
                &id,
                BidOp::Reveal {
                    amount: num(&f, "amount"),
                    nonce: f.val("nonce"),
                },
            )
            .await
            .map(|_| "revealed"),
        "apply" => match app.lot(Some(&p), &id).await {
            Ok(v) => app.apply_to_bid(&p, &v.session_id).await.map(|_| "applied"),
            Err(e) => Err(e),
        },
        "confirm" => {
            let side = match f.val("side").as_str() {
                "buyer" => Some(Side::Buyer),
                "seller" => Some(Side::Seller),
                _ => None,
            };
            let contract = (!f.val("contact_id").is_empty()).then(|| ContractDetails {
                contact_name: f.val("contact_name"),
                contact_id: f.val("contact_id"),
                contact_phone: f.val("contact_phone"),
                // A number the page cannot read is refused by the registration's own rule.
                rd_spend_10k: f.val("rd_spend_10k").trim().parse().unwrap_or(-1.0),
            });
            app.confirm_sale(&p, &id, &Confirmation { side, contract })
                .await
                .map(|_| "confirmed")
        }
        "settle" => app.settle_lot(Some(&p), &id).await.map(|_| "settled"),
        _ => return deny(cx.t(), l, corridor_app::ErrorCode::NotFound),
    };
    match r {
        Ok(d) => done(d),
        Err(e) => {
            let st = FormState::refused(l, &e, f);
            lot_page(&app, &cx, (Some(&p), &id), st, String::new()).await
        }
    }
}

fn urlenc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

// ---------- results ----------

struct ResultLine {
    lot: String,
    session: String,
    title: String,
    outcome: String,
    price: String,
    buyer: String,
}

#[derive(Template)]
#[template(path = "auction_results.html")]
struct ResultsPage {
    t: &'static Texts,
    l: Lang,
    rows: Vec<ResultLine>,
}

pub(crate) async fn results(State(app): State<Arc<App>>, cx: Cx) -> Response {
    let l = cx.lang;
    let rows: Vec<ResultRow> = match app.auction_results().await {
        Ok(r) => r,
        Err(e) => return deny(cx.t(), l, e.code),
    };
    let pg = ResultsPage {
        t: cx.t(),
        l,
        rows: rows
            .iter()
            .map(|r| ResultLine {
                lot: r.lot_id.clone(),
                session: l.of(&r.session_title_zh, &r.session_title_en),
                title: l.of(&r.title_zh, &r.title_en),
                outcome: match r.status {
                    LotStatus::Confirmed => l.pick("已成交", "Sold"),
                    LotStatus::Sold => l.pick("成交待确认", "Sold, awaiting confirmation"),
                    _ => l.pick("流拍", "Not sold"),
                }
                .into(),
                price: r.result.price.map(yuan).unwrap_or_else(|| "—".into()),
                buyer: l.of(
                    r.result.winner_name_zh.as_deref().unwrap_or("—"),
                    r.result.winner_name_en.as_deref().unwrap_or("—"),
                ),
            })
            .collect(),
    };
    cx.render(&pg, StatusCode::OK)
}

mod documents;
mod office;
pub(crate) use documents::{download as listing_file, upload as add_listing_file};
use office::{listing_line, ListingLine};
pub(crate) use office::{office, office_post};
