//! The enterprise search index: tantivy with jieba (search-mode segmentation) for Chinese
//! fields and a stemmed, stop-worded English analyser for English ones. Names weigh twice as
//! much as capabilities. Filters (city, cluster, industry class prefix, flags, certification)
//! are facet terms, so facet counts are exact for the filtered result set.
//!
//! Queries are not parsed as a query language: the text goes through each field's analyser
//! and every resulting term becomes a scored clause (any term may match; BM25 ranks), so no
//! user input can be a syntax error.

use crate::glossary::Glossary;
use crate::Enterprise;
use jieba_rs::Jieba;
use query::TextField;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value,
    FAST, STORED, STRING,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
    Token, TokenStream, Tokenizer,
};
use tantivy::{Index, IndexReader, IndexWriter, TantivyDocument, Term};

fn jieba() -> Arc<Jieba> {
    static J: OnceLock<Arc<Jieba>> = OnceLock::new();
    J.get_or_init(|| Arc::new(Jieba::new())).clone()
}

/// Chinese (and mixed) text through jieba's search mode: words and their sub-words.
#[derive(Clone)]
pub struct JiebaTokenizer {
    jieba: Arc<Jieba>,
}

impl Default for JiebaTokenizer {
    fn default() -> Self {
        JiebaTokenizer { jieba: jieba() }
    }
}

pub struct JiebaStream {
    tokens: Vec<Token>,
    at: usize,
}

impl TokenStream for JiebaStream {
    fn advance(&mut self) -> bool {
        if self.at < self.tokens.len() {
            self.at += 1;
            true
        } else {
            false
        }
    }
    fn token(&self) -> &Token {
        &self.tokens[self.at - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.at - 1]
    }
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = JiebaStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> JiebaStream {
        // jieba counts characters; tantivy wants byte offsets.
        let mut byte_at: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        byte_at.push(text.len());
        let tokens = self
            .jieba
            .cut_for_search(text, true)
            .into_iter()
            .filter(|t| t.word.chars().any(char::is_alphanumeric))
            .enumerate()
            .map(|(i, t)| Token {
                offset_from: byte_at[t.start.min(byte_at.len() - 1)],
                offset_to: byte_at[t.end.min(byte_at.len() - 1)],
                position: i,
                text: t.word.to_string(),
                position_length: 1,
            })
            .collect();
        JiebaStream { tokens, at: 0 }
    }
}

fn zh_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(JiebaTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .build()
}

fn en_analyzer() -> TextAnalyzer {
    let b = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser);
    match StopWordFilter::new(Language::English) {
        Some(stop) => b
            .filter(stop)
            .filter(Stemmer::new(Language::English))
            .build(),
        None => b.filter(Stemmer::new(Language::English)).build(),
    }
}

#[derive(Clone, Copy)]
struct Fields {
    uscc: Field,
    name_zh: Field,
    name_en: Field,
    cap_zh: Field,
    cap_en: Field,
    tags: Field,
    meta: Field,
    /// What ranking reads of every candidate, as fast columns (see [`Signals`]).
    sig_city: Field,
    sig_cluster: Field,
    sig_industry: Field,
    sig_flags: Field,
}

/// Text fields, their names in explanations, analyser and weight.
fn text_fields(f: &Fields) -> [TextField; 4] {
    let t = |field, name, analyzer, weight| TextField {
        field,
        name,
        analyzer,
        weight,
    };
    [
        t(f.name_zh, "name_zh", "zh", 2.0),
        t(f.name_en, "name_en", "en", 2.0),
        t(f.cap_zh, "capabilities_zh", "zh", 1.0),
        t(f.cap_en, "capabilities_en", "en", 1.0),
    ]
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |tok: &str| {
        TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tok)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
            .set_stored()
    };
    let f = Fields {
        uscc: b.add_text_field("uscc", STRING | STORED),
        name_zh: b.add_text_field("name_zh", text("zh")),
        name_en: b.add_text_field("name_en", text("en")),
        cap_zh: b.add_text_field("cap_zh", text("zh")),
        cap_en: b.add_text_field("cap_en", text("en")),
        tags: b.add_facet_field("tags", FacetOptions::default()),
        meta: b.add_text_field("meta", STORED),
        sig_city: b.add_u64_field("sig_city", FAST),
        sig_cluster: b.add_u64_field("sig_cluster", FAST),
        sig_industry: b.add_u64_field("sig_industry", FAST),
        sig_flags: b.add_u64_field("sig_flags", FAST),
    };
    (b.build(), f)
}

