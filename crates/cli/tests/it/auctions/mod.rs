//! Technology achievement auctions end to end on both backends: a listing reviewed and put up,
//! bidders approved with deposits, ascending bids (a too-small raise refused with its reason,
//! a late bid extending the close), settlement against the committed reserve, the listing's
//! documents, confirmation with the buyer's registration and the contract case it files, the
//! published results; a sealed-bid lot with a forfeited
//! commitment and a winner's default; real concurrent HTTP clients racing the close. After
//! each, `audit verify` passes.

use crate::both_backends;
use crate::helpers::refused;
use crate::helpers::{enterprise_account as account, env, staff, Backend, Env, Go, FILER_ID};
use corridor_app::auctions::{
    BidOp, BidderDecision, Confirmation, ContractDetails, ListingReview, ListingStatus, NewListing,
    NewLot, NewSession, Side,
};
use corridor_app::documents::NewFile;
use corridor_app::ErrorCode;
use corridor_domain::auction::{bid_hash, DepositFate, LotKind, LotStatus, Raise, Rights};
use corridor_domain::case::{Principal, Role};
use corridor_domain::materials::sample;
use corridor_industry::generate;
use serde_json::{json, Value};
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::macros::date;
use time::OffsetDateTime;

async fn login(http: &reqwest::Client, base: &str, user: &str) -> String {
    let v: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": "long-enough-pw"}))
        .value()
        .await;
    v["token"].as_str().unwrap().to_string()
}

fn at(e: &Env, secs: i64) -> String {
    (e.app.clock().now() + time::Duration::seconds(secs))
        .format(&Rfc3339)
        .unwrap()
}

fn advance(e: &Env, secs: i64) {
    e.clock
        .set(e.app.clock().now() + time::Duration::seconds(secs));
}

/// A registry, a seller and three would-be buyers with accounts; a reviewed listing.
struct Market {
    seller: Principal,
    buyers: Vec<Principal>,
    usccs: Vec<String>,
    listing: String,
    /// The listing's document.
    pdf: Vec<u8>,
}

