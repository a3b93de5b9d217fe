//! Reference data: loaded from the shipped files on first start, re-importable from a folder,
//! validated with messages that name the bad record. An in-memory snapshot serves reads.

use crate::error::{AppError, AppResult, ErrorCode};
use corridor_domain::calendar::{Calendar, CalendarYear};
use corridor_domain::catalogue::{
    Authority, AuthorityKind, Jurisdiction, Matter, ReferenceData, Window,
};
use corridor_store::{Store, Val};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The files shipped in `data/`, compiled in so the binary runs anywhere.
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "jurisdictions.json",
        include_str!("../../../data/jurisdictions.json"),
    ),
    (
        "authority_kinds.json",
        include_str!("../../../data/authority_kinds.json"),
    ),
    (
        "authorities.json",
        include_str!("../../../data/authorities.json"),
    ),
    ("windows.json", include_str!("../../../data/windows.json")),
    ("matters.json", include_str!("../../../data/matters.json")),
    ("calendar.json", include_str!("../../../data/calendar.json")),
    ("bundles.json", include_str!("../../../data/bundles.json")),
];

fn invalid(what: String) -> AppError {
    AppError::new(ErrorCode::InvalidReferenceData, what)
}

fn parse<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> AppResult<T> {
    serde_json::from_str(text).map_err(|e| invalid(format!("{name}: {e}")))
}

/// Reference data and calendar as read from files.
pub struct Bundle {
    pub data: ReferenceData,
    pub calendar: Vec<CalendarYear>,
}

impl Bundle {
    fn from_texts(get: impl Fn(&str) -> AppResult<String>) -> AppResult<Bundle> {
        let data = ReferenceData {
            jurisdictions: parse("jurisdictions.json", &get("jurisdictions.json")?)?,
            authority_kinds: parse("authority_kinds.json", &get("authority_kinds.json")?)?,
            authorities: parse("authorities.json", &get("authorities.json")?)?,
            windows: parse("windows.json", &get("windows.json")?)?,
            matters: parse("matters.json", &get("matters.json")?)?,
            // A folder from before bundles has none.
            bundles: match get("bundles.json") {
                Ok(t) => parse("bundles.json", &t)?,
                Err(_) => Vec::new(),
            },
        };
        data.validate().map_err(|e| invalid(e.to_string()))?;
        let calendar: Vec<CalendarYear> = parse("calendar.json", &get("calendar.json")?)?;
        for y in &calendar {
            y.validate().map_err(|e| invalid(e.to_string()))?;
        }
        Ok(Bundle { data, calendar })
    }

    pub fn shipped() -> AppResult<Bundle> {
        Bundle::from_texts(|name| {
            SHIPPED
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| t.to_string())
                .ok_or_else(|| invalid(format!("{name} is not shipped")))
        })
    }

    /// Reads the files from a folder (`bundles.json` may be missing).
    pub fn from_dir(dir: &Path) -> AppResult<Bundle> {
        Bundle::from_texts(|name| {
            std::fs::read_to_string(dir.join(name))
                .map_err(|e| invalid(format!("{}: {e}", dir.join(name).display())))
        })
    }
}

/// Digest of a catalogue, to publish a new version only when something changed.
pub fn catalogue_digest(matters: &[Matter]) -> String {
    let mut h = Sha256::new();
    for m in matters {
        h.update(serde_json::to_vec(m).unwrap_or_default());
    }
    hex::encode(h.finalize())
}

