//! Synthetic people, firms and forms for the demo: names, identifiers and dates from a seed.

use super::*;

pub(crate) const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
];
pub(crate) const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平", "刚",
    "桂英", "晓东", "思远", "雨桐",
];
pub(crate) const FIRM_WORDS: &[&str] = &[
    "启明", "云帆", "星河", "蓝湾", "嘉禾", "青岚", "远航", "瑞霖", "恒川", "翠微", "拓原", "知行",
];
pub(crate) const FIRM_TRADES: &[&str] = &[
    "新材料",
    "微电子",
    "智能装备",
    "生物科技",
    "软件",
    "精密机械",
    "光电",
    "新能源",
];

/// Cases per generated chunk, and per write transaction (with their ~5.7 events each, about
/// 90 MB of rows: few commits, so index pages shared by many cases are written once per chunk;
/// with the bulk loader's rarer checkpoints, 300,000 cases took 51 s instead of 62 s).
pub(crate) const CHUNK: usize = 20000;

/// A run of generated cases with their audit events (contiguous, in case order) and licences.
pub(crate) struct Chunk {
    pub(crate) cases: Vec<CaseRecord>,
    pub(crate) events: Vec<AuditEvent>,
    pub(crate) licences: Vec<corridor_store::LicenceRecord>,
    /// The amounts approvals of rule-computed matters recorded.
    pub(crate) amounts: Vec<corridor_store::CaseAmountRecord>,
}

pub(crate) fn pick<'a, T>(rng: &mut StdRng, xs: &'a [T]) -> &'a T {
    &xs[rng.gen_range(0..xs.len())]
}

pub(crate) fn person_name(rng: &mut StdRng) -> String {
    format!("{}{}", pick(rng, SURNAMES), pick(rng, GIVEN))
}

pub(crate) fn resident_id(rng: &mut StdRng, city: &str) -> String {
    let y = rng.gen_range(1960..2004);
    let m = rng.gen_range(1..=12);
    let d = rng.gen_range(1..=28);
    let seq = rng.gen_range(0..1000);
    ResidentId::with_check(&format!("{city}{y:04}{m:02}{d:02}{seq:03}"))
        .map(|r| r.as_str().to_string())
        .unwrap_or_default()
}

pub(crate) fn uscc(rng: &mut StdRng, city: &str) -> String {
    const A: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let body: String = (0..9)
        .map(|_| A[rng.gen_range(0..A.len())] as char)
        .collect();
    Uscc::with_check(&format!("91{city}{body}"))
        .map(|u| u.as_str().to_string())
        .unwrap_or_default()
}

pub(crate) fn form_for(
    rng: &mut StdRng,
    m: &Matter,
    city: &str,
    filed: Date,
) -> BTreeMap<String, Value> {
    let mut f = BTreeMap::new();
    let firm = format!(
        "{}{}{}有限公司",
        pick(rng, FIRM_WORDS),
        pick(rng, FIRM_WORDS),
        pick(rng, FIRM_TRADES)
    );
    for fd in &m.fields {
        let v = match fd.ty {
            FieldType::Text => {
                let s = if fd.key.contains("name") && fd.personal {
                    person_name(rng)
                } else if fd.key.contains("name") {
                    firm.clone()
                } else {
                    format!(
                        "示例内容 {} / sample {}",
                        fd.label_zh,
                        rng.gen_range(1..1000)
                    )
                };
                Value::String(s.chars().take(fd.max_len.unwrap_or(200) as usize).collect())
            }
            FieldType::Number => {
                let lo = fd.min.unwrap_or(0.0).ceil();
                let hi = fd.max.unwrap_or(1000.0).min(lo + 10000.0).floor().max(lo);
                Value::from(rng.gen_range(lo as i64..=hi as i64))
            }
            FieldType::Date => {
                Value::String(date_str(filed - Duration::days(rng.gen_range(1..60))))
            }
            FieldType::Uscc => Value::String(uscc(rng, city)),
            FieldType::ResidentId => Value::String(resident_id(rng, city)),
            FieldType::OrgCode => continue,
            // Fictional: a letter and eight digits, as many states print them.
            FieldType::Passport => Value::String(format!(
                "{}{:08}",
                ['P', 'E', 'X', 'K'][rng.gen_range(0..4)],
                rng.gen_range(0..100_000_000u32)
            )),
            FieldType::Phone => Value::String(format!(
                "1{}{:09}",
                rng.gen_range(3..=9),
                rng.gen_range(0..1_000_000_000u64)
            )),
            // The field that names the competent city names the city the case is decided in.
            FieldType::Select if m.competent_city_field.as_ref() == Some(&fd.key) => {
                Value::String(city.to_string())
            }
            FieldType::Select => Value::String(pick(rng, &fd.options).value.clone()),
            FieldType::Boolean => Value::Bool(true),
        };
        f.insert(fd.key.clone(), v);
    }
    f
}

pub(crate) fn next_working(cal: &Calendar, d: Date) -> Date {
    let mut d = d;
    while !cal.is_working_day(d) {
        d = d.next_day().unwrap_or(d);
    }
    d
}

pub(crate) fn det_uuid(rng: &mut StdRng, ms: i64) -> Uuid {
    let bytes: [u8; 10] = rng.gen();
    uuid::Builder::from_unix_timestamp_millis(ms as u64, &bytes).into_uuid()
}
