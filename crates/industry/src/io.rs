//! Reading and writing the registry's exchange formats: CSV (one header row, lists separated
//! by `;`) and JSON Lines (one [`Enterprise`] object per line). See `docs/ENTERPRISES.md`.

use crate::{Cluster, Enterprise, Flags, RecordError, SizeBand};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Read, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

impl Format {
    /// From a file name's extension (`.csv`, `.jsonl`, `.ndjson`).
    pub fn of_path(path: &str) -> Option<Format> {
        let p = path.to_ascii_lowercase();
        if p.ends_with(".csv") {
            Some(Format::Csv)
        } else if p.ends_with(".jsonl") || p.ends_with(".ndjson") {
            Some(Format::Jsonl)
        } else {
            None
        }
    }
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 12] = [
    "uscc",
    "name_zh",
    "name_en",
    "city",
    "industry",
    "cluster",
    "flags",
    "capabilities_zh",
    "capabilities_en",
    "certifications",
    "size",
    "founded",
];

#[derive(Debug, Serialize, Deserialize)]
struct CsvRow {
    uscc: String,
    name_zh: String,
    #[serde(default)]
    name_en: String,
    city: String,
    industry: String,
    cluster: String,
    #[serde(default)]
    flags: String,
    #[serde(default)]
    capabilities_zh: String,
    #[serde(default)]
    capabilities_en: String,
    #[serde(default)]
    certifications: String,
    size: String,
    founded: String,
}

