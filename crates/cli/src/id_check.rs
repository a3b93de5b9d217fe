//! `corridor id check`: identifiers checked one per line, JSON out.

use super::*;

pub(crate) fn id_check(kind: Option<KindArg>, codes: Vec<String>) -> anyhow::Result<bool> {
    let check = |input: &str| -> serde_json::Value {
        let forced = kind.map(|k| match k {
            KindArg::Uscc => IdKind::Uscc,
            KindArg::ResidentId => IdKind::ResidentId,
            KindArg::OrgCode => IdKind::OrgCode,
        });
        let k = match forced.map(Ok).unwrap_or_else(|| IdKind::detect(input)) {
            Ok(k) => k,
            Err(e) => {
                return serde_json::json!({"input": input, "kind": null, "valid": false, "error": e.to_string(), "reason": e.reason()})
            }
        };
        match k.check(input) {
            Ok(()) => {
                serde_json::json!({"input": input, "kind": k.as_str(), "valid": true, "error": null})
            }
            Err(e) => {
                serde_json::json!({"input": input, "kind": k.as_str(), "valid": false, "error": e.to_string(), "reason": e.reason()})
            }
        }
    };
    let mut all_valid = true;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut emit = |input: &str| -> anyhow::Result<()> {
        let v = check(input);
        all_valid &= v["valid"] == true;
        writeln!(out, "{v}")?;
        Ok(())
    };
    if codes.is_empty() {
        for line in std::io::stdin().lock().lines() {
            let line = line?;
            if !line.trim().is_empty() {
                emit(line.trim())?;
            }
        }
    } else {
        for c in &codes {
            emit(c)?;
        }
    }
    Ok(all_valid)
}
