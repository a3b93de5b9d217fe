//! The open needs, searchable the other way round: a firm's profile is the query, the needs
//! are the documents. The same analysers as the registry (jieba for Chinese, a stemmed English
//! analyser); titles weigh twice as much as descriptions, as names do against capabilities.
//! Open needs are few (thousands at most), so the index is built in memory from the table and
//! rebuilt after a change.
//!
//! [`rank_needs`] scores every open need a firm's text matches with the same signals as a
//! need's candidates ([`crate::matching::signals`]): text relevance normalised by the best
//! need, the need's clusters, industry classes and preferred cities against the firm, the
//! corridor city and the firm's flags; a need whose required certifications the firm lacks is
//! never shown to it. Each result names the firm's words found in the need, by field.

use super::query::TextField;
use super::{en_analyzer, zh_analyzer, Meta};
use crate::glossary::Glossary;
use crate::matching::{self, NeedSpec, Signal, Weights};
use crate::Enterprise;
use std::collections::{BTreeMap, BTreeSet};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::{Index, IndexReader, TantivyDocument};

/// The names of the text fields, as results name them.
const FIELDS: [(&str, &str, f32); 4] = [
    ("title_zh", "zh", 2.0),
    ("title_en", "en", 2.0),
    ("description_zh", "zh", 1.0),
    ("description_en", "en", 1.0),
];

pub struct NeedIndex {
    index: Index,
    reader: IndexReader,
    id: Field,
    /// The text fields, in [`FIELDS`] order.
    texts: Vec<TextField>,
    specs: BTreeMap<String, NeedSpec>,
    /// Terms also asked in the other language (see [`crate::glossary`]).
    glossary: std::sync::Arc<Glossary>,
}

/// One open need for a firm: its score (the signals' contributions added up), each signal,
/// and the firm's words found in the need, by field.
#[derive(Debug, Clone)]
pub struct RankedNeed {
    pub id: String,
    pub score: f32,
    pub bm25: f32,
    pub signals: Vec<Signal>,
    pub matched: BTreeMap<&'static str, Vec<String>>,
}

impl NeedIndex {
    /// An index of these needs (id and spec), in memory.
    pub fn build(
        needs: &[(String, NeedSpec)],
        glossary: std::sync::Arc<Glossary>,
    ) -> tantivy::Result<NeedIndex> {
        let mut b = Schema::builder();
        let id = b.add_text_field("id", STRING | STORED);
        let texts: Vec<TextField> = FIELDS
            .iter()
            .map(|(name, tok, w)| {
                let o = TextOptions::default()
                    .set_indexing_options(
                        TextFieldIndexing::default()
                            .set_tokenizer(tok)
                            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
                    )
                    .set_stored();
                TextField {
                    field: b.add_text_field(name, o),
                    name,
                    analyzer: tok,
                    weight: *w,
                }
            })
            .collect();
        let index = Index::create_in_ram(b.build());
        index.tokenizers().register("zh", zh_analyzer());
        index.tokenizers().register("en", en_analyzer());
        let mut w = index.writer(15_000_000)?;
        for (nid, s) in needs {
            let mut d = TantivyDocument::default();
            d.add_text(id, nid);
            let vals = [
                &s.title_zh,
                &s.title_en,
                &s.description_zh,
                &s.description_en,
            ];
            for (f, v) in texts.iter().zip(vals) {
                d.add_text(f.field, v);
            }
            let titles = format!("{}\n{}", s.title_zh, s.title_en);
            let descriptions = format!("{}\n{}", s.description_zh, s.description_en);
            let translations = glossary.translations(&[&titles, &descriptions]);
            // Translations as each field's second value: searched, never shown.
            for (f, text) in texts.iter().zip(translations.iter().flatten()) {
                if !text.is_empty() {
                    d.add_text(f.field, text);
                }
            }
            w.add_document(d)?;
        }
        w.commit()?;
        let reader = index.reader()?;
        reader.reload()?;
        Ok(NeedIndex {
            index,
            reader,
            id,
            texts,
            specs: needs.iter().cloned().collect(),
            glossary,
        })
    }