fn list(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

fn err(field: &'static str, reason: impl Into<String>) -> RecordError {
    RecordError {
        field,
        reason: reason.into(),
    }
}

impl CsvRow {
    fn into_enterprise(self) -> Result<Enterprise, RecordError> {
        let cluster = Cluster::parse(self.cluster.trim()).ok_or_else(|| {
            err(
                "cluster",
                format!(
                    "'{}' is not one of {}",
                    self.cluster,
                    Cluster::ALL.map(|c| c.as_str()).join(", ")
                ),
            )
        })?;
        let mut flags = Flags::default();
        for f in list(&self.flags) {
            match f.as_str() {
                "high_tech" => flags.high_tech = true,
                "specialised" => flags.specialised = true,
                "head" => flags.head = true,
                "listed" => flags.listed = true,
                other => {
                    return Err(err(
                        "flags",
                        format!("'{other}' is not one of high_tech, specialised, head, listed"),
                    ))
                }
            }
        }
        let size: SizeBand =
            serde_json::from_value(serde_json::Value::String(self.size.trim().to_string()))
                .map_err(|_| err("size", "one of micro, small, medium, large"))?;
        let founded = self
            .founded
            .trim()
            .parse::<u16>()
            .map_err(|_| err("founded", "a year"))?;
        Ok(Enterprise {
            uscc: self.uscc.trim().to_string(),
            name_zh: self.name_zh.trim().to_string(),
            name_en: self.name_en.trim().to_string(),
            city: self.city.trim().to_string(),
            industry: self.industry.trim().to_string(),
            cluster,
            flags,
            capabilities_zh: self.capabilities_zh,
            capabilities_en: self.capabilities_en,
            certifications: list(&self.certifications),
            size,
            founded,
        })
    }

    fn of(e: &Enterprise) -> CsvRow {
        CsvRow {
            uscc: e.uscc.clone(),
            name_zh: e.name_zh.clone(),
            name_en: e.name_en.clone(),
            city: e.city.clone(),
            industry: e.industry.clone(),
            cluster: e.cluster.as_str().into(),
            flags: e.flags.names().join(";"),
            capabilities_zh: e.capabilities_zh.clone(),
            capabilities_en: e.capabilities_en.clone(),
            certifications: e.certifications.join(";"),
            size: serde_json::to_value(e.size)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            founded: e.founded.to_string(),
        }
    }
}

/// One row read: its line number (1-based, as an editor shows it) and the record or why
/// it was refused. Records are validated.
pub type Row = (u64, Result<Enterprise, RecordError>);

/// Reads every row of a file, good and bad; an unreadable file (not one bad row) is an error.
pub fn read_all<R: Read + BufRead>(
    input: R,
    format: Format,
    mut each: impl FnMut(Row),
) -> std::io::Result<()> {
    match format {
        Format::Jsonl => {
            for (i, line) in input.lines().enumerate() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                let n = i as u64 + 1;
                let r = serde_json::from_str::<Enterprise>(&line)
                    .map_err(|e| err("json", e.to_string()))
                    .and_then(|e| e.validate().map(|_| e));
                each((n, r));
            }
        }
        Format::Csv => {
            let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(input);
            let headers = rdr
                .headers()
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?
                .clone();
            let missing: Vec<&str> = CSV_COLUMNS
                .iter()
                .filter(|c| {
                    ![
                        "name_en",
                        "flags",
                        "capabilities_zh",
                        "capabilities_en",
                        "certifications",
                    ]
                    .contains(c)
                })
                .filter(|c| !headers.iter().any(|h| h.trim() == **c))
                .copied()
                .collect();
            if !missing.is_empty() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("the header row lacks {}", missing.join(", ")),
                ));
            }
            let mut rec = csv::StringRecord::new();
            loop {
                match rdr.read_record(&mut rec) {
                    Ok(false) => break,
                    Ok(true) => {
                        let n = rec.position().map_or(0, |p| p.line());
                        let r = rec
                            .deserialize::<CsvRow>(Some(&headers))
                            .map_err(|e| err("csv", e.to_string()))
                            .and_then(CsvRow::into_enterprise)
                            .and_then(|e| e.validate().map(|_| e));
                        each((n, r));
                    }
                    Err(e) => {
                        let n = e.position().map_or(0, |p| p.line());
                        if let csv::ErrorKind::Io(_) = e.kind() {
                            return Err(std::io::Error::new(
                                std::io::ErrorKind::InvalidData,
                                e.to_string(),
                            ));
                        }
                        each((n, Err(err("csv", e.to_string()))));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Writes enterprises in a format (CSV with its header row).
pub struct Writer<W: Write> {
    inner: WriterInner<W>,
}

enum WriterInner<W: Write> {
    Csv(Box<csv::Writer<W>>),
    Jsonl(W),
}

impl<W: Write> Writer<W> {
    pub fn new(out: W, format: Format) -> Writer<W> {
        Writer {
            inner: match format {
                Format::Csv => WriterInner::Csv(Box::new(csv::Writer::from_writer(out))),
                Format::Jsonl => WriterInner::Jsonl(out),
            },
        }
    }

    pub fn write(&mut self, e: &Enterprise) -> std::io::Result<()> {
        match &mut self.inner {
            WriterInner::Csv(w) => w
                .serialize(CsvRow::of(e))
                .map_err(|e| std::io::Error::other(e.to_string())),
            WriterInner::Jsonl(w) => {
                serde_json::to_writer(&mut *w, e)?;
                w.write_all(b"\n")
            }
        }
    }

    pub fn finish(self) -> std::io::Result<()> {
        match self.inner {
            WriterInner::Csv(mut w) => w.flush(),
            WriterInner::Jsonl(mut w) => w.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate;

    fn roundtrip(format: Format) {
        let all = generate::enterprises(500, 3);
        let mut buf = Vec::new();
        let mut w = Writer::new(&mut buf, format);
        for e in &all {
            w.write(e).unwrap();
        }
        w.finish().unwrap();
        let mut back = Vec::new();
        read_all(&buf[..], format, |(_, r)| back.push(r.unwrap())).unwrap();
        assert_eq!(back, all);
    }

    #[test]
    fn csv_and_jsonl_round_trip() {
        roundtrip(Format::Csv);
        roundtrip(Format::Jsonl);
    }

    #[test]
    fn bad_rows_are_reported_with_their_line_and_the_good_ones_kept() {
        let good = generate::landmarks();
        let mut buf = Vec::new();
        let mut w = Writer::new(&mut buf, Format::Csv);
        w.write(&good[0]).unwrap();
        let mut bad = good[1].clone();
        bad.uscc = "91320500MA1X0000X".into();
        w.write(&bad).unwrap();
        w.write(&good[2]).unwrap();
        w.finish().unwrap();
        let text = String::from_utf8(buf).unwrap() + "too,few,columns\n";
        let mut rows = Vec::new();
        read_all(text.as_bytes(), Format::Csv, |r| rows.push(r)).unwrap();
        assert_eq!(rows.len(), 4);
        assert!(rows[0].1.is_ok() && rows[2].1.is_ok());
        assert_eq!(rows[1].0, 3);
        assert_eq!(rows[1].1.as_ref().unwrap_err().field, "uscc");
        assert_eq!(rows[3].0, 5);
        // JSON Lines: a broken line and an unknown field.
        let text = format!(
            "{}\n{{\"uscc\": 1}}\n\n{}\n",
            serde_json::to_string(&good[0]).unwrap(),
            serde_json::to_string(&good[1])
                .unwrap()
                .replace("\"city\"", "\"town\"")
        );
        let mut rows = Vec::new();
        read_all(text.as_bytes(), Format::Jsonl, |r| rows.push(r)).unwrap();
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2, 4]);
        assert!(rows[0].1.is_ok() && rows[1].1.is_err() && rows[2].1.is_err());
        // A CSV without the required columns is refused as a whole.
        assert!(read_all("a,b\n1,2\n".as_bytes(), Format::Csv, |_| {}).is_err());
    }
}
