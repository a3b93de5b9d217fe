use super::*;
use crate::generate;
use std::collections::BTreeSet;
use std::sync::OnceLock;

const N: usize = 100_000;

fn corpus() -> &'static (Vec<Enterprise>, EnterpriseIndex) {
    static C: OnceLock<(Vec<Enterprise>, EnterpriseIndex)> = OnceLock::new();
    C.get_or_init(|| {
        let all = generate::enterprises(N, 42);
        let idx = EnterpriseIndex::in_memory().unwrap();
        let mut w = idx.writer().unwrap();
        for e in &all {
            idx.upsert(&w, e).unwrap();
        }
        idx.commit(&mut w).unwrap();
        (all, idx)
    })
}

fn top(q: &str, f: &Filters, k: usize) -> Vec<Hit> {
    corpus().1.search(q, f, 0, k).unwrap().hits
}

/// A need in English finds a firm whose profile is only in Chinese, through the glossary, and
/// the match names the pair; the translation is never shown as the firm's words. An index
/// built without the glossary does not find it, and knows it was built with another one.
#[test]
fn a_need_in_one_language_finds_a_profile_only_in_the_other() {
    use crate::glossary::Glossary;
    let mut firms = crate::generate::enterprises(50, 5);
    firms[0].name_en.clear();
    firms[0].capabilities_en.clear();
    firms[0].capabilities_zh = "极紫外光刻胶树脂单体".into();
    let build = |g: Glossary| {
        let idx = EnterpriseIndex::in_memory().unwrap();
        idx.set_glossary(std::sync::Arc::new(g));
        let mut w = idx.writer().unwrap();
        for e in &firms {
            idx.upsert(&w, e).unwrap();
        }
        idx.commit(&mut w).unwrap();
        idx
    };
    let idx = build(Glossary::builtin());
    assert!(idx.glossary_current());
    let hits = idx
        .search("EUV photoresist", &Filters::default(), 0, 5)
        .unwrap()
        .hits;
    let h = hits
        .iter()
        .find(|h| h.uscc == firms[0].uscc)
        .expect("found");
    assert!(
        h.matched["capabilities_zh"].contains(&"photoresist ↔ 光刻胶".to_string()),
        "{:?}",
        h.matched
    );
    assert_eq!(h.name_en, "", "the translation is searched, not shown");
    assert!(
        !h.matched.contains_key("capabilities_en"),
        "{:?}",
        h.matched
    );
    // The other way round: a Chinese need finds the firm only by its own words.
    let zh = idx.search("光刻胶", &Filters::default(), 0, 5).unwrap();
    assert!(zh.hits.iter().any(|h| h.uscc == firms[0].uscc));

    let plain = build(Glossary::default());
    let hits = plain
        .search("EUV photoresist", &Filters::default(), 0, 5)
        .unwrap()
        .hits;
    assert!(hits.iter().all(|h| h.uscc != firms[0].uscc));
    // The built-in glossary set on an index built without it: not current, so rebuilt.
    plain.set_glossary(std::sync::Arc::new(Glossary::builtin()));
    assert!(!plain.glossary_current());
}

