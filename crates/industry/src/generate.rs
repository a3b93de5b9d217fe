//! Deterministic synthetic enterprises: fictional names (a city, a made-up brand, a trade
//! word), capabilities drawn from per-cluster vocabularies in Chinese and English, plausible
//! industry classes and certifications. The same seed gives the same registry. A few
//! "landmark" firms with known capabilities are placed at fixed positions so tests and demos
//! can check that search and matching find them.

use crate::{Cluster, Enterprise, Flags, SizeBand};
use corridor_domain::ids::Uscc;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod chains;
#[allow(unused_imports)]
use chains::*;

/// `(code, zh, en)`: the nine member cities first, then a few others.
pub const CITIES: [(&str, &str, &str); 12] = [
    ("310117", "松江", "Songjiang"),
    ("320500", "苏州", "Suzhou"),
    ("330100", "杭州", "Hangzhou"),
    ("330400", "嘉兴", "Jiaxing"),
    ("330500", "湖州", "Huzhou"),
    ("330700", "金华", "Jinhua"),
    ("340100", "合肥", "Hefei"),
    ("340200", "芜湖", "Wuhu"),
    ("341800", "宣城", "Xuancheng"),
    ("310115", "浦东", "Pudong"),
    ("320100", "南京", "Nanjing"),
    ("440300", "深圳", "Shenzhen"),
];

/// Brand syllables: `(hanzi, pinyin)`.
const SYLLABLES: [(&str, &str); 40] = [
    ("启", "Qi"),
    ("明", "ming"),
    ("恒", "Heng"),
    ("韧", "ren"),
    ("华", "Hua"),
    ("芯", "xin"),
    ("睿", "Rui"),
    ("科", "ke"),
    ("远", "Yuan"),
    ("航", "hang"),
    ("鼎", "Ding"),
    ("盛", "sheng"),
    ("博", "Bo"),
    ("达", "da"),
    ("星", "Xing"),
    ("源", "yuan"),
    ("瑞", "Rui"),
    ("泰", "tai"),
    ("新", "Xin"),
    ("宇", "yu"),
    ("正", "Zheng"),
    ("和", "he"),
    ("嘉", "Jia"),
    ("禾", "he"),
    ("天", "Tian"),
    ("磊", "lei"),
    ("智", "Zhi"),
    ("诚", "cheng"),
    ("中", "Zhong"),
    ("峰", "feng"),
    ("凯", "Kai"),
    ("越", "yue"),
    ("捷", "Jie"),
    ("通", "tong"),
    ("安", "An"),
    ("川", "chuan"),
    ("合", "He"),
    ("力", "li"),
    ("晶", "Jing"),
    ("辉", "hui"),
];

/// The fixed tables of fictional firms (`data/fictional_firms.json`).
#[derive(Default, serde::Deserialize)]
struct FictionalFirms {
    landmarks: Vec<Enterprise>,
    heads: Vec<Enterprise>,
}

fn fictional_firms() -> FictionalFirms {
    // Embedded at build time; `fixed_tables_are_valid` checks that it reads.
    serde_json::from_str(include_str!("../data/fictional_firms.json")).unwrap_or_default()
}

/// Firms with known capabilities at fixed positions (all fictional).
pub fn landmarks() -> Vec<Enterprise> {
    fictional_firms().landmarks
}

/// Fictional head enterprises for the demo: an aircraft maker, an AI computing centre and a
/// chip maker.
pub fn demo_heads() -> Vec<Enterprise> {
    fictional_firms().heads
}