/// Writes a bundle into the store. Members, authorities, windows and calendar years are
/// upserted; the catalogue becomes a new version if it differs from the latest one.
/// Returns the catalogue version in force.
pub async fn import_bundle(store: &Store, b: &Bundle, now_ms: i64, note: &str) -> AppResult<i64> {
    let mut tx = store.begin_write().await?;
    for j in &b.data.jurisdictions {
        Store::put_doc(&mut tx, "jurisdictions", Val::t(j.code.as_str()), &[], j).await?;
    }
    for k in &b.data.authority_kinds {
        Store::put_doc(&mut tx, "authority_kinds", Val::t(&k.code), &[], k).await?;
    }
    for a in &b.data.authorities {
        let extra = [Val::t(a.city.as_str()), Val::t(&a.kind)];
        Store::put_doc(&mut tx, "authorities", Val::t(&a.id), &extra, a).await?;
    }
    for w in &b.data.windows {
        Store::put_doc(
            &mut tx,
            "windows",
            Val::t(&w.id),
            &[Val::t(w.city.as_str())],
            w,
        )
        .await?;
    }
    for y in &b.calendar {
        Store::put_doc(&mut tx, "calendar_years", Val::i(y.year.into()), &[], y).await?;
    }
    for x in &b.data.bundles {
        Store::put_doc(&mut tx, "bundles", Val::t(&x.code), &[], x).await?;
    }
    tx.commit().await?;
    let digest = catalogue_digest(&b.data.matters);
    let latest = store.latest_catalogue_version().await?;
    let version = match latest {
        Some((v, d)) if d == digest => v,
        other => {
            let v = other.map_or(1, |(v, _)| v + 1);
            let mut tx = store.begin_write().await?;
            let rows: Vec<(String, String, &Matter)> = b
                .data
                .matters
                .iter()
                .map(|m| (m.code.clone(), m.authority_kind.clone(), m))
                .collect();
            Store::publish_catalogue(&mut tx, v, now_ms, note, &digest, &rows).await?;
            tx.commit().await?;
            v
        }
    };
    Ok(version)
}

/// The in-memory snapshot used to answer reads and validate filings.
pub struct Reference {
    pub jurisdictions: Vec<Jurisdiction>,
    pub authority_kinds: Vec<AuthorityKind>,
    pub authorities: BTreeMap<String, Authority>,
    pub windows: BTreeMap<String, Window>,
    /// Matters of every version: `matters[(code, version)]`.
    pub matters: HashMap<(String, i64), Matter>,
    /// The latest version's matters in catalogue order.
    pub current: Vec<Matter>,
    pub version: i64,
    pub calendar: Calendar,
    /// The amount rules in force, by (city, matter code).
    pub rules: crate::amounts::Rules,
    /// Matters filed together once, by code.
    pub bundles: Vec<corridor_domain::joint::Bundle>,
}

impl Reference {
    pub async fn load(store: &Store) -> AppResult<Reference> {
        let jurisdictions: Vec<Jurisdiction> = store.load_docs("jurisdictions").await?;
        let authority_kinds: Vec<AuthorityKind> = store.load_docs("authority_kinds").await?;
        let authorities: Vec<Authority> = store.load_docs("authorities").await?;
        let windows: Vec<Window> = store.load_docs("windows").await?;
        let years: Vec<CalendarYear> = store.load_docs("calendar_years").await?;
        let all: Vec<(i64, Matter)> = store.load_matters().await?;
        let version = all.iter().map(|(v, _)| *v).max().unwrap_or(0);
        let mut current: Vec<Matter> = all
            .iter()
            .filter(|(v, _)| *v == version)
            .map(|(_, m)| m.clone())
            .collect();
        current.sort_by(|a, b| a.code.cmp(&b.code));
        let matters = all
            .into_iter()
            .map(|(v, m)| ((m.code.clone(), v), m))
            .collect();
        Ok(Reference {
            jurisdictions,
            authority_kinds,
            authorities: authorities.into_iter().map(|a| (a.id.clone(), a)).collect(),
            windows: windows.into_iter().map(|w| (w.id.clone(), w)).collect(),
            matters,
            current,
            version,
            calendar: Calendar::new(years).map_err(|e| invalid(e.to_string()))?,
            rules: crate::amounts::load_rules(store).await?,
            bundles: store.load_docs("bundles").await?,
        })
    }

    pub fn jurisdiction(&self, code: &str) -> Option<&Jurisdiction> {
        self.jurisdictions.iter().find(|j| j.code.as_str() == code)
    }

    pub fn current_matter(&self, code: &str) -> Option<&Matter> {
        self.current.iter().find(|m| m.code == code)
    }

    pub fn bundle(&self, code: &str) -> Option<&corridor_domain::joint::Bundle> {
        self.bundles.iter().find(|b| b.code == code)
    }

    pub fn matter(&self, code: &str, version: i64) -> Option<&Matter> {
        self.matters.get(&(code.to_string(), version))
    }

    /// Whether a case received in `a` for `b` crosses a provincial border.
    pub fn cross_province(a: &str, b: &str) -> bool {
        a.get(..2) != b.get(..2)
    }
}