/// What a search may be narrowed to. Every filter given must hold.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub city: Option<String>,
    pub cluster: Option<String>,
    /// An industry class prefix: `C`, `C26`, `C265` or `C2651`.
    pub industry: Option<String>,
    /// `high_tech`, `specialised`, `head`, `listed`.
    pub flags: Vec<String>,
    /// Every one of these certifications is required.
    pub certifications: Vec<String>,
}

/// One result: the enterprise's code, its score and the words of the query it matched (as
/// typed, not as stemmed), by field.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub uscc: String,
    pub score: f32,
    pub name_zh: String,
    pub name_en: String,
    pub matched: BTreeMap<&'static str, Vec<String>>,
    /// What the ranking's other signals need, as indexed.
    pub meta: Meta,
}

/// The filterable attributes of a hit, stored with it in the index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Meta {
    pub city: String,
    pub cluster: String,
    pub industry: String,
    pub flags: Vec<String>,
    pub certifications: Vec<String>,
}

impl Meta {
    pub fn of(e: &Enterprise) -> Meta {
        Meta {
            city: e.city.clone(),
            cluster: e.cluster.as_str().to_string(),
            industry: e.industry.clone(),
            flags: e.flags.names().into_iter().map(String::from).collect(),
            certifications: e
                .certifications
                .iter()
                .map(|c| c.trim().to_string())
                .collect(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Results {
    pub total: usize,
    pub hits: Vec<Hit>,
    /// Facet → value → count, over every match (not only the returned page).
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
}

pub const FACETS: [&str; 4] = ["city", "cluster", "cert", "flag"];

fn tags_of(e: &Enterprise) -> Vec<Facet> {
    let mut t = vec![
        Facet::from_path(["city", e.city.as_str()]),
        Facet::from_path(["cluster", e.cluster.as_str()]),
    ];
    let path = e.industry_path();
    let mut ind = vec!["industry"];
    ind.extend(path.iter().map(String::as_str));
    t.push(Facet::from_path(ind));
    for c in &e.certifications {
        t.push(Facet::from_path(["cert", c.trim()]));
    }
    for f in e.flags.names() {
        t.push(Facet::from_path(["flag", f]));
    }
    t
}

pub struct EnterpriseIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// Terms also searched in the other language (see [`crate::glossary`]).
    glossary: std::sync::RwLock<Arc<Glossary>>,
}

impl EnterpriseIndex {
    fn setup(index: Index) -> tantivy::Result<Self> {
        index.tokenizers().register("zh", zh_analyzer());
        index.tokenizers().register("en", en_analyzer());
        let (_, fields) = schema();
        let reader = index.reader()?;
        Ok(EnterpriseIndex {
            index,
            reader,
            fields,
            glossary: std::sync::RwLock::new(Arc::new(Glossary::builtin())),
        })
    }

    /// An index in memory (tests, small demos).
    pub fn in_memory() -> tantivy::Result<Self> {
        EnterpriseIndex::setup(Index::create_in_ram(schema().0))
    }

    /// Opens the index in `dir`, creating it when absent. An index of another schema (an
    /// earlier version's) is removed and an empty one created: the server refills it from the
    /// enterprises table at start, `corridor search reindex` too.
    pub fn open(dir: &Path) -> tantivy::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let mmap = tantivy::directory::MmapDirectory::open(dir)?;
        match Index::open_or_create(mmap, schema().0) {
            Err(tantivy::TantivyError::SchemaError(_)) => {
                std::fs::remove_dir_all(dir)?;
                std::fs::create_dir_all(dir)?;
                let mmap = tantivy::directory::MmapDirectory::open(dir)?;
                EnterpriseIndex::setup(Index::create(
                    mmap,
                    schema().0,
                    tantivy::IndexSettings::default(),
                )?)
            }
            other => EnterpriseIndex::setup(other?),
        }
    }

    /// Replaces the glossary queries are widened with (an empty one: no translation).
    pub fn set_glossary(&self, g: Arc<Glossary>) {
        if let Ok(mut x) = self.glossary.write() {
            *x = g;
        }
    }

    pub fn glossary(&self) -> Arc<Glossary> {
        self.glossary.read().map(|g| g.clone()).unwrap_or_default()
    }

    pub fn writer(&self) -> tantivy::Result<IndexWriter> {
        self.index.writer(64_000_000)
    }

    /// Adds or replaces (by USCC) one enterprise; visible after `commit`.
    pub fn upsert(&self, w: &IndexWriter, e: &Enterprise) -> tantivy::Result<()> {
        w.delete_term(Term::from_field_text(self.fields.uscc, &e.uscc));
        self.add(w, e)
    }

    /// Adds one enterprise known not to be in the index (a rebuild after [`Self::clear`]):
    /// no delete is queued for it, which keeps a rebuild's memory flat.
    pub fn add(&self, w: &IndexWriter, e: &Enterprise) -> tantivy::Result<()> {
        let f = &self.fields;
        let mut d = TantivyDocument::default();
        d.add_text(f.uscc, &e.uscc);
        d.add_text(f.name_zh, &e.name_zh);
        d.add_text(f.name_en, &e.name_en);
        d.add_text(f.cap_zh, &e.capabilities_zh);
        d.add_text(f.cap_en, &e.capabilities_en);
        for t in tags_of(e) {
            d.add_facet(f.tags, t);
        }
        d.add_text(
            f.meta,
            serde_json::to_string(&Meta::of(e)).unwrap_or_default(),
        );
        let names = format!("{}\n{}", e.name_zh, e.name_en);
        let caps = format!("{}\n{}", e.capabilities_zh, e.capabilities_en);
        // The translations of what the firm says in one language only, as a second value of
        // the field of the other language: searched as its own words are, never shown (a
        // field's first value is what is stored to be shown).
        let fields = [[f.name_zh, f.name_en], [f.cap_zh, f.cap_en]];
        for (fields, texts) in fields
            .into_iter()
            .zip(self.glossary().translations(&[&names, &caps]))
        {
            for (field, text) in fields.into_iter().zip(texts) {
                if !text.is_empty() {
                    d.add_text(field, text);
                }
            }
        }
        let sig = Signals::encode(e);
        for (field, v) in [f.sig_city, f.sig_cluster, f.sig_industry, f.sig_flags]
            .into_iter()
            .zip(sig)
        {
            d.add_u64(field, v);
        }
        w.add_document(d)?;
        Ok(())
    }

    /// Removes one enterprise; gone after `commit`.
    pub fn delete(&self, w: &IndexWriter, uscc: &str) {
        w.delete_term(Term::from_field_text(self.fields.uscc, uscc));
    }

    /// Removes everything (before a rebuild); the old contents stay visible until `commit`.
    pub fn clear(&self, w: &IndexWriter) -> tantivy::Result<()> {
        w.delete_all_documents()?;
        Ok(())
    }

    /// Makes the changes visible, recording the glossary the documents were indexed with.
    pub fn commit(&self, w: &mut IndexWriter) -> tantivy::Result<()> {
        let mut c = w.prepare_commit()?;
        c.set_payload(&self.glossary().fingerprint());
        c.commit()?;
        self.reader.reload()
    }

    /// Whether the last commit indexed the documents with the glossary set now; when not, the
    /// index is built again (the server does at start).
    pub fn glossary_current(&self) -> bool {
        self.index
            .load_metas()
            .is_ok_and(|m| m.payload == Some(self.glossary().fingerprint()))
    }

    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Changes whenever the searchable contents may have changed (each reload of the reader).
    pub fn generation(&self) -> u64 {
        self.reader.searcher().generation().generation_id()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The query for `text` and `filters`, and what it asks of each field (for explanations):
    /// one union of every term in every field, so tantivy skips the blocks that cannot reach
    /// the top (block-max WAND) when no count is kept. A firm that states a capability in one
    /// language only holds its glossary translation in the other, so it is not outscored by
    /// one that states it in both.
    fn query(&self, text: &str, filters: &Filters) -> (BooleanQuery, Vec<query::Asked>) {
        let (tq, asked): (Box<dyn Query>, Vec<query::Asked>) = if text.trim().is_empty() {
            (Box::new(AllQuery), Vec::new())
        } else {
            let fields = text_fields(&self.fields);
            let q = query::text_query(&self.index, &fields, &self.glossary(), text);
            let parts: Vec<(Occur, Box<dyn Query>)> = q.zh.into_iter().chain(q.en).collect();
            (Box::new(BooleanQuery::new(parts)), q.asked)
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, tq)];
        for facet in self.filter_terms(filters) {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_facet(self.fields.tags, &facet),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        (BooleanQuery::new(clauses), asked)
    }

    fn filter_terms(&self, f: &Filters) -> Vec<Facet> {
        let mut v = Vec::new();
        if let Some(c) = f.city.as_deref().filter(|s| !s.is_empty()) {
            v.push(Facet::from_path(["city", c]));
        }
        if let Some(c) = f.cluster.as_deref().filter(|s| !s.is_empty()) {
            v.push(Facet::from_path(["cluster", c]));
        }
        if let Some(i) = f.industry.as_deref().filter(|s| !s.is_empty()) {
            let mut p = vec!["industry".to_string()];
            p.extend(
                (1..=i.len())
                    .filter(|n| *n == 1 || *n >= 3)
                    .filter_map(|n| i.get(..n).map(str::to_string)),
            );
            v.push(Facet::from_path(p));
        }
        for fl in &f.flags {
            v.push(Facet::from_path(["flag", fl.as_str()]));
        }
        for c in f.certifications.iter().filter(|s| !s.trim().is_empty()) {
            v.push(Facet::from_path(["cert", c.trim()]));
        }
        v
    }

    /// Searches: text (zh and/or en; empty = everything), filters, the first `limit` hits
    /// from `offset` with the words each matched, the total and facet counts over all matches.
    pub fn search(
        &self,
        text: &str,
        filters: &Filters,
        offset: usize,
        limit: usize,
    ) -> tantivy::Result<Results> {
        let searcher = self.reader.searcher();
        let (query, asked) = self.query(text, filters);
        let top_docs = TopDocs::with_limit(limit.max(1))
            .and_offset(offset)
            .order_by_score();
        let mut fc = FacetCollector::for_field("tags");
        for f in FACETS {
            fc.add_facet(Facet::from_path([f]));
        }
        let (top, total, facet_counts) = searcher.search(&query, &(top_docs, Count, fc))?;
        let mut facets = BTreeMap::new();
        for f in FACETS {
            let m: BTreeMap<String, u64> = facet_counts
                .get(Facet::from_path([f]))
                .map(|(facet, n)| {
                    let s = facet.to_path_string();
                    (s.rsplit('/').next().unwrap_or("").to_string(), n)
                })
                .collect();
            facets.insert(f.to_string(), m);
        }
        let mut hits = Vec::new();
        for (score, addr) in top.into_iter().take(limit) {
            let d: TantivyDocument = searcher.doc(addr)?;
            hits.push(self.hit_of(&d, score, &asked, true));
        }
        Ok(Results {
            total,
            hits,
            facets,
        })
    }

    fn text_of(d: &TantivyDocument, field: Field) -> String {
        d.get_first(field)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    }

    /// The attributes stored with a document.
    fn meta_of(d: &TantivyDocument, field: Field) -> Meta {
        serde_json::from_str(&Self::text_of(d, field)).unwrap_or_default()
    }

    /// A found document as a hit, with the words of the query it holds when `explain`.
    fn hit_of(
        &self,
        d: &TantivyDocument,
        score: f32,
        asked: &[query::Asked],
        explain: bool,
    ) -> Hit {
        let f = self.fields;
        let matched = if explain {
            let fields = text_fields(&f);
            query::matched(&self.index, &fields, &self.glossary(), asked, |field| {
                Self::text_of(d, field)
            })
        } else {
            BTreeMap::new()
        };
        Hit {
            uscc: Self::text_of(d, f.uscc),
            score,
            name_zh: Self::text_of(d, f.name_zh),
            name_en: Self::text_of(d, f.name_en),
            matched,
            meta: Self::meta_of(d, f.meta),
        }
    }
}

/// The distinct terms of `text` through one of `index`'s analysers, each with the word it came
/// from as typed (`bagging` for the stem `bag`).
pub(crate) fn terms_with_words(index: &Index, analyzer: &str, text: &str) -> Vec<(String, String)> {
    match index.tokenizers().get(analyzer) {
        Some(mut a) => analysed(&mut a, text),
        None => Vec::new(),
    }
}

/// The distinct terms of `text` through `a`, each with the word it came from as typed.
fn analysed(a: &mut TextAnalyzer, text: &str) -> Vec<(String, String)> {
    let mut s = a.token_stream(text);
    let mut out: Vec<(String, String)> = Vec::new();
    while s.advance() {
        let t = s.token();
        if out.iter().any(|(seen, _)| *seen == t.text) {
            continue; // one entry per term: the first word it came from
        }
        let word = text
            .get(t.offset_from..t.offset_to)
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .unwrap_or(&t.text)
            .to_string();
        out.push((t.text.clone(), word));
    }
    out
}

/// The distinct terms of `text` through both analysers (Chinese, then English), each with the
/// word it came from: what texts outside an index are compared by.
pub fn terms_of(text: &str) -> Vec<(String, String)> {
    let mut out = analysed(&mut zh_analyzer(), text);
    for t in analysed(&mut en_analyzer(), text) {
        if !out.iter().any(|(seen, _)| *seen == t.0) {
            out.push(t);
        }
    }
    out
}

mod candidates;
pub mod listings;
pub mod needs;
mod query;

use candidates::Signals;
pub use candidates::{Candidate, Candidates};
#[cfg(test)]
mod tests;
