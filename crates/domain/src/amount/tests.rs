//! The rule's arithmetic, its checks, and the shipped rules against worked examples.
use super::*;
use crate::catalogue::{ApplicantKind, Output, SelectOption, ServiceMode};
use serde_json::json;

fn num(key: &str, zh: &str, en: &str) -> FormField {
    FormField {
        key: key.into(),
        label_zh: zh.into(),
        label_en: en.into(),
        ty: FieldType::Number,
        required: true,
        max_len: None,
        min: Some(0.0),
        max: None,
        options: vec![],
        personal: false,
    }
}

fn select(key: &str, options: &[&str]) -> FormField {
    FormField {
        ty: FieldType::Select,
        options: options
            .iter()
            .map(|o| SelectOption {
                value: o.to_string(),
                label_zh: format!("{o}类"),
                label_en: format!("class {o}"),
            })
            .collect(),
        ..num(key, "人才层次", "talent level")
    }
}

fn matter() -> Matter {
    Matter {
        code: "T-1".into(),
        name_zh: "租金补贴".into(),
        name_en: "Rent subsidy".into(),
        category: "talent".into(),
        authority_kind: "talent".into(),
        modes: vec![ServiceMode::FullyOnline],
        statutory_days: 20,
        promised_days: 10,
        fee_yuan: 0.0,
        applicant_kind: ApplicantKind::Person,
        materials: vec![],
        fields: vec![
            num("monthly_rent", "月租金", "monthly rent"),
            num("monthly_salary", "月工资", "monthly salary"),
            select("talent_level", &["A", "B", "C"]),
        ],
        output: Output {
            licence_type: None,
            name_zh: "结果".into(),
            name_en: "Result".into(),
            validity_years: None,
        },
        competent_city_field: None,
        parts: vec![],
        amount: Some(AmountKind::Subsidy),
    }
}

fn rent_rule() -> AmountRule {
    serde_json::from_value(json!({
        "kind": "subsidy", "unit": "per_month", "months": 12,
        "terms": [{"field": "monthly_rent", "factor": 1}, {"field": "monthly_salary", "factor": -0.1}],
        "cap": {"field": "talent_level", "values": {"A": 4500, "B": 3000, "C": 670}},
        "basis_zh": "示例", "basis_en": "example"
    }))
    .unwrap()
}

fn form(rent: f64, salary: f64, level: &str) -> BTreeMap<String, Value> {
    [
        ("monthly_rent".to_string(), json!(rent)),
        ("monthly_salary".to_string(), json!(salary)),
        ("talent_level".to_string(), json!(level)),
    ]
    .into()
}

#[test]
fn rent_is_brought_to_a_tenth_of_salary_within_the_cap() {
    let (m, r) = (matter(), rent_rule());
    r.validate(&m).unwrap();
    let c = r.compute(&m, &form(5000.0, 20000.0, "B")).unwrap();
    assert_eq!((c.amount_fen, c.total_fen), (300_000, 3_600_000));
    assert!(c.steps.iter().any(|s| s.en.contains("not reached")));
    assert_eq!(
        c.summary(false),
        "subsidy 3,000.00 yuan a month, 36,000.00 yuan over 12 months"
    );
    assert_eq!(
        c.summary(true),
        "补贴 3,000.00 元/月，共 12 个月 36,000.00 元"
    );
    let c = r.compute(&m, &form(6000.0, 10000.0, "C")).unwrap();
    assert_eq!(c.amount_fen, 67_000, "capped at class C");
    assert!(c.steps.iter().any(|s| s
        .zh
        .contains("上限（人才层次“C类”） 670.00 元：取 670.00 元")));
    let c = r.compute(&m, &form(2000.0, 30000.0, "A")).unwrap();
    assert_eq!(
        c.amount_fen, 0,
        "rent already under a tenth: nothing, not less"
    );
    let c = r.compute(&m, &form(3333.33, 12345.67, "A")).unwrap();
    assert_eq!(c.amount_fen, 333_333 - 123_457);
}

#[test]
fn a_form_without_what_the_rule_needs_is_an_error_in_both_languages() {
    let (m, r) = (matter(), rent_rule());
    let mut f = form(5000.0, 20000.0, "B");
    f.remove("monthly_salary");
    let e = r.compute(&m, &f).unwrap_err();
    assert!(
        e.en.contains("monthly salary") && e.zh.contains("月工资"),
        "{e:?}"
    );
    let e = r.compute(&m, &form(5000.0, 20000.0, "Z")).unwrap_err();
    assert!(e.en.contains("'Z'"), "{e:?}");
}

#[test]
fn fees_by_answer_with_an_exemption() {
    let mut m = matter();
    m.amount = Some(AmountKind::Fee);
    m.fields.push(select("use", &["home", "shop"]));
    m.fields.push(select("small", &["yes", "no"]));
    let r: AmountRule = serde_json::from_value(json!({
        "kind": "fee", "base": {"field": "use", "values": {"home": 80, "shop": 550}},
        "exemptions": [{"field": "small", "answers": ["yes"]}],
        "basis_zh": "收费标准", "basis_en": "fee schedule"
    }))
    .unwrap();
    r.validate(&m).unwrap();
    let mut f: BTreeMap<String, Value> =
        [("use".into(), json!("shop")), ("small".into(), json!("no"))].into();
    let c = r.compute(&m, &f).unwrap();
    assert_eq!((c.amount_fen, c.total_fen), (55_000, 55_000));
    assert_eq!(c.summary(false), "fee 550.00 yuan");
    f.insert("small".into(), json!("yes"));
    assert_eq!(r.compute(&m, &f).unwrap().amount_fen, 0);
}

