//! The finance alliance on both backends (see docs/INDUSTRY.md).

use crate::accounts::{chain_is, fields, page_cookie};
use crate::both_backends;
use crate::helpers::refused;
use crate::helpers::{enterprise_account as account, env, staff, Backend};
use corridor_app::industry::{FinanceMove, FinanceStage, NewFinancingNeed, NewMember};
use corridor_app::ErrorCode;
use corridor_domain::case::Role;
use corridor_industry::finance::{FinancingSpec, FirmStage, MemberKind, Product};
use corridor_industry::generate;
use corridor_industry::Cluster;
use time::macros::date;

fn code<T: std::fmt::Debug>(r: corridor_app::AppResult<T>) -> ErrorCode {
    r.unwrap_err().code
}

fn product(zh: &str, min: i64, max: i64, stages: &[FirmStage], clusters: &[Cluster]) -> Product {
    Product {
        name_zh: zh.into(),
        name_en: String::new(),
        min_amount: min,
        max_amount: max,
        stages: stages.to_vec(),
        clusters: clusters.to_vec(),
        cities: vec![],
        description_zh: "购置生产线和研发设备的中长期贷款".into(),
        description_en: String::new(),
    }
}

/// Members with products kept by the office; a firm's financing need; members ranked for it
/// and the need ranked for a member by one scorer (the same score both ways), explained; the
/// pipeline to `financed` with the amount, each side moving only what it may; the figures;
/// access; the pages.
async fn finance(backend: Backend) {
    let Some(e) = env(backend, date!(2027 - 03 - 01)).await else {
        return;
    };
    let mut firms = generate::enterprises(10, 23);
    firms[0].cluster = Cluster::NewMaterials;
    e.app.upsert_enterprises(&firms).await.unwrap();
    let office = staff(Role::JointOffice);
    let sme = account(&e, "sme.f", Some(&firms[0].uscc)).await;
    let other = account(&e, "other.f", Some(&firms[1].uscc)).await;
    let member = |uscc: &str, zh: &str, kind, products| NewMember {
        uscc: uscc.into(),
        name_zh: zh.into(),
        name_en: String::new(),
        kind,
        city: "330400".into(),
        products,
    };
    let bank_uscc = "91330400MA2FB00010";
    let bank_uscc = corridor_domain::ids::Uscc::with_check(&bank_uscc[..17])
        .unwrap()
        .as_str()
        .to_string();
    let fund_uscc = corridor_domain::ids::Uscc::with_check("91310117MA1FW0002")
        .unwrap()
        .as_str()
        .to_string();
    let bank = member(
        &bank_uscc,
        "示例科创银行",
        MemberKind::Bank,
        vec![product("科创设备贷", 100, 3000, &[FirmStage::Growth], &[])],
    );
    let fund = member(
        &fund_uscc,
        "示例创投基金",
        MemberKind::VentureFund,
        vec![product(
            "早期股权投资",
            500,
            5000,
            &[FirmStage::Seed],
            &[Cluster::Biomedicine],
        )],
    );
    // The office keeps members; a firm cannot; bad fields are named.
    assert_eq!(
        e.app.put_member(&sme, &bank).await.unwrap_err().code,
        ErrorCode::Forbidden
    );
    let bad = NewMember {
        uscc: "91330400MA2FB0001X".into(),
        ..member(&bank_uscc, "x", MemberKind::Bank, vec![])
    };
    assert_eq!(
        fields(&e.app.put_member(&office, &bad).await.unwrap_err()),
        ["uscc"]
    );
    let inverted = member(
        &bank_uscc,
        "x",
        MemberKind::Bank,
        vec![product("p", 500, 100, &[FirmStage::Seed], &[])],
    );
    assert_eq!(
        fields(&e.app.put_member(&office, &inverted).await.unwrap_err()),
        ["max_amount"]
    );
    e.app.put_member(&office, &bank).await.unwrap();
    e.app.put_member(&office, &fund).await.unwrap();
    assert_eq!(e.app.finance_members(&sme).await.unwrap().len(), 2);
    // A member's account: linked by the administrator though the registry of firms lacks it.
    let u = e
        .app
        .create_user(&corridor_app::auth::NewUser {
            username: "bank.f".into(),
            password: "long-enough-pw".into(),
            role: Role::Applicant,
            display_name: "bank".into(),
            window_id: None,
            authority_id: None,
            city: None,
            resident_id: Some(crate::helpers::FILER_ID.into()),
            enterprise_uscc: Some(bank_uscc.clone()),
        })
        .await
        .unwrap();
    let banker = corridor_domain::case::Principal {
        user_id: u.id,
        username: "bank.f".into(),
        ..sme.clone()
    };
    // The firm posts a need (for itself only; the amount checked).
    let spec = |amount| FinancingSpec {
        title_zh: "购置涂布生产线".into(),
        title_en: String::new(),
        amount,
        stage: FirmStage::Growth,
        purpose_zh: "购置生产线和检测设备".into(),
        purpose_en: String::new(),
    };
    let post = |uscc: Option<&str>, amount| NewFinancingNeed {
        uscc: uscc.map(String::from),
        spec: spec(amount),
    };
    assert_eq!(
        fields(
            &e.app
                .post_financing_need(&sme, &post(None, 0))
                .await
                .unwrap_err()
        ),
        ["amount"]
    );
    assert_eq!(
        refused(
            e.app
                .post_financing_need(&sme, &post(Some(&firms[1].uscc), 800))
        )
        .await,
        ErrorCode::Forbidden
    );
    let n = e
        .app
        .post_financing_need(&sme, &post(None, 800))
        .await
        .unwrap();
    assert_eq!(
        (n.status.as_str(), n.cluster.as_str()),
        ("open", "new_materials")
    );
    // Members ranked for the need: the bank (band, stage, words) above the fund; explained.
    let ranked = e.app.rank_members(&sme, &n.id).await.unwrap();
    assert_eq!(
        ranked.iter().map(|m| &m.uscc).collect::<Vec<_>>(),
        [&bank_uscc, &fund_uscc]
    );
    let top = &ranked[0];
    let sum: f32 = top.fit.signals.iter().map(|s| s.contribution).sum();
    assert!((sum - top.fit.score).abs() < 1e-5);
    assert!(
        top.fit.matched.iter().any(|w| w.contains("生产线")),
        "{:?}",
        top.fit.matched
    );
    // The same scorer the other way round: the need ranked for the bank, with the same score.
    let mine = e.app.needs_for_member(&banker, None).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].need.id, n.id);
    assert!((mine[0].fit.score - top.fit.score).abs() < 1e-6);
    // Access: another firm sees neither; a member reads the need but not its ranking; a firm
    // that is no member has no needs ranked for it; the office names a member.
    assert_eq!(
        e.app.financing_need(&other, &n.id).await.unwrap_err().code,
        ErrorCode::NotFound
    );
    assert_eq!(e.app.financing_need(&banker, &n.id).await.unwrap().id, n.id);
    assert_eq!(
        e.app.rank_members(&banker, &n.id).await.unwrap_err().code,
        ErrorCode::Forbidden
    );
    assert_eq!(
        e.app.needs_for_member(&sme, None).await.unwrap_err().code,
        ErrorCode::Forbidden
    );
    assert_eq!(
        e.app
            .needs_for_member(&office, Some(&fund_uscc))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(e.app.financing_needs(&other).await.unwrap().is_empty());
    assert_eq!(e.app.financing_needs(&office).await.unwrap().len(), 1);
    // The pipeline: the firm contacts the bank; the bank moves its own entry, not the fund's;
    // financed only with an amount; then the need is financed and closed.
    let mv = |m: &str, stage, amount| FinanceMove {
        member_uscc: m.into(),
        stage,
        amount,
    };
    e.app
        .move_financing(&sme, &n.id, &mv(&bank_uscc, FinanceStage::Contacted, None))
        .await
        .unwrap();
    e.app
        .move_financing(
            &banker,
            &n.id,
            &mv(&bank_uscc, FinanceStage::DueDiligence, None),
        )
        .await
        .unwrap();
    assert_eq!(
        refused(e.app.move_financing(
            &banker,
            &n.id,
            &mv(&fund_uscc, FinanceStage::Contacted, None)
        ))
        .await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        refused(
            e.app
                .move_financing(&other, &n.id, &mv(&bank_uscc, FinanceStage::Declined, None))
        )
        .await,
        ErrorCode::NotFound
    );
    assert_eq!(
        refused(
            e.app
                .move_financing(&sme, &n.id, &mv(&bank_uscc, FinanceStage::Contacted, None))
        )
        .await,
        ErrorCode::InvalidStage
    );
    let err = e
        .app
        .move_financing(
            &banker,
            &n.id,
            &mv(&bank_uscc, FinanceStage::Financed, None),
        )
        .await
        .unwrap_err();
    assert_eq!(fields(&err), ["amount"]);
    let done = e
        .app
        .move_financing(
            &banker,
            &n.id,
            &mv(&bank_uscc, FinanceStage::Financed, Some(600)),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            done.status.as_str(),
            done.financed_amount,
            done.financed_by.as_deref()
        ),
        ("financed", Some(600), Some(bank_uscc.as_str()))
    );
    assert_eq!(
        refused(
            e.app
                .move_financing(&sme, &n.id, &mv(&fund_uscc, FinanceStage::Contacted, None))
        )
        .await,
        ErrorCode::InvalidTransition
    );
    assert!(e
        .app
        .needs_for_member(&banker, None)
        .await
        .unwrap()
        .is_empty());
    let c = e.app.finance_counts(&office).await.unwrap();
    assert_eq!((c.members, c.needs, c.financed, c.amount), (2, 1, 1, 600));
    assert_eq!(
        e.app.finance_counts(&sme).await.unwrap_err().code,
        ErrorCode::Forbidden
    );
    chain_is(
        &e,
        &format!("financing:{}", n.id),
        &["post", "move", "move", "move"],
    )
    .await;
    // A second need, withdrawn by its firm (on the page, below): until then the bank sees it;
    // the bank (a member, not its firm) cannot withdraw it, another firm does not see it.
    let n2 = e
        .app
        .post_financing_need(&sme, &post(None, 500))
        .await
        .unwrap();
    assert_eq!(
        e.app.needs_for_member(&banker, None).await.unwrap().len(),
        1
    );
    assert!(e.app.may_withdraw_financing(&sme, &n2.id).await);
    assert!(e.app.may_withdraw_financing(&office, &n2.id).await);
    assert!(!e.app.may_withdraw_financing(&banker, &n2.id).await);
    assert!(!e.app.may_withdraw_financing(&sme, &n.id).await, "financed");
    assert_eq!(
        code(e.app.withdraw_financing_need(&banker, &n2.id).await),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(e.app.withdraw_financing_need(&other, &n2.id).await),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(e.app.withdraw_financing_need(&sme, &n.id).await),
        ErrorCode::InvalidTransition,
        "a financed need is no longer open"
    );
    // The pages: the firm's need with the members ranked and explained; a refusal by the field.
    let (base, _stop) = e.serve().await;
    let http = reqwest::Client::new();
    let cookie = page_cookie(&http, &base, "sme.f", "en").await;
    let page = crate::web::page_text(&http, &format!("{base}/finance"), &cookie).await;
    assert!(page.contains(&n.id) && page.contains(r#"id="financing-form""#));
    let token = crate::web::csrf_in(&page).unwrap();
    let page =
        crate::web::page_text(&http, &format!("{base}/finance/needs/{}", n.id), &cookie).await;
    assert!(
        page.contains(r#"id="member-matches""#) && page.contains("amount band"),
        "{page}"
    );
    assert!(page.contains("600"));
    let r = crate::web::post_form(
        &http,
        &format!("{base}/finance"),
        &cookie,
        format!("csrf={token}&what=need&title_zh=x&amount=&stage=growth"),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains(r#"id="amount-error""#));
    // The firm withdraws its second need from its page.
    let url = format!("{base}/finance/needs/{}", n2.id);
    let page = crate::web::page_text(&http, &url, &cookie).await;
    assert!(page.contains(r#"id="withdraw-need""#), "{page}");
    let r = crate::web::post_form(
        &http,
        &format!("{url}/withdraw"),
        &cookie,
        format!("csrf={token}"),
    )
    .await;
    // Redirected (and followed) back to the need's page.
    assert_eq!(r.status(), 200);
    assert_eq!(r.url().path(), format!("/finance/needs/{}", n2.id));
    let page = crate::web::page_text(&http, &url, &cookie).await;
    assert!(
        page.contains("Withdrawn") && !page.contains(r#"id="withdraw-need""#),
        "{page}"
    );
    let gone = e.app.financing_need(&sme, &n2.id).await.unwrap();
    assert_eq!(gone.status, "withdrawn");
    assert!(e
        .app
        .needs_for_member(&banker, None)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        code(e.app.withdraw_financing_need(&sme, &n2.id).await),
        ErrorCode::InvalidTransition
    );
    assert_eq!(
        code(
            e.app
                .move_financing(&sme, &n2.id, &mv(&bank_uscc, FinanceStage::Contacted, None))
                .await
        ),
        ErrorCode::InvalidTransition
    );
    chain_is(&e, &format!("financing:{}", n2.id), &["post", "withdraw"]).await;
    // The office's form adds a product to a member already in: kept beside the first; one of
    // the same name is replaced; a firm cannot.
    let leasing = |max| {
        member(
            &bank_uscc,
            "示例科创银行",
            MemberKind::Bank,
            vec![product("设备融资租赁", 50, max, &[FirmStage::Growth], &[])],
        )
    };
    let v = e
        .app
        .add_member_product(&office, &leasing(800))
        .await
        .unwrap();
    let names = |v: &corridor_app::industry::MemberView| {
        v.products
            .iter()
            .map(|p| (p.name_zh.clone(), p.max_amount))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&v),
        [("科创设备贷".into(), 3000), ("设备融资租赁".into(), 800)]
    );
    let v = e
        .app
        .add_member_product(&office, &leasing(1200))
        .await
        .unwrap();
    assert_eq!(
        names(&v),
        [("科创设备贷".into(), 3000), ("设备融资租赁".into(), 1200)]
    );
    assert_eq!(
        code(e.app.add_member_product(&sme, &leasing(900)).await),
        ErrorCode::Forbidden
    );
    drop(_stop);
    e.cleanup().await;
}
both_backends!(finance_alliance_matched_and_financed, super::finance);