async fn market(e: &Env, title: &str) -> Market {
    let firms = generate::enterprises(40, 5);
    e.app.upsert_enterprises(&firms).await.unwrap();
    e.app.sync_search().await.unwrap();
    let usccs: Vec<String> = firms.iter().take(5).map(|f| f.uscc.clone()).collect();
    let seller = account(e, "seller", Some(&usccs[0])).await;
    let mut buyers = Vec::new();
    for (i, u) in usccs.iter().enumerate().skip(1) {
        buyers.push(account(e, &format!("buyer{i}"), Some(u)).await);
    }
    let office = staff(Role::JointOffice);
    let l = e
        .app
        .create_listing(
            &seller,
            &NewListing {
                owner_uscc: None,
                title_zh: title.into(),
                title_en: "Low-temperature solid-state battery electrolyte".into(),
                description_zh: "一种低温固态电池电解质的制备方法".into(),
                description_en: "A way of making a solid electrolyte that works at low temperature"
                    .into(),
                field: "储能材料".into(),
                cluster: corridor_industry::Cluster::NewEnergy,
                patents: vec!["ZL202310000001.X".into()],
                rights: Rights::ExclusiveLicence,
            },
        )
        .await
        .unwrap();
    assert_eq!(l.status, ListingStatus::Submitted);
    // Not public before review; an enterprise cannot list for another.
    assert!(e.app.listing(None, &l.id).await.is_err());
    let other = NewListing {
        owner_uscc: Some(usccs[0].clone()),
        ..serde_json::from_value(json!({
            "title_zh": "x", "title_en": "x", "description_zh": "x", "description_en": "x",
            "field": "x", "cluster": "new_energy", "rights": "assignment"
        }))
        .unwrap()
    };
    assert_eq!(
        refused(e.app.create_listing(&buyers[0], &other)).await,
        ErrorCode::Forbidden
    );
    // A rejection needs a reason; the office approves.
    let no = ListingReview {
        approve: false,
        note: None,
    };
    assert_eq!(
        refused(e.app.review_listing(&office, &l.id, &no)).await,
        ErrorCode::ValidationFailed
    );
    let ok = ListingReview {
        approve: true,
        note: Some("材料齐全".into()),
    };
    assert!(
        e.app
            .search_listings(None, "电解质", None)
            .await
            .unwrap()
            .is_empty(),
        "not public before review"
    );
    // Documents: the owner adds one before review (told from the content, its hash in the
    // listing's chain); another firm cannot, nor see it; a file that is no PDF is refused.
    let pdf = sample::pdf("patent certificate ZL202310000001.X", 0);
    let doc = e
        .app
        .add_listing_file(&seller, &l.id, NewFile::new("专利证书.pdf", pdf.clone()))
        .await
        .unwrap();
    assert_eq!(doc.sha256, corridor_store::sha256_hex(&pdf));
    assert_eq!(
        refused(
            e.app
                .add_listing_file(&buyers[0], &l.id, NewFile::new("x.pdf", pdf.clone()))
        )
        .await,
        ErrorCode::NotFound
    );
    assert_eq!(
        refused(e.app.add_listing_file(
            &seller,
            &l.id,
            NewFile::new("x.pdf", b"not a pdf".to_vec())
        ))
        .await,
        ErrorCode::FileRefused
    );
    assert!(e.app.listing_file(None, &l.id, &doc.id).await.is_err());
    let l = e.app.review_listing(&office, &l.id, &ok).await.unwrap();
    assert_eq!(l.status, ListingStatus::Approved);
    assert_eq!(l.files.len(), 1);
    // Public with the listing once approved.
    let (_, bytes) = e.app.listing_file(None, &l.id, &doc.id).await.unwrap();
    assert_eq!(bytes, pdf);
    // Searchable once approved, in Chinese and English, by cluster.
    for q in ["固态电池电解质", "solid electrolyte"] {
        let found = e.app.search_listings(None, q, None).await.unwrap();
        assert_eq!(
            found.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
            [l.id.as_str()],
            "{q}"
        );
    }
    let other = Some(corridor_industry::Cluster::Biomedicine);
    assert!(e
        .app
        .search_listings(None, "electrolyte", other)
        .await
        .unwrap()
        .is_empty());
    assert!(e.app.listing(None, &l.id).await.is_ok());
    // The matcher suggests buyers, never the owner.
    let sug = e.app.suggest_buyers(&office, &l.id, 10).await.unwrap();
    assert!(!sug.is_empty() && sug.iter().all(|c| c.hit.uscc != usccs[0]));
    Market {
        seller,
        buyers,
        usccs,
        listing: l.id,
        pdf,
    }
}

fn lot(e: &Env, listing: &str, kind: LotKind, reserve: i64) -> NewLot {
    NewLot {
        listing_id: listing.into(),
        kind,
        start: 1_000,
        raise: Raise::Percent { percent: 5 },
        extend_s: 120,
        extend_cap_s: 300,
        opens_at: at(e, 0),
        closes_at: at(e, 600),
        reveal_until: (kind == LotKind::Sealed).then(|| at(e, 1200)),
        deposit: 100,
        confirm_hours: 48,
        reserve,
    }
}

async fn session_with(e: &Env, l: NewLot) -> (String, String) {
    let office = staff(Role::JointOffice);
    let s = e
        .app
        .create_session(
            &office,
            &NewSession {
                title_zh: "第十二届G60科技成果拍卖会".into(),
                title_en: "12th G60 technology achievement auction".into(),
                city: "310117".into(),
                place: Some("松江区科创云廊".into()),
                online: true,
                starts_at: at(e, 0),
                lots: vec![l],
            },
        )
        .await
        .unwrap();
    (s.id.clone(), s.lots[0].id.clone())
}

async fn approve(e: &Env, session: &str, who: &[&Principal], usccs: &[&str]) {
    let office = staff(Role::JointOffice);
    for p in who {
        e.app.apply_to_bid(p, session).await.unwrap();
    }
    for u in usccs {
        let d = BidderDecision {
            approve: true,
            deposit: 100,
        };
        e.app.decide_bidder(&office, session, u, &d).await.unwrap();
    }
}

fn reason(r: Result<corridor_app::auctions::Placed, corridor_app::AppError>) -> &'static str {
    let e = r.unwrap_err();
    assert_eq!(e.code, ErrorCode::BidRefused, "{e:?}");
    e.reason.unwrap()
}