#[test]
fn rules_that_do_not_fit_the_matter_are_refused() {
    let m = matter();
    let bad = |j: Value| {
        let r: AmountRule = serde_json::from_value(j).unwrap();
        r.validate(&m).unwrap_err()
    };
    let base = json!({"kind": "subsidy", "basis_zh": "x", "basis_en": "x"});
    let with = |k: &str, v: Value| {
        let mut j = base.clone();
        j[k] = v;
        j
    };
    assert!(bad(with("terms", json!([{"field": "nope", "factor": 1}])))
        .en
        .contains("nope"));
    assert!(bad(with(
        "terms",
        json!([{"field": "talent_level", "factor": 1}])
    ))
    .en
    .contains("number field"));
    assert!(bad(with(
        "cap",
        json!({"field": "talent_level", "values": {"Q": 1}})
    ))
    .en
    .contains("'Q'"));
    assert!(bad(with(
        "cap",
        json!({"field": "monthly_rent", "values": {"A": 1}})
    ))
    .en
    .contains("not a select"));
    assert!(bad(with("cap", json!(-1))).en.contains("-1"));
    assert!(bad(with("floor", json!(2e9))).en.contains("floor"));
    assert!(bad(with("months", json!(12))).en.contains("per_month"));
    assert!(bad(with("basis_en", json!(" "))).en.contains("basis_en"));
    assert!(serde_json::from_value::<AmountRule>(with("surprise", json!(1))).is_err());
    assert!(bad(with("kind", json!("fee")))
        .en
        .contains("compute no fee"));
}

/// The shipped rules, each city's, against worked examples.
#[test]
fn shipped_rules_give_the_worked_examples_of_every_city() {
    #[derive(Deserialize)]
    struct Shipped {
        city: String,
        matter: String,
        rule: AmountRule,
    }
    let matters: Vec<Matter> =
        serde_json::from_str(include_str!("../../../../data/matters.json")).unwrap();
    let rules: Vec<Shipped> =
        serde_json::from_str(include_str!("../../../../data/amount_rules.json")).unwrap();
    let matter = |code: &str| matters.iter().find(|m| m.code == code).unwrap();
    let rule = |city: &str, code: &str| {
        let r = rules.iter().find(|r| r.city == city && r.matter == code);
        &r.unwrap_or_else(|| panic!("no rule for {city} {code}"))
            .rule
    };
    for r in &rules {
        r.rule.validate(matter(&r.matter)).unwrap();
    }
    // Rent subsidy: rent less a tenth of salary, capped by level; (a month, in all), fen.
    let rent = [
        ("310117", 5000.0, 20000.0, "B", 300_000, 3_600_000),
        ("330400", 4000.0, 15000.0, "B", 250_000, 3_000_000),
        ("330100", 6000.0, 12000.0, "A", 400_000, 9_600_000),
        ("330700", 2500.0, 30000.0, "C", 0, 0),
        ("330500", 3200.0, 22000.0, "D", 50_000, 600_000),
        ("320500", 3800.50, 18000.40, "C", 140_000, 3_360_000),
        ("341800", 1800.0, 9000.0, "B", 90_000, 1_080_000),
        ("340200", 2345.67, 8765.43, "A", 146_913, 1_762_956),
        ("340100", 3000.0, 16000.0, "D", 60_000, 2_160_000),
    ];
    let m = matter("G60-TAL-002");
    for (city, rent, salary, level, month, all) in rent {
        let c = rule(city, m.code.as_str())
            .compute(m, &form(rent, salary, level))
            .unwrap();
        assert_eq!(
            (c.amount_fen, c.total_fen),
            (month, all),
            "{city}: {:?}",
            c.steps
        );
    }
    // Provident fund for renting: as asked, up to the city's limit.
    let hpf = [
        ("310117", 6000.0, 450_000),
        ("330400", 2000.0, 200_000),
        ("330100", 4000.0, 400_000),
        ("330700", 2500.01, 250_000),
        ("330500", 100.0, 10_000),
        ("320500", 9999.0, 360_000),
        ("341800", 1999.99, 199_999),
        ("340200", 3000.0, 220_000),
        ("340100", 3000.0, 300_000),
    ];
    let m = matter("G60-HPF-004");
    for (city, asked, granted) in hpf {
        let f = [("amount_yuan".to_string(), json!(asked))].into();
        let c = rule(city, &m.code).compute(m, &f).unwrap();
        assert_eq!(c.amount_fen, granted, "{city}: {:?}", c.steps);
    }
    // Registration fees: by the property's use; small and micro enterprises exempt.
    for code in ["G60-RES-001", "G60-RES-002", "G60-RES-003", "G60-RES-007"] {
        let m = matter(code);
        for (city, ..) in rent {
            for (use_, small, fee) in [
                ("residential", "no", 8_000),
                ("non_residential", "no", 55_000),
                ("non_residential", "yes", 0),
            ] {
                let f = [
                    ("property_use".to_string(), json!(use_)),
                    ("small_micro".to_string(), json!(small)),
                ]
                .into();
                let c = rule(city, code).compute(m, &f).unwrap();
                assert_eq!(c.amount_fen, fee, "{city} {code} {use_} {small}");
            }
        }
    }
}

#[test]
fn yuan_is_grouped_by_thousands() {
    assert_eq!(yuan(0), "0.00");
    assert_eq!(yuan(5), "0.05");
    assert_eq!(yuan(-5), "-0.05");
    assert_eq!(yuan(123_456_789), "1,234,567.89");
    assert_eq!(yuan(100_000), "1,000.00");
}
