//! A reference-data import with one file replaced by arbitrary text: parsing and the
//! cross-checks (`ReferenceData::validate`, `CalendarYear::validate`) answer with an error
//! naming the problem, never a panic. The other files are the shipped ones (parsed once);
//! the bundles (`data/bundles.json`) are checked against the whole shipped catalogue.
#![no_main]

use corridor_domain::calendar::CalendarYear;
use corridor_domain::catalogue::ReferenceData;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn shipped() -> &'static (ReferenceData, Vec<CalendarYear>) {
    static S: OnceLock<(ReferenceData, Vec<CalendarYear>)> = OnceLock::new();
    S.get_or_init(|| {
        let data = ReferenceData {
            jurisdictions: serde_json::from_str(include_str!("../../data/jurisdictions.json")).unwrap(),
            authority_kinds: serde_json::from_str(include_str!("../../data/authority_kinds.json")).unwrap(),
            authorities: serde_json::from_str(include_str!("../../data/authorities.json")).unwrap(),
            windows: serde_json::from_str(include_str!("../../data/windows.json")).unwrap(),
            matters: serde_json::from_str(include_str!("../../data/matters.json")).unwrap(),
            bundles: serde_json::from_str(include_str!("../../data/bundles.json")).unwrap(),
        };
        data.validate().expect("shipped data is valid");
        let cal: Vec<CalendarYear> = serde_json::from_str(include_str!("../../data/calendar.json")).unwrap();
        (data, cal)
    })
}

fn load(which: u8, text: &str) -> Result<(), String> {
    let (base, cal) = shipped();
    let e = |e: serde_json::Error| e.to_string();
    if which % 7 == 5 {
        let years: Vec<CalendarYear> = serde_json::from_str(text).map_err(e)?;
        for y in &years {
            y.validate().map_err(|e| e.to_string())?;
        }
        return Ok(());
    }
    let mut data = ReferenceData {
        jurisdictions: Vec::new(),
        authority_kinds: Vec::new(),
        authorities: Vec::new(),
        windows: Vec::new(),
        matters: Vec::new(),
        bundles: Vec::new(),
    };
    if which % 7 == 6 {
        data.bundles = serde_json::from_str(text).map_err(e)?;
        data.jurisdictions = base.jurisdictions.clone();
        data.authority_kinds = base.authority_kinds.clone();
        data.authorities = base.authorities.clone();
        data.windows = base.windows.clone();
        data.matters = base.matters.clone();
        return data.validate().map_err(|e| e.to_string());
    }
    match which % 7 {
        0 => data.jurisdictions = serde_json::from_str(text).map_err(e)?,
        1 => data.authority_kinds = serde_json::from_str(text).map_err(e)?,
        2 => data.authorities = serde_json::from_str(text).map_err(e)?,
        3 => data.windows = serde_json::from_str(text).map_err(e)?,
        _ => data.matters = serde_json::from_str(text).map_err(e)?,
    }
    // The other parts: the shipped ones (matters cut to a few, to keep runs fast).
    if which % 7 != 0 {
        data.jurisdictions = base.jurisdictions.clone();
    }
    if which % 7 != 1 {
        data.authority_kinds = base.authority_kinds.clone();
    }
    if which % 7 != 2 {
        data.authorities = base.authorities.clone();
    }
    if which % 7 != 3 {
        data.windows = base.windows.clone();
    }
    if which % 7 != 4 {
        data.matters = base.matters[..8].to_vec();
    }
    let _ = cal;
    data.validate().map_err(|e| e.to_string())
}

fuzz_target!(|data: &[u8]| {
    let Some((which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if let Err(e) = load(*which, text) {
        assert!(!e.is_empty());
    }
});
