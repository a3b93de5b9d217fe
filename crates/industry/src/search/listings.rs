//! The technology achievements put up for auction, searchable with the same engine and
//! analysers as the enterprise registry (tantivy; jieba for Chinese, a stemmed English
//! analyser): titles weigh three times, the field twice, descriptions and patent numbers once.
//! Listings are few (thousands at most), so the index is built in memory from the table and
//! rebuilt after a change.

use super::{en_analyzer, zh_analyzer};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::tokenizer::TokenStream;
use tantivy::{Index, IndexReader, TantivyDocument, Term};

/// The texts of one listing to index.
#[derive(Debug, Clone, Default)]
pub struct ListingText {
    pub id: String,
    pub title_zh: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub field: String,
    pub cluster: String,
    pub patents: Vec<String>,
}

pub struct ListingIndex {
    index: Index,
    reader: IndexReader,
    id: Field,
    cluster: Field,
    /// (field, analyser, weight)
    texts: Vec<(Field, &'static str, f32)>,
}

impl ListingIndex {
    /// An index of these listings, in memory.
    pub fn build(listings: &[ListingText]) -> tantivy::Result<ListingIndex> {
        let mut b = Schema::builder();
        let text = |tok: &str| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tok)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
        };
        let id = b.add_text_field("id", STRING | STORED);
        let cluster = b.add_text_field("cluster", STRING);
        let title_zh = b.add_text_field("title_zh", text("zh"));
        let title_en = b.add_text_field("title_en", text("en"));
        let field_zh = b.add_text_field("field_zh", text("zh"));
        let field_en = b.add_text_field("field_en", text("en"));
        let desc_zh = b.add_text_field("desc_zh", text("zh"));
        let desc_en = b.add_text_field("desc_en", text("en"));
        let patents = b.add_text_field("patents", text("en"));
        let index = Index::create_in_ram(b.build());
        index.tokenizers().register("zh", zh_analyzer());
        index.tokenizers().register("en", en_analyzer());
        let mut w = index.writer(15_000_000)?;
        for l in listings {
            let mut d = TantivyDocument::default();
            d.add_text(id, &l.id);
            d.add_text(cluster, &l.cluster);
            d.add_text(title_zh, &l.title_zh);
            d.add_text(title_en, &l.title_en);
            d.add_text(field_zh, &l.field);
            d.add_text(field_en, &l.field);
            d.add_text(desc_zh, &l.description_zh);
            d.add_text(desc_en, &l.description_en);
            d.add_text(patents, l.patents.join(" "));
            w.add_document(d)?;
        }
        w.commit()?;
        let reader = index.reader()?;
        reader.reload()?;
        Ok(ListingIndex {
            index,
            reader,
            id,
            cluster,
            texts: vec![
                (title_zh, "zh", 3.0),
                (title_en, "en", 3.0),
                (field_zh, "zh", 2.0),
                (field_en, "en", 2.0),
                (desc_zh, "zh", 1.0),
                (desc_en, "en", 1.0),
                (patents, "en", 1.0),
            ],
        })
    }

    /// The ids of the listings matching `text` (any term, BM25-ranked; Chinese or English), of
    /// one cluster when given, best first.
    pub fn search(&self, text: &str, cluster: Option<&str>, limit: usize) -> Vec<String> {
        let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, analyser, weight) in &self.texts {
            let Some(mut a) = self.index.tokenizers().get(analyser) else {
                continue;
            };
            let mut s = a.token_stream(text);
            while s.advance() {
                let q = TermQuery::new(
                    Term::from_field_text(*field, &s.token().text),
                    IndexRecordOption::WithFreqs,
                );
                any.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(q), *weight)),
                ));
            }
        }
        if any.is_empty() {
            return Vec::new();
        }
        let mut all: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(BooleanQuery::new(any)))];
        if let Some(c) = cluster.filter(|c| !c.is_empty()) {
            let q = TermQuery::new(
                Term::from_field_text(self.cluster, c),
                IndexRecordOption::Basic,
            );
            all.push((Occur::Must, Box::new(q)));
        }
        let searcher = self.reader.searcher();
        let Ok(top) = searcher.search(
            &BooleanQuery::new(all),
            &TopDocs::with_limit(limit.max(1)).order_by_score(),
        ) else {
            return Vec::new();
        };
        top.into_iter()
            .filter_map(|(_, addr)| {
                let d: TantivyDocument = searcher.doc(addr).ok()?;
                d.get_first(self.id)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_listings_in_chinese_and_english_by_cluster() {
        let l = |id: &str, zh: &str, en: &str, cluster: &str| ListingText {
            id: id.into(),
            title_zh: zh.into(),
            title_en: en.into(),
            cluster: cluster.into(),
            ..Default::default()
        };
        let ix = ListingIndex::build(&[
            l(
                "a",
                "航空发动机叶片热障涂层修复工艺",
                "Repair of thermal barrier coatings on aero-engine blades",
                "aviation",
            ),
            l(
                "b",
                "晶圆级封装翘曲控制方法",
                "Controlling warpage in wafer-level packaging",
                "integrated_circuits",
            ),
            l(
                "c",
                "低温固态电池电解质",
                "A solid electrolyte for batteries at low temperature",
                "new_energy",
            ),
        ])
        .unwrap();
        assert_eq!(ix.search("热障涂层", None, 10), ["a"]);
        assert_eq!(ix.search("packaging warpage", None, 10), ["b"]);
        assert_eq!(ix.search("batteries", None, 10), ["c"]);
        assert!(ix.search("封装", Some("aviation"), 10).is_empty());
        assert!(ix.search("", None, 10).is_empty());
    }
}
