//! The auction demo: a live session of three lots (two ascending, one sealed bid) of
//! achievements listed by the demo enterprises and approved, the demo head enterprises
//! approved to bid, and one listing waiting for the joint office's review. Synthetic titles;
//! times relative to now (the lots open now and close in a week). Only into a store without
//! listings.

use super::*;

/// What the auction demo wrote: the session (if any) and its lots.
#[derive(Debug, Clone, Default)]
pub struct AuctionDemo {
    pub session: Option<String>,
    pub lots: usize,
}

const TITLES: [(&str, &str, Cluster, Rights); 4] = [
    (
        "航空发动机叶片热障涂层修复工艺",
        "Repair of thermal barrier coatings on aero-engine blades",
        Cluster::Aviation,
        Rights::Assignment,
    ),
    (
        "面向边缘计算的低功耗推理加速架构",
        "A low-power inference accelerator for edge computing",
        Cluster::ArtificialIntelligence,
        Rights::ExclusiveLicence,
    ),
    (
        "晶圆级封装翘曲控制方法",
        "Controlling warpage in wafer-level packaging",
        Cluster::IntegratedCircuits,
        Rights::NonExclusiveLicence,
    ),
    (
        "耐高温密封胶带配方",
        "A formula for high-temperature sealant tape",
        Cluster::NewMaterials,
        Rights::Assignment,
    ),
];

pub async fn seed_demo(app: &App) -> AppResult<AuctionDemo> {
    let mut out = AuctionDemo::default();
    // Only once, and only beside the industry demo's registry (the sellers are in it).
    if !app.store.listings(None, None, 1).await?.is_empty()
        || app.store.count_enterprises().await? == 0
    {
        return Ok(out);
    }
    // The demo enterprise accounts (industry demo): the sellers and the bidders.
    let mut accounts = Vec::new();
    for name in [
        "head.aviation",
        "head.computing",
        "head.chips",
        "sme.330400",
    ] {
        if let Some(u) = app.store.user_by_name(name).await? {
            let p = crate::auth::principal_of(&u)?;
            accounts.push(p);
        }
    }
    if accounts.len() < 4 {
        return Ok(out);
    }
    let office = Principal::office("office");
    let mut listings = Vec::new();
    for (i, (zh, en, cluster, rights)) in TITLES.iter().enumerate() {
        let owner = &accounts[[0, 1, 2, 3][i]];
        let l = app
            .create_listing(
                owner,
                &NewListing {
                    owner_uscc: None,
                    title_zh: (*zh).into(),
                    title_en: (*en).into(),
                    description_zh: format!("{zh}（演示数据）"),
                    description_en: format!("{en} (demo data)"),
                    field: cluster.name_zh().into(),
                    cluster: *cluster,
                    patents: vec![format!("ZL2024100{:05}.X", 100 + i)],
                    rights: *rights,
                },
            )
            .await?;
        if i < 3 {
            let ok = ListingReview {
                approve: true,
                note: Some("演示：材料齐全 / demo: complete".into()),
            };
            app.review_listing(&office, &l.id, &ok).await?;
        }
        listings.push(l.id);
    }
    let now = app.now_ms();
    let at = |s: i64| -> AppResult<String> {
        OffsetDateTime::from_unix_timestamp_nanos((now + s * 1000) as i128 * 1_000_000)
            .map_err(AppError::internal)?
            .format(&Rfc3339)
            .map_err(AppError::internal)
    };
    let lot = |listing: &str, kind: LotKind, start: i64| -> AppResult<NewLot> {
        Ok(NewLot {
            listing_id: listing.into(),
            kind,
            start,
            raise: Raise::Percent { percent: 2 },
            extend_s: 300,
            extend_cap_s: 3_600,
            opens_at: at(-60)?,
            closes_at: at(7 * 86_400)?,
            reveal_until: (kind == LotKind::Sealed)
                .then(|| at(8 * 86_400))
                .transpose()?,
            deposit: start / 10,
            confirm_hours: 120,
            reserve: start + start / 2,
        })
    };
    let s = app
        .create_session(
            &office,
            &NewSession {
                title_zh: "G60科创走廊科技成果拍卖会（演示）".into(),
                title_en: "G60 corridor technology achievement auction (demo)".into(),
                city: "310117".into(),
                place: Some("松江区科创云廊 / Songjiang Science and Innovation Corridor".into()),
                online: true,
                starts_at: at(-60)?,
                lots: vec![
                    lot(&listings[0], LotKind::Ascending, 800_000)?,
                    lot(&listings[1], LotKind::Ascending, 1_200_000)?,
                    lot(&listings[2], LotKind::Sealed, 500_000)?,
                ],
            },
        )
        .await?;
    // The head enterprises bid; the one selling a lot cannot bid on it (the rules refuse).
    for p in &accounts[..3] {
        let b = app.apply_to_bid(p, &s.id).await?;
        let d = BidderDecision {
            approve: true,
            deposit: 200_000,
        };
        app.decide_bidder(&office, &s.id, &b.uscc, &d).await?;
    }
    out.lots = s.lots.len();
    out.session = Some(s.id);
    Ok(out)
}
