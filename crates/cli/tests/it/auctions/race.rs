//! Real concurrent HTTP clients racing a lot's close, on both backends: every acknowledged bid
//! is stored, each a valid raise, none after the close.

use super::*;

/// Eight bidders over HTTP, each bidding the lowest next bid as fast as it can, while the
/// clock moves past the close: every acknowledged bid is stored, in order, each a valid raise
/// over the one before, none after the close; the winner is the last.
async fn concurrent(backend: Backend) {
    let Some(e) = env(backend, date!(2027 - 03 - 01)).await else {
        return;
    };
    let m = market(&e, "车规级功率半导体封装工艺").await;
    let mut l = lot(&e, &m.listing, LotKind::Ascending, 0);
    l.extend_s = 0;
    l.raise = Raise::Amount { yuan: 10 };
    let (session, id) = session_with(&e, l).await;
    let firms = generate::enterprises(40, 5);
    let mut bidders = Vec::new();
    for (i, f) in firms.iter().enumerate().skip(5).take(8) {
        bidders.push((
            account(&e, &format!("racer{i}"), Some(&f.uscc)).await,
            f.uscc.clone(),
        ));
    }
    let who: Vec<&Principal> = bidders.iter().map(|(p, _)| p).collect();
    let usccs: Vec<&str> = bidders.iter().map(|(_, u)| u.as_str()).collect();
    approve(&e, &session, &who, &usccs).await;
    let (base, _stop) = e.serve().await;
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for (p, _) in &bidders {
        let tok = login(&http, &base, &p.username).await;
        let (http, base, id) = (http.clone(), base.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for _ in 0..400 {
                let lot: Value = http
                    .get(format!("{base}/api/v1/auctions/lots/{id}"))
                    .value()
                    .await;
                let Some(next) = lot["min_next"].as_i64() else {
                    break;
                };
                let r = http
                    .post(format!("{base}/api/v1/auctions/lots/{id}/bids"))
                    .bearer_auth(&tok)
                    .json(&json!({"amount": next}))
                    .go()
                    .await;
                let st = r.status().as_u16();
                let v: Value = r.json().await.unwrap();
                match st {
                    201 => acked.push((v["seq"].as_i64().unwrap(), next)),
                    409 => {
                        let why = v["reason"].as_str().unwrap().to_string();
                        assert!(
                            [
                                "below_minimum_raise",
                                "already_highest",
                                "closed",
                                "settled"
                            ]
                            .contains(&why.as_str()),
                            "{why}"
                        );
                        if why == "closed" || why == "settled" {
                            break;
                        }
                    }
                    s => panic!("status {s}: {v}"),
                }
            }
            acked
        }));
    }
    // The close passes while they bid.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let close = OffsetDateTime::parse(&at(&e, 0), &Rfc3339).unwrap();
    e.clock.set(close + time::Duration::seconds(601));
    let mut acked = Vec::new();
    for t in tasks {
        acked.extend(t.await.unwrap());
    }
    acked.sort();
    let rows = e.store.bids_of(&id).await.unwrap();
    assert!(rows.len() >= 8, "only {} bids", rows.len());
    let stored: Vec<(i64, i64)> = rows.iter().map(|r| (r.seq, r.amount.unwrap())).collect();
    assert_eq!(acked, stored, "every acknowledged bid stored, nothing else");
    let close_ms = e.store.lot(&id).await.unwrap().unwrap().close_ms;
    for w in rows.windows(2) {
        assert!(w[1].amount.unwrap() >= w[0].amount.unwrap() + 10);
        assert_ne!(w[1].bidder, w[0].bidder);
    }
    assert!(rows.iter().all(|r| r.at_ms < close_ms));
    assert_eq!(e.app.settle_due().await.unwrap(), 1);
    let v = e.app.lot(None, &id).await.unwrap();
    assert_eq!(v.result.unwrap().price, rows.last().unwrap().amount);
    let bids_in_chain = e
        .store
        .events_of(&format!("lot:{id}"))
        .await
        .unwrap()
        .iter()
        .filter(|x| x.action == "bid")
        .count();
    assert_eq!(bids_in_chain, rows.len());
    let rep = e.app.verify_audit().await.unwrap();
    assert!(rep.first_break.is_none(), "{rep:?}");
    drop(_stop);
    e.cleanup().await;
}
both_backends!(concurrent_http_bidders_race_the_close, super::concurrent);
