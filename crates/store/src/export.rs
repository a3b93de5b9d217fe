//! Export and import of every table as JSON lines.

use crate::tables::{cols_list, insert_rows, read_row, table, Val, TABLES};
use crate::*;
use futures::TryStreamExt;

impl Store {
    // ---------- export / import ----------

    /// Writes every table as JSON lines: a header, then `{"t": table, "r": [values]}` per row.
    pub async fn export<W: std::io::Write>(&self, out: &mut W) -> Result<u64> {
        let io = |e: std::io::Error| StoreError::Corrupt(format!("write: {e}"));
        let header = serde_json::json!({
            "format": "corridor-export",
            "version": 1,
            "tables": TABLES.iter().map(|t| t.name).collect::<Vec<_>>(),
        });
        writeln!(out, "{header}").map_err(io)?;
        let mut n = 0;
        for t in TABLES {
            let sql = format!(
                "SELECT {} FROM {} ORDER BY {}",
                cols_list(t),
                t.name,
                t.order
            );
            let mut rows = sqlx::query(&sql).fetch(&self.pool);
            let secret: Vec<usize> = t
                .cols
                .iter()
                .enumerate()
                .filter(|(_, (c, _))| crate::tables::SECRET_COLUMNS.contains(&(t.name, c)))
                .map(|(i, _)| i)
                .collect();
            while let Some(r) = rows.try_next().await? {
                let mut vals = read_row(t, &r)?;
                for i in &secret {
                    vals[*i] = Val::Text(None);
                }
                let line = serde_json::json!({ "t": t.name, "r": vals });
                writeln!(out, "{line}").map_err(io)?;
                n += 1;
            }
        }
        // Then the material files, each once: `{"blob": sha256, "b64": bytes}`.
        use base64::Engine as _;
        n += self
            .each_blob(|sha, bytes| {
                let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
                let line = serde_json::json!({ "blob": sha, "b64": b64 });
                writeln!(out, "{line}").map_err(io)
            })
            .await?;
        Ok(n)
    }

    /// Loads an export into this (empty) store in one transaction.
    pub async fn import<R: std::io::BufRead>(&self, input: R) -> Result<u64> {
        if !self.is_empty().await? {
            return Err(StoreError::Conflict("import needs an empty store".into()));
        }
        let mut lines = input.lines();
        let bad = |n: usize, what: String| StoreError::Corrupt(format!("line {n}: {what}"));
        let header = lines
            .next()
            .ok_or_else(|| bad(1, "empty file".into()))?
            .map_err(|e| bad(1, e.to_string()))?;
        let h: serde_json::Value =
            serde_json::from_str(&header).map_err(|e| bad(1, e.to_string()))?;
        if h["format"] != "corridor-export" || h["version"] != 1 {
            return Err(bad(1, "not a corridor export (version 1)".into()));
        }
        let mut tx = self.begin_write().await?;
        let backend = tx.backend();
        let mut batch: Vec<Vec<Val>> = Vec::new();
        let mut batch_table: Option<&'static crate::Table> = None;
        let mut n = 0u64;
        for (i, line) in lines.enumerate() {
            let ln = i + 2;
            let line = line.map_err(|e| bad(ln, e.to_string()))?;
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value =
                serde_json::from_str(&line).map_err(|e| bad(ln, e.to_string()))?;
            if let Some(sha) = v["blob"].as_str() {
                use base64::Engine as _;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(v["b64"].as_str().unwrap_or_default())
                    .map_err(|e| bad(ln, format!("file {sha}: {e}")))?;
                self.put_blob_in(&mut tx, sha, &bytes)
                    .await
                    .map_err(|e| bad(ln, e.to_string()))?;
                n += 1;
                continue;
            }
            let name = v["t"].as_str().ok_or_else(|| bad(ln, "no table".into()))?;
            let t = table(name).ok_or_else(|| bad(ln, format!("unknown table {name}")))?;
            let arr = v["r"].as_array().ok_or_else(|| bad(ln, "no row".into()))?;
            if arr.len() != t.cols.len() {
                return Err(bad(ln, format!("{name} row has {} values", arr.len())));
            }
            let row = arr
                .iter()
                .zip(t.cols)
                .map(|(x, (c, ty))| match (ty, x) {
                    (_, serde_json::Value::Null) => Ok(match ty {
                        crate::Ty::Int => Val::Int(None),
                        crate::Ty::Text => Val::Text(None),
                    }),
                    (crate::Ty::Int, serde_json::Value::Number(num)) => num
                        .as_i64()
                        .map(Val::i)
                        .ok_or_else(|| bad(ln, format!("{c}: not an integer"))),
                    (crate::Ty::Text, serde_json::Value::String(s)) => Ok(Val::t(s.clone())),
                    _ => Err(bad(ln, format!("{c}: wrong type"))),
                })
                .collect::<Result<Vec<_>>>()?;
            if batch_table.is_some_and(|bt| bt.name != t.name) || batch.len() >= 2000 {
                if let Some(bt) = batch_table {
                    insert_rows(tx.conn(), backend, bt, &batch).await?;
                }
                batch.clear();
            }
            batch_table = Some(t);
            batch.push(row);
            n += 1;
        }
        if let Some(bt) = batch_table {
            insert_rows(tx.conn(), backend, bt, &batch).await?;
        }
        tx.commit().await?;
        Ok(n)
    }
}