/// An index directory of another schema (an earlier version's) is replaced by an empty one,
/// which the server then fills from the table.
#[test]
fn an_index_of_another_schema_is_replaced_by_an_empty_one() {
    let dir = std::env::temp_dir().join(format!("corridor-schema-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut b = Schema::builder();
    let f = b.add_text_field("other", STRING | STORED);
    let old = Index::create_in_dir(&dir, b.build()).unwrap();
    let mut w: IndexWriter = old.writer(15_000_000).unwrap();
    let mut d = TantivyDocument::default();
    d.add_text(f, "x");
    w.add_document(d).unwrap();
    w.commit().unwrap();
    drop((w, old));
    let idx = EnterpriseIndex::open(&dir).unwrap();
    assert!(idx.is_empty());
    assert!(!idx.glossary_current());
    let mut w = idx.writer().unwrap();
    idx.upsert(&w, &generate::enterprises(1, 3)[0]).unwrap();
    idx.commit(&mut w).unwrap();
    assert_eq!(idx.len(), 1);
    drop((w, idx));
    assert_eq!(
        EnterpriseIndex::open(&dir).unwrap().len(),
        1,
        "kept on reopening"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// What ranking reads from the fast columns is what the stored document says; a value the
/// columns cannot hold is read from the stored document instead.
#[test]
fn candidates_carry_the_stored_attributes() {
    let mut firms = generate::enterprises(200, 11);
    firms[7].industry = "C26519999".into(); // longer than a column holds
    let idx = EnterpriseIndex::in_memory().unwrap();
    let mut w = idx.writer().unwrap();
    for e in &firms {
        idx.upsert(&w, e).unwrap();
    }
    idx.commit(&mut w).unwrap();
    let found = idx.candidates("", &Filters::default(), 500).unwrap();
    assert_eq!(found.list.len(), 200);
    for c in &found.list {
        let hit = found.hit(c, c.score, false).unwrap();
        let want = Meta {
            certifications: Vec::new(),
            ..hit.meta.clone()
        };
        assert_eq!(c.meta, want, "{}", hit.uscc);
    }
    assert!(found.list.iter().any(|c| c.meta.industry == "C26519999"));
}

#[test]
fn the_sealant_tape_supplier_ranks_in_the_top_three() {
    let (all, idx) = corpus();
    assert_eq!(idx.len(), N as u64);
    let target = &all[0];
    let q = "high-temperature vacuum bagging sealant tape for composite curing, AS9100 certified";
    let hits = top(q, &Filters::default(), 3);
    assert!(
        hits.iter().any(|h| h.uscc == target.uscc),
        "{:#?}",
        hits.iter().map(|h| &h.name_en).collect::<Vec<_>>()
    );
    let h = hits.iter().find(|h| h.uscc == target.uscc).unwrap();
    let m = &h.matched["capabilities_en"];
    for t in ["vacuum", "seal", "tape"] {
        assert!(m.iter().any(|x| x.starts_with(t)), "{m:?}");
    }
    // Matched words are shown as the query had them, not as stems (`bag`, `cure`).
    assert!(m.contains(&"bagging".to_string()), "{m:?}");
    // A word found through the glossary is shown with its pair, typed word first.
    for hit in &hits {
        for w in hit.matched.values().flatten() {
            let typed = w.split(" ↔ ").next().unwrap_or(w);
            assert!(q.contains(typed), "{w} is not a word of the query");
        }
    }
    // With the certification as a filter it is first.
    let f = Filters {
        certifications: vec!["AS9100".into()],
        ..Default::default()
    };
    assert_eq!(top(q, &f, 1)[0].uscc, target.uscc);
    // The same need in Chinese.
    let zh = top(
        "耐高温 真空袋 密封胶带 复合材料 固化",
        &Filters::default(),
        3,
    );
    assert!(zh.iter().any(|h| h.uscc == target.uscc));
}

#[test]
fn the_sealant_need_ranks_the_landmark_in_the_top_three_and_explains_itself() {
    use crate::matching::{rank, rank_unexplained, NeedKind, NeedSpec, Ranked, Weights};
    use crate::Cluster;
    let (all, idx) = corpus();
    let members: BTreeSet<String> = crate::generate::CITIES[..9]
        .iter()
        .map(|c| c.0.to_string())
        .collect();
    let need = NeedSpec {
        kind: NeedKind::SupplierLocalisation,
        title_zh: String::new(),
        title_en: "High-temperature vacuum bagging sealant tape".into(),
        description_zh: String::new(),
        description_en:
            "high-temperature vacuum bagging sealant tape for composite curing, AS9100 certified"
                .into(),
        certifications: vec!["AS9100".into()],
        clusters: vec![Cluster::NewMaterials, Cluster::Aviation],
        industries: vec!["C26".into()],
        cities: vec![],
    };
    let w = Weights::default();
    let r = rank(idx, &need, &w, &members, 10).unwrap();
    assert_eq!(r.len(), 10);
    // Without the explanation: the same candidates, order and scores, no matched terms.
    let u = rank_unexplained(idx, &need, &w, &members, 10).unwrap();
    let key = |v: &[Ranked]| {
        v.iter()
            .map(|x| (x.hit.uscc.clone(), x.hit.score))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&u), key(&r));
    assert!(u.iter().all(|x| x.hit.matched.is_empty()));
    let pos = r.iter().position(|x| x.hit.uscc == all[0].uscc);
    assert!(matches!(pos, Some(0..=2)), "{pos:?}");
    for x in &r {
        // The hard constraint holds for every candidate.
        assert!(x.hit.meta.certifications.iter().any(|c| c == "AS9100"));
        // The explanation adds up to the score.
        let sum: f32 = x.signals.iter().map(|s| s.contribution).sum();
        assert!((sum - x.hit.score).abs() < 1e-5);
        assert_eq!(x.signals.len(), 7);
    }
    let top = &r[pos.unwrap()];
    assert!(top.hit.matched.contains_key("capabilities_en"));
    let sig = |n: &str| top.signals.iter().find(|s| s.name == n).unwrap().value;
    assert_eq!(sig("cluster"), 1.0);
    assert_eq!(sig("industry"), 1.0);
    assert_eq!(sig("corridor_city"), 1.0);
    // Sorted by score.
    assert!(r.windows(2).all(|p| p[0].hit.score >= p[1].hit.score));
    // Weights change the order: with text alone, the order is BM25's.
    let text_only = Weights {
        cluster: 0.0,
        industry: 0.0,
        preferred_city: 0.0,
        corridor_city: 0.0,
        high_tech: 0.0,
        specialised: 0.0,
        ..w
    };
    let t = rank(idx, &need, &text_only, &members, 10).unwrap();
    assert!(t.windows(2).all(|p| p[0].bm25 >= p[1].bm25));
    // A preferred city lifts a firm there above an otherwise equal one.
    let city_heavy = Weights {
        preferred_city: 5.0,
        ..w
    };
    let need_sz = NeedSpec {
        cities: vec!["320500".into()],
        ..need.clone()
    };
    let c = rank(idx, &need_sz, &city_heavy, &members, 5).unwrap();
    assert!(c.iter().all(|x| x.hit.meta.city == "320500"), "{c:?}");
}

#[test]
fn chinese_and_english_queries_find_the_intended_firms() {
    let (all, _) = corpus();
    let photoresist = &all[1];
    assert_eq!(
        top("光刻胶", &Filters::default(), 1)[0].uscc,
        photoresist.uscc
    );
    assert_eq!(
        top("photoresist", &Filters::default(), 1)[0].uscc,
        photoresist.uscc
    );
    // Packaging and test: every one of the first 20 is a packaging-and-test firm.
    let by_uscc: BTreeMap<&str, &Enterprise> = all.iter().map(|e| (e.uscc.as_str(), e)).collect();
    for (q, needle) in [
        ("集成电路 封装测试", "封装"),
        ("IC packaging and testing", "packaging"),
    ] {
        let hits = top(q, &Filters::default(), 20);
        assert_eq!(hits.len(), 20);
        for h in &hits {
            let e = by_uscc[h.uscc.as_str()];
            assert!(
                e.capabilities_zh.contains(needle) || e.capabilities_en.contains(needle),
                "{q}: {} ({})",
                e.name_zh,
                e.capabilities_zh
            );
        }
        // Narrowed to Hefei's specialised SMEs, the landmark Hefei firm is among the
        // matches (equally relevant firms with shorter descriptions may rank above it).
        let f = Filters {
            city: Some("340100".into()),
            flags: vec!["specialised".into()],
            ..Default::default()
        };
        let r = corpus().1.search(q, &f, 0, 1000).unwrap();
        assert!(r.total < 1000, "{}", r.total);
        assert!(
            r.hits.iter().any(|h| h.uscc == all[2].uscc),
            "{q}: the Hefei firm"
        );
    }
}

#[test]
fn filters_and_facet_counts_are_exact() {
    let (all, idx) = corpus();
    let f = Filters {
        city: Some("330400".into()),
        cluster: Some("new_materials".into()),
        ..Default::default()
    };
    let r = idx.search("", &f, 0, 10).unwrap();
    let want: Vec<&Enterprise> = all
        .iter()
        .filter(|e| e.city == "330400" && e.cluster.as_str() == "new_materials")
        .collect();
    assert_eq!(r.total, want.len());
    let mut certs: BTreeMap<String, u64> = BTreeMap::new();
    for e in &want {
        for c in &e.certifications {
            *certs.entry(c.clone()).or_default() += 1;
        }
    }
    assert_eq!(r.facets["cert"], certs);
    assert_eq!(
        r.facets["city"],
        BTreeMap::from([("330400".to_string(), want.len() as u64)])
    );
    // Industry prefix and flags, with text.
    let f = Filters {
        industry: Some("C26".into()),
        flags: vec!["specialised".into()],
        ..Default::default()
    };
    let r = idx.search("密封", &f, 0, 5).unwrap();
    let n = all
        .iter()
        .filter(|e| {
            e.industry.starts_with("C26") && e.flags.specialised && {
                // The firm's Chinese words and the Chinese translations it is indexed with.
                let names = format!("{}\n{}", e.name_zh, e.name_en);
                let caps = format!("{}\n{}", e.capabilities_zh, e.capabilities_en);
                let x = idx.glossary().translations(&[&names, &caps]);
                let zh = format!(
                    "{} {} {} {}",
                    e.name_zh, e.capabilities_zh, x[0][0], x[1][0]
                );
                terms_with_words(&idx.index, "zh", &zh)
                    .iter()
                    .any(|(t, _)| t == "密封")
            }
        })
        .count();
    assert_eq!(r.total, n);
    assert!(n > 0);
    let by_cluster: u64 = r.facets["cluster"].values().sum();
    assert_eq!(by_cluster, n as u64);
}

#[test]
fn upsert_replaces_and_a_rebuild_answers_the_same() {
    let all = generate::enterprises(3000, 9);
    let live = EnterpriseIndex::in_memory().unwrap();
    let mut w = live.writer().unwrap();
    for e in &all {
        live.upsert(&w, e).unwrap();
    }
    live.commit(&mut w).unwrap();
    // An update: the firm now makes photoresist; it is found by that and not twice.
    let mut changed = all[100].clone();
    changed.capabilities_zh = "ArF光刻胶".into();
    live.upsert(&w, &changed).unwrap();
    live.commit(&mut w).unwrap();
    assert_eq!(live.len(), 3000);
    let mut now = all.clone();
    now[100] = changed.clone();
    let rebuilt = EnterpriseIndex::in_memory().unwrap();
    let mut w2 = rebuilt.writer().unwrap();
    for e in &now {
        rebuilt.upsert(&w2, e).unwrap();
    }
    rebuilt.commit(&mut w2).unwrap();
    for q in ["光刻胶", "lithium-ion batteries", "航空 钛合金", ""] {
        let a = live.search(q, &Filters::default(), 0, 50).unwrap();
        let b = rebuilt.search(q, &Filters::default(), 0, 50).unwrap();
        assert_eq!(a.total, b.total, "{q}");
        assert_eq!(a.facets, b.facets, "{q}");
        let ua: BTreeSet<_> = a.hits.iter().map(|h| h.uscc.clone()).collect();
        let ub: BTreeSet<_> = b.hits.iter().map(|h| h.uscc.clone()).collect();
        if a.total <= 50 {
            assert_eq!(ua, ub, "{q}");
        }
    }
    assert!(live
        .search("光刻胶", &Filters::default(), 0, 5)
        .unwrap()
        .hits
        .iter()
        .any(|h| h.uscc == changed.uscc));
}