/// The demo's needs: (index into [`demo_heads`], need).
pub fn demo_needs() -> Vec<(usize, crate::matching::NeedSpec)> {
    use crate::matching::{NeedKind, NeedSpec};
    let n = |kind,
             tz: &str,
             te: &str,
             dz: &str,
             de: &str,
             certs: &[&str],
             clusters: &[Cluster],
             ind: &[&str]| NeedSpec {
        kind,
        title_zh: tz.into(),
        title_en: te.into(),
        description_zh: dz.into(),
        description_en: de.into(),
        certifications: certs.iter().map(|c| c.to_string()).collect(),
        clusters: clusters.to_vec(),
        industries: ind.iter().map(|c| c.to_string()).collect(),
        cities: vec![],
    };
    vec![
        (0, n(NeedKind::SupplierLocalisation,
              "耐高温真空袋密封胶带本地化配套", "High-temperature vacuum bagging sealant tape",
              "用于复合材料热压罐固化的耐高温真空袋密封胶带，需AS9100认证",
              "High-temperature vacuum bagging sealant tape for composite curing, AS9100 certified",
              &["AS9100"], &[Cluster::NewMaterials, Cluster::Aviation], &["C26", "C29"])),
        (0, n(NeedKind::BottleneckTechnology,
              "航空钛合金精密锻件联合攻关", "Precision titanium alloy forgings for aircraft",
              "航空钛合金 精密锻造 热处理 无损检测", "Aerospace titanium alloy precision forging, heat treatment and non-destructive testing",
              &[], &[Cluster::Aviation, Cluster::HighEndEquipment], &["C33", "C37"])),
        (0, n(NeedKind::PartnerReserve,
              "机载线缆组件合作伙伴储备", "Partner reserve: aircraft cable assemblies",
              "机载线缆组件 连接器 线束", "Aircraft cable assemblies, connectors and wire harnesses",
              &["AS9100"], &[Cluster::Aviation], &[])),
        (1, n(NeedKind::SupplierLocalisation,
              "液冷服务器散热部件本地配套", "Liquid cooling parts for AI servers",
              "服务器 液冷 散热 冷板", "Server liquid cooling, heat dissipation and cold plates",
              &[], &[Cluster::HighEndEquipment, Cluster::ArtificialIntelligence], &[])),
        (1, n(NeedKind::BottleneckTechnology,
              "大模型推理芯片适配联合攻关", "Inference chips for large models",
              "人工智能芯片 推理 加速", "AI inference accelerator chips and software adaptation",
              &[], &[Cluster::IntegratedCircuits, Cluster::ArtificialIntelligence], &[])),
        (2, n(NeedKind::SupplierLocalisation,
              "ArF光刻胶国产替代", "ArF photoresist localisation",
              "ArF光刻胶 光刻胶配套试剂", "ArF photoresists and ancillary reagents",
              &[], &[Cluster::IntegratedCircuits, Cluster::NewMaterials], &["C3985", "C26"])),
        (2, n(NeedKind::SupplierLocalisation,
              "集成电路封装测试产能配套", "IC packaging and testing capacity",
              "集成电路 封装测试 晶圆级封装", "Integrated circuit packaging and testing, wafer-level packaging",
              &[], &[Cluster::IntegratedCircuits], &["C397"])),
    ]
}

/// `n` enterprises from `seed`; the landmarks take the first positions.
pub fn enterprises(n: usize, seed: u64) -> Vec<Enterprise> {
    stream(n, seed).collect()
}

/// The same enterprises as [`enterprises`], one at a time (for files of millions).
pub fn stream(n: usize, seed: u64) -> impl Iterator<Item = Enterprise> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let marks = landmarks();
    let k = marks.len().min(n);
    let mut serial: u64 = 10_000;
    marks.into_iter().take(k).chain((k..n).map(move |_| {
        serial += 1;
        one(&mut rng, serial)
    }))
}

fn one(rng: &mut ChaCha8Rng, serial: u64) -> Enterprise {
    // Member cities are where most of the registry is.
    let city = if rng.gen_bool(0.85) {
        CITIES[rng.gen_range(0..9)]
    } else {
        CITIES[rng.gen_range(9..CITIES.len())]
    };
    let cluster = *Cluster::ALL.choose(rng).unwrap_or(&Cluster::NewMaterials);
    let ls = lines(cluster);
    let l = &ls[rng.gen_range(0..ls.len())];
    let a = SYLLABLES[rng.gen_range(0..SYLLABLES.len())];
    let b = SYLLABLES[rng.gen_range(0..SYLLABLES.len())];
    let name_zh = format!("{}{}{}{}有限公司", city.1, a.0, b.0, l.trade_zh);
    let brand = format!("{}{}", a.1, b.1.to_lowercase());
    let brand = {
        let mut c = brand.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    };
    let name_en = format!("{} {} {} Co., Ltd.", city.2, brand, l.trade_en);
    let k = rng.gen_range(2..=3).min(l.zh.len());
    let mut idx: Vec<usize> = (0..l.zh.len()).collect();
    idx.shuffle(rng);
    idx.truncate(k);
    idx.sort_unstable();
    let capabilities_zh = idx.iter().map(|i| l.zh[*i]).collect::<Vec<_>>().join("、");
    let capabilities_en = idx.iter().map(|i| l.en[*i]).collect::<Vec<_>>().join(", ");
    let certifications = l
        .certs
        .iter()
        .filter(|_| rng.gen_bool(0.5))
        .map(|c| c.to_string())
        .collect();
    // Organisation part: 9 characters from the serial, unique per enterprise.
    let first17 = format!("9{}{}{:09}", 1, city.0, serial % 1_000_000_000);
    let uscc = Uscc::with_check(&first17)
        .map(|u| u.as_str().to_string())
        .unwrap_or_default();
    let size = match rng.gen_range(0..100) {
        0..=39 => SizeBand::Micro,
        40..=79 => SizeBand::Small,
        80..=95 => SizeBand::Medium,
        _ => SizeBand::Large,
    };
    let head = size == SizeBand::Large && rng.gen_bool(0.2);
    Enterprise {
        uscc,
        name_zh,
        name_en,
        city: city.0.into(),
        industry: l.industry.into(),
        cluster,
        flags: Flags {
            high_tech: rng.gen_bool(0.35),
            specialised: size != SizeBand::Large && rng.gen_bool(0.12),
            head,
            listed: (head || size == SizeBand::Large) && rng.gen_bool(0.4),
        },
        capabilities_zh,
        capabilities_en,
        certifications,
        size,
        founded: rng.gen_range(1985..=2025),
    }
}

#[cfg(test)]
mod tests;
