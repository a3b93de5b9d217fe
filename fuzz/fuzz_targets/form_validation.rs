//! Any filing against any shipped matter's form rules: validation answers Ok or field errors,
//! never panics, names only fields that exist or were sent, and gives the same answer twice.
#![no_main]

use corridor_domain::catalogue::Matter;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;

fn matters() -> &'static [Matter] {
    static M: OnceLock<Vec<Matter>> = OnceLock::new();
    M.get_or_init(|| serde_json::from_str(include_str!("../../data/matters.json")).unwrap())
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let ms = matters();
    let m = &ms[(usize::from(data[0]) << 8 | usize::from(data[1])) % ms.len()];
    let rest = &data[2..];
    // One value per field, its type chosen by a byte; the text comes from the input.
    let mut form = BTreeMap::new();
    let mut chunks = rest.split(|b| *b == 0xff);
    for f in &m.fields {
        let Some(chunk) = chunks.next() else { break };
        let (kind, body) = chunk.split_first().unwrap_or((&0, &[]));
        let text = String::from_utf8_lossy(body).into_owned();
        let v = match kind % 6 {
            0 => Value::String(text),
            1 => Number::from_f64(f64::from_le_bytes({
                let mut b = [0u8; 8];
                for (i, x) in body.iter().take(8).enumerate() {
                    b[i] = *x;
                }
                b
            }))
            .map(Value::Number)
            .unwrap_or(Value::Null),
            2 => Value::Bool(body.first().is_some_and(|b| b & 1 == 1)),
            3 => Value::Null,
            4 => Value::Array(vec![Value::String(text)]),
            _ => Value::Object(Map::new()),
        };
        form.insert(f.key.clone(), v);
    }
    // Leftover chunks become unknown fields.
    for c in chunks.take(4) {
        form.insert(String::from_utf8_lossy(c).into_owned(), Value::Null);
    }
    let first = m.validate_form(&form);
    if let Err(errs) = &first {
        assert!(!errs.is_empty());
        for e in errs {
            assert!(
                m.fields.iter().any(|f| f.key == e.field) || form.contains_key(&e.field),
                "error names a field that is neither defined nor sent: {}",
                e.field
            );
        }
    }
    assert_eq!(first, m.validate_form(&form));
});