    pub fn len(&self) -> usize {
        self.specs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// The open needs that fit a firm best, ranked and explained (at most `limit`).
    pub fn rank_needs(
        &self,
        firm: &Enterprise,
        weights: &Weights,
        members: &BTreeSet<String>,
        limit: usize,
    ) -> tantivy::Result<Vec<RankedNeed>> {
        let query = firm_text(firm);
        let q = super::query::text_query(&self.index, &self.texts, &self.glossary, &query);
        let asked = q.asked;
        let clauses: Vec<(Occur, Box<dyn Query>)> = q.zh.into_iter().chain(q.en).collect();
        if clauses.is_empty() || self.specs.is_empty() {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(self.specs.len().max(1)).order_by_score(),
        )?;
        let best = top
            .iter()
            .map(|(s, _)| *s)
            .fold(0.0_f32, f32::max)
            .max(f32::EPSILON);
        let meta = Meta::of(firm);
        let mut out = Vec::new();
        for (bm25, addr) in top {
            let d: TantivyDocument = searcher.doc(addr)?;
            let text_of = |f: Field| {
                d.get_first(f)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            let id = text_of(self.id);
            let Some(spec) = self.specs.get(&id) else {
                continue;
            };
            if !matching::certified_for(spec, &meta) {
                continue;
            }
            let signals = matching::signals(spec, &meta, bm25 / best, weights, members);
            let matched =
                super::query::matched(&self.index, &self.texts, &self.glossary, &asked, text_of);
            out.push(RankedNeed {
                score: signals.iter().map(|s| s.contribution).sum(),
                id,
                bm25,
                signals,
                matched,
            });
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        out.truncate(limit);
        Ok(out)
    }
}

/// What of a firm is asked of the needs: its capabilities and products in both languages.
fn firm_text(e: &Enterprise) -> String {
    [e.capabilities_zh.as_str(), e.capabilities_en.as_str()]
        .iter()
        .filter(|s| !s.trim().is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::NeedKind;
    use crate::{Cluster, Flags, SizeBand};

    fn need(title_zh: &str, title_en: &str, cluster: Cluster, certs: &[&str]) -> NeedSpec {
        NeedSpec {
            title_zh: title_zh.into(),
            title_en: title_en.into(),
            certifications: certs.iter().map(|c| c.to_string()).collect(),
            clusters: vec![cluster],
            ..NeedSpec::of_kind(NeedKind::BottleneckTechnology)
        }
    }

    /// A firm sees the needs its capabilities answer, best first, explained, and never one
    /// whose required certification it lacks.
    #[test]
    fn ranks_needs_for_a_firm_with_the_needs_signals() {
        let ix = NeedIndex::build(
            &[
                (
                    "coat".into(),
                    need(
                        "航空发动机叶片热障涂层",
                        "Thermal barrier coating for engine blades",
                        Cluster::Aviation,
                        &[],
                    ),
                ),
                (
                    "coat-cert".into(),
                    need("热障涂层修复", "", Cluster::Aviation, &["AS9100"]),
                ),
                (
                    "resist".into(),
                    need(
                        "光刻胶国产化",
                        "Photoresist",
                        Cluster::IntegratedCircuits,
                        &[],
                    ),
                ),
            ],
            std::sync::Arc::new(Glossary::builtin()),
        )
        .unwrap();
        let firm = Enterprise {
            uscc: "91310000MA1FL0001X".into(),
            name_zh: "某涂层科技有限公司".into(),
            name_en: String::new(),
            city: "310117".into(),
            industry: "C3360".into(),
            cluster: Cluster::Aviation,
            flags: Flags {
                specialised: true,
                ..Default::default()
            },
            capabilities_zh: "等离子喷涂热障涂层".into(),
            capabilities_en: "plasma-sprayed thermal barrier coatings".into(),
            certifications: vec![],
            size: SizeBand::Small,
            founded: 2012,
        };
        let members: BTreeSet<String> = ["310117".to_string()].into();
        let r = ix
            .rank_needs(&firm, &Weights::default(), &members, 10)
            .unwrap();
        let ids: Vec<&str> = r.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(
            ids,
            ["coat"],
            "the certified need is not shown, nor the unrelated"
        );
        let top = &r[0];
        assert!(top.matched["title_zh"].iter().any(|w| w.contains("涂层")));
        assert!(top.matched["title_en"].iter().any(|w| w == "thermal"));
        let sum: f32 = top.signals.iter().map(|s| s.contribution).sum();
        assert!((sum - top.score).abs() < 1e-6);
        let cluster = top.signals.iter().find(|s| s.name == "cluster").unwrap();
        assert_eq!(cluster.value, 1.0);
        assert!(ix
            .rank_needs(&firm, &Weights::default(), &members, 0)
            .unwrap()
            .is_empty());
    }
}