async fn ascending_lot_to_contract(backend: Backend) {
    let Some(e) = env(backend, date!(2027 - 03 - 01)).await else {
        return;
    };
    let m = market(&e, "低温固态电池电解质").await;
    let (a, b, c) = (&m.buyers[0], &m.buyers[1], &m.buyers[2]);
    let (session, id) = session_with(&e, lot(&e, &m.listing, LotKind::Ascending, 1_060)).await;
    // The reserve is kept sealed under the master key, bound to the lot: not in the database
    // (nor an export) in clear; the settlement below opens it.
    let stored: String = sqlx::query_scalar("SELECT reserve_secret FROM lots WHERE id = $1")
        .bind(id.clone())
        .fetch_one(e.store.pool())
        .await
        .unwrap();
    assert!(
        stored.starts_with("sealed:") && !stored.contains("1060"),
        "{stored}"
    );
    // A listing in a lot cannot be put up twice.
    let office = staff(Role::JointOffice);
    let again = e
        .app
        .add_lot(
            &office,
            &session,
            &lot(&e, &m.listing, LotKind::Ascending, 0),
        )
        .await
        .unwrap_err();
    assert_eq!(again.fields[0].field, "listing_id");
    // The office invites C (and a firm without an account); C sees the invitation, cannot be
    // approved before applying, and accepts by applying.
    let invited = e
        .app
        .invite_bidders(&office, &session, &[m.usccs[3].clone(), m.usccs[4].clone()])
        .await
        .unwrap();
    assert_eq!(invited.len(), 2);
    assert_eq!(e.app.my_invitations(c).await.unwrap()[0].id, session);
    let early = BidderDecision {
        approve: true,
        deposit: 100,
    };
    let r = e
        .app
        .decide_bidder(&office, &session, &m.usccs[3], &early)
        .await;
    assert_eq!(r.unwrap_err().code, ErrorCode::InvalidTransition);
    let bad = e
        .app
        .invite_bidders(&office, &session, &["91000000000000000X".into()])
        .await;
    assert_eq!(bad.unwrap_err().fields[0].field, "usccs[0]");
    // A and B approved with deposits; C applied (accepting the invitation) but not approved.
    approve(&e, &session, &[a, b, c], &[&m.usccs[1], &m.usccs[2]]).await;
    assert!(e.app.my_invitations(c).await.unwrap().is_empty());
    let bid = |p: &Principal, amount: i64| {
        let (app, p, id) = (e.app.clone(), p.clone(), id.clone());
        async move { app.bid(&p, &id, BidOp::Bid { amount }).await }
    };
    let first = bid(a, 1_000).await.unwrap();
    assert_eq!((first.seq, first.min_next), (1, Some(1_050)));
    assert_eq!(reason(bid(b, 1_049).await), "below_minimum_raise");
    assert_eq!(reason(bid(a, 5_000).await), "already_highest");
    assert_eq!(reason(bid(c, 5_000).await), "not_approved");
    assert_eq!(reason(bid(&m.seller, 5_000).await), "seller_cannot_bid");
    bid(b, 1_050).await.unwrap();

    // Over HTTP: the public lot page has no bidder names; a refused bid is problem JSON with
    // its reason next to the amount.
    let (base, _stop) = e.serve().await;
    let http = reqwest::Client::new();
    let tok = login(&http, &base, &b.username).await;
    let tok_a = login(&http, &base, &a.username).await;
    let r = http
        .post(format!("{base}/api/v1/auctions/lots/{id}/bids"))
        .bearer_auth(&tok_a)
        .json(&json!({"amount": 1_051}))
        .go()
        .await;
    assert_eq!(r.status(), 409);
    let p: Value = r.json().await.unwrap();
    assert_eq!(
        (p["code"].as_str(), p["reason"].as_str()),
        (Some("bid_refused"), Some("below_minimum_raise"))
    );
    assert_eq!(p["errors"][0]["field"], "amount");
    let public: Value = http
        .get(format!("{base}/api/v1/auctions/lots/{id}"))
        .value()
        .await;
    assert_eq!(public["current"], 1_050);
    // A search longer than the contract's 200 characters is refused, naming the parameter.
    let long = "固".repeat(201);
    let r = http
        .get(format!("{base}/api/v1/auctions/listings?q={long}"))
        .go()
        .await;
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["errors"][0]["field"], "q");
    assert!(public["me"].is_null());
    assert!(
        !public.to_string().contains(&m.usccs[1]),
        "no bidder named on the lot page"
    );
    let mine: Value = http
        .get(format!("{base}/api/v1/auctions/lots/{id}"))
        .bearer_auth(&tok)
        .value()
        .await;
    assert_eq!(mine["me"]["highest"], true);
    // The listing's documents over HTTP: a bidder cannot add one (not its listing); anyone
    // downloads it, with its type and hash; the lot page lists it.
    let doc = &public["documents"][0];
    let r = http
        .post(format!(
            "{base}/api/v1/auctions/listings/{}/files?file_name=x.pdf",
            m.listing
        ))
        .bearer_auth(&tok)
        .body(m.pdf.clone())
        .go()
        .await;
    assert_eq!(r.status(), 403);
    let r = http
        .get(format!(
            "{base}/api/v1/auctions/listings/{}/files/{}",
            m.listing,
            doc["id"].as_str().unwrap()
        ))
        .go()
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.unwrap().to_vec(), m.pdf);

    // 30 s before the close A bids: the close moves 120 s.
    advance(&e, 570);
    let late = bid(a, 1_103).await.unwrap();
    assert!(late.extended);
    let v = e.app.lot(None, &id).await.unwrap();
    assert_eq!(v.extensions, 1);
    assert_eq!(v.close_ms, late.close_ms);
    // Nothing settles before the close; after it, the node settles by itself.
    assert_eq!(e.app.settle_due().await.unwrap(), 0);
    advance(&e, 200);
    assert_eq!(reason(bid(b, 2_000).await), "closed");
    assert_eq!(e.app.settle_due().await.unwrap(), 1);
    let v = e.app.lot(Some(a), &id).await.unwrap();
    assert_eq!(v.status, LotStatus::Sold);
    let r = v.result.clone().unwrap();
    assert_eq!((r.price, r.reserve), (Some(1_103), 1_060));
    assert!(v.me.as_ref().unwrap().winner);

    // B cannot confirm. A confirms with its contract registration, checked as a filing is:
    // without it, or with a contact who is not the account's identity, nothing is recorded.
    let c0 = Confirmation::default();
    assert_eq!(
        e.app.confirm_sale(b, &id, &c0).await.unwrap_err().code,
        ErrorCode::Forbidden
    );
    let e0 = e.app.confirm_sale(a, &id, &c0).await.unwrap_err();
    assert_eq!(e0.fields[0].field, "contact_name", "{e0:?}");
    let details = |contact_id: &str| Confirmation {
        side: None,
        contract: Some(ContractDetails {
            contact_name: "王一".into(),
            contact_id: contact_id.into(),
            contact_phone: "13800000000".into(),
            rd_spend_10k: 320.0,
        }),
    };
    let other_id = corridor_app::demo::demo_resident_id("someone.else");
    let e1 = e
        .app
        .confirm_sale(a, &id, &details(&other_id))
        .await
        .unwrap_err();
    assert!(e1.fields.iter().any(|f| f.field == "contact_id"), "{e1:?}");
    assert!(!e.app.lot(Some(a), &id).await.unwrap().buyer_confirmed);
    // The office cannot confirm for the buyer; the buyer does, then the seller: the sale is
    // confirmed and the registration case filed as A's, in A's city, with the listing's
    // document as its proof of intellectual property.
    let office = staff(Role::JointOffice);
    let for_buyer = Confirmation {
        side: Some(Side::Buyer),
        contract: None,
    };
    assert_eq!(
        refused(e.app.confirm_sale(&office, &id, &for_buyer)).await,
        ErrorCode::Forbidden
    );
    e.app
        .confirm_sale(a, &id, &details(FILER_ID))
        .await
        .unwrap();
    let v = e.app.lot(Some(a), &id).await.unwrap();
    assert!(v.buyer_confirmed && v.contract_case.is_none());
    let v = e.app.confirm_sale(&m.seller, &id, &c0).await.unwrap();
    assert_eq!(v.status, LotStatus::Confirmed);
    let v = e.app.lot(Some(a), &id).await.unwrap();
    let cc = v.contract_case.expect("the registration case is filed");
    assert!(e.app.lot(None, &id).await.unwrap().contract_case.is_none());
    let case = e.app.get_case(a, cc.id).await.unwrap();
    assert_eq!(case.matter_code, "G60-SCI-004");
    assert_eq!(case.receipt_no, cc.receipt_no);
    assert_eq!(case.form["applicant_uscc"], m.usccs[1].as_str());
    assert_eq!(case.form["project_title"], "低温固态电池电解质");
    assert_eq!(case.form["cluster"], "energy");
    let mats = e.app.materials(a, cc.id).await.unwrap();
    let ip = mats
        .materials
        .iter()
        .find(|x| x.name_en == "Proof of intellectual property")
        .unwrap();
    assert_eq!(ip.files.len(), 1);
    assert_eq!(ip.files[0].sha256, corridor_store::sha256_hex(&m.pdf));
    // Nothing left to file: the node's round files no second case.
    assert_eq!(e.app.open_contract_case(&id).await.unwrap(), None);
    let stored = e.store.lot(&id).await.unwrap().unwrap();
    assert!(
        stored.contract_form.is_none(),
        "the held details are cleared"
    );
    assert_eq!(
        e.app.listing(None, &m.listing).await.unwrap().status,
        ListingStatus::Sold
    );
    // Published: lot, price, winner's name.
    let res: Value = http
        .get(format!("{base}/api/v1/auctions/results"))
        .value()
        .await;
    assert_eq!(res["items"][0]["price"], 1_103);
    assert!(res["items"][0]["winner_name_zh"].as_str().is_some());
    let f = e.app.auction_figures().await.unwrap();
    assert_eq!((f.lots, f.sold, f.value), (1, 1, 1_103));
    assert_eq!(f.by_city["310117"].value, 1_103);
    // The chain holds every step and verifies.
    let evs = e.store.events_of(&format!("lot:{id}")).await.unwrap();
    let actions: Vec<&str> = evs.iter().map(|x| x.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "opened",
            "bid",
            "bid",
            "bid",
            "extended",
            "settled",
            "confirmed",
            "confirmed",
            "sale_confirmed",
            "contract_case_filed"
        ]
    );
    let rep = e.app.verify_audit().await.unwrap();
    assert!(
        rep.first_break.is_none() && rep.first_bad_file.is_none(),
        "{rep:?}"
    );
    // Export and import carry the listing's document; the copy verifies.
    let mut buf = Vec::new();
    e.store.export(&mut buf).await.unwrap();
    let f = env(Backend::Sqlite, date!(2027 - 03 - 01)).await.unwrap();
    for t in corridor_store::TABLES.iter().rev() {
        sqlx::query(&format!("DELETE FROM {}", t.name))
            .execute(f.store.pool())
            .await
            .unwrap();
    }
    f.store.import(std::io::Cursor::new(buf)).await.unwrap();
    let doc_id = public["documents"][0]["id"].as_str().unwrap();
    let (_, bytes) = f.app.listing_file(None, &m.listing, doc_id).await.unwrap();
    assert_eq!(bytes, m.pdf);
    let rep = f.app.verify_audit().await.unwrap();
    assert!(rep.first_break.is_none() && rep.first_bad_file.is_none() && rep.files >= 1);
    f.cleanup().await;
    drop(_stop);
    e.cleanup().await;
}
both_backends!(
    ascending_lot_from_listing_to_contract,
    super::ascending_lot_to_contract
);

async fn sealed_lot(backend: Backend) {
    let Some(e) = env(backend, date!(2027 - 03 - 01)).await else {
        return;
    };
    let m = market(&e, "高通量基因测序芯片").await;
    let (a, b, d) = (&m.buyers[0], &m.buyers[1], &m.buyers[2]);
    let (session, id) = session_with(&e, lot(&e, &m.listing, LotKind::Sealed, 2_000)).await;
    approve(
        &e,
        &session,
        &[a, b, d],
        &[&m.usccs[1], &m.usccs[2], &m.usccs[3]],
    )
    .await;
    let commit = |p: &Principal, uscc: &str, amount: i64, nonce: &str| {
        let (app, p, id) = (e.app.clone(), p.clone(), id.clone());
        let hash = bid_hash(&id, uscc, amount, nonce);
        async move { app.bid(&p, &id, BidOp::Commit { hash }).await }
    };
    let reveal = |p: &Principal, amount: i64, nonce: &str| {
        let (app, p, id) = (e.app.clone(), p.clone(), id.clone());
        let nonce = nonce.to_string();
        async move { app.bid(&p, &id, BidOp::Reveal { amount, nonce }).await }
    };
    commit(a, &m.usccs[1], 3_000, "nonce-of-a-0001")
        .await
        .unwrap();
    commit(b, &m.usccs[2], 2_500, "nonce-of-b-0001")
        .await
        .unwrap();
    commit(d, &m.usccs[3], 9_000, "nonce-of-d-0001")
        .await
        .unwrap();
    assert_eq!(
        reason(commit(a, &m.usccs[1], 3_100, "nonce-of-a-0002").await),
        "already_committed"
    );
    assert_eq!(reason(bid_on(&e, a, &id, 4_000).await), "wrong_kind");
    assert_eq!(
        reason(reveal(a, 3_000, "nonce-of-a-0001").await),
        "not_revealing"
    );
    // The public lot shows three sealed bids and no amount.
    let v = e.app.lot(None, &id).await.unwrap();
    assert_eq!(v.bids, 3);
    assert!(v.history.iter().all(|h| h.amount.is_none()));
    advance(&e, 600);
    assert_eq!(
        reason(commit(b, &m.usccs[2], 1, "late-nonce-01").await),
        "closed"
    );
    reveal(a, 3_000, "nonce-of-a-0001").await.unwrap();
    assert_eq!(
        reason(reveal(b, 2_600, "nonce-of-b-0001").await),
        "reveal_mismatch"
    );
    reveal(b, 2_500, "nonce-of-b-0001").await.unwrap();
    // D never reveals. Nothing settles before the reveal deadline.
    assert_eq!(e.app.settle_due().await.unwrap(), 0);
    advance(&e, 600);
    assert_eq!(e.app.settle_due().await.unwrap(), 1);
    let v = e.app.lot(None, &id).await.unwrap();
    let r = v.result.unwrap();
    assert_eq!(r.price, Some(3_000));
    let s: corridor_domain::auction::Settlement =
        serde_json::from_str(&e.store.lot(&id).await.unwrap().unwrap().settlement.unwrap())
            .unwrap();
    let fate = |u: &str| s.deposits.iter().find(|(x, _)| x == u).unwrap().1;
    assert_eq!(fate(&m.usccs[1]), DepositFate::Kept);
    assert_eq!(fate(&m.usccs[2]), DepositFate::Released);
    assert_eq!(fate(&m.usccs[3]), DepositFate::Forfeited);

    // A does not confirm in 48 hours: A forfeits, B wins at its own 2,500.
    advance(&e, 48 * 3600 + 1);
    assert_eq!(e.app.settle_due().await.unwrap(), 1);
    let v = e.app.lot(Some(b), &id).await.unwrap();
    assert_eq!(v.status, LotStatus::Sold);
    assert_eq!(v.result.unwrap().price, Some(2_500));
    assert!(v.me.unwrap().winner);
    let reg = Confirmation {
        side: None,
        contract: Some(ContractDetails {
            contact_name: "李二".into(),
            contact_id: FILER_ID.into(),
            contact_phone: "13900000000".into(),
            rd_spend_10k: 12.5,
        }),
    };
    e.app.confirm_sale(b, &id, &reg).await.unwrap();
    let office = staff(Role::JointOffice);
    let v = e
        .app
        .confirm_sale(
            &office,
            &id,
            &Confirmation {
                side: Some(Side::Seller),
                contract: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(v.status, LotStatus::Confirmed);
    // The office sees the registration case, filed for B (the winner after A's default).
    let cc = v.contract_case.expect("filed");
    let case = e.app.get_case(b, cc.id).await.unwrap();
    assert_eq!(case.form["applicant_uscc"], m.usccs[2].as_str());
    let rep = e.app.verify_audit().await.unwrap();
    assert!(
        rep.first_break.is_none() && rep.first_bad_file.is_none(),
        "{rep:?}"
    );
    e.cleanup().await;
}
both_backends!(sealed_bid_with_a_forfeited_commitment, super::sealed_lot);

async fn bid_on(
    e: &Env,
    p: &Principal,
    id: &str,
    amount: i64,
) -> Result<corridor_app::auctions::Placed, corridor_app::AppError> {
    e.app.bid(p, id, BidOp::Bid { amount }).await
}

mod race;
