//! A need's candidates: the enterprises a text finds best, with what ranking reads of each
//! taken from fast columns, so that only the few ranked first are read whole.

use super::{query, EnterpriseIndex, Filters, Hit, Meta};
use crate::{Cluster, Enterprise};
use std::collections::BTreeMap;
use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::schema::Field;
use tantivy::{DocAddress, Searcher, TantivyDocument};

impl EnterpriseIndex {
    /// The `n` enterprises `text` finds best under `filters`, with what ranking reads of each
    /// (read from fast columns: no stored document is opened); [`Candidates::hit`] gives a
    /// candidate's whole hit. No total and no facet counts are kept.
    pub fn candidates(
        &self,
        text: &str,
        filters: &Filters,
        n: usize,
    ) -> tantivy::Result<Candidates<'_>> {
        let searcher = self.reader.searcher();
        let (query, asked) = self.query(text, filters);
        let top = searcher.search(&query, &TopDocs::with_limit(n.max(1)).order_by_score())?;
        let f = self.fields;
        let mut columns: BTreeMap<u32, [Column<u64>; 4]> = BTreeMap::new();
        let mut list = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let cols = match columns.entry(addr.segment_ord) {
                std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::btree_map::Entry::Vacant(v) => {
                    let ff = searcher.segment_reader(addr.segment_ord).fast_fields();
                    let col = |field: Field| ff.u64(searcher.schema().get_field_name(field));
                    v.insert([
                        col(f.sig_city)?,
                        col(f.sig_cluster)?,
                        col(f.sig_industry)?,
                        col(f.sig_flags)?,
                    ])
                }
            };
            let [city, cluster, industry, flags] =
                cols.each_ref().map(|c| c.first(addr.doc_id).unwrap_or(0));
            let meta = match Signals::decode(city, cluster, industry, flags) {
                Some(m) => m,
                // A value the columns cannot hold: read the stored document.
                None => {
                    let d: TantivyDocument = searcher.doc(addr)?;
                    Meta {
                        certifications: Vec::new(),
                        ..Self::meta_of(&d, f.meta)
                    }
                }
            };
            list.push(Candidate { score, meta, addr });
        }
        Ok(Candidates {
            index: self,
            searcher,
            asked,
            list,
        })
    }
}

/// What [`EnterpriseIndex::candidates`] found: the candidates, best first, and the searcher
/// they were found with (their documents are read from it).
pub struct Candidates<'a> {
    index: &'a EnterpriseIndex,
    searcher: Searcher,
    asked: Vec<query::Asked>,
    pub list: Vec<Candidate>,
}

/// One candidate: its text score and the attributes ranking reads (`meta` without the
/// certifications, which a search filters on instead).
pub struct Candidate {
    pub score: f32,
    pub meta: Meta,
    addr: DocAddress,
}

impl Candidates<'_> {
    /// A candidate's whole hit (names, code, every attribute), scored `score`, with the words
    /// of the query it holds when `explain`.
    pub fn hit(&self, c: &Candidate, score: f32, explain: bool) -> tantivy::Result<Hit> {
        let d: TantivyDocument = self.searcher.doc(c.addr)?;
        Ok(self.index.hit_of(&d, score, &self.asked, explain))
    }
}

/// What ranking reads of a firm, as four numbers a fast column holds: the city's and the
/// industry class's codes packed as ASCII (at most 8 bytes), the cluster's place in
/// [`Cluster::ALL`] counted from 1, the flags as bits.
pub(super) struct Signals;

impl Signals {
    const FLAGS: [&'static str; 4] = ["high_tech", "specialised", "head", "listed"];
    /// A value that does not fit: the stored document is read instead.
    const UNFIT: u64 = u64::MAX;

    fn pack(s: &str) -> u64 {
        if s.len() > 8 || !s.is_ascii() {
            return Self::UNFIT;
        }
        s.bytes().fold(0u64, |v, b| (v << 8) | u64::from(b)) << (8 * (8 - s.len()))
    }

    fn unpack(v: u64) -> String {
        v.to_be_bytes()
            .into_iter()
            .take_while(|b| *b != 0)
            .map(char::from)
            .collect()
    }

    pub(super) fn encode(e: &Enterprise) -> [u64; 4] {
        let names = e.flags.names();
        [
            Self::pack(&e.city),
            Cluster::ALL
                .iter()
                .position(|c| *c == e.cluster)
                .map_or(Self::UNFIT, |i| i as u64 + 1),
            Self::pack(&e.industry),
            Self::FLAGS
                .iter()
                .enumerate()
                .filter(|(_, f)| names.contains(f))
                .fold(0, |v, (i, _)| v | 1 << i),
        ]
    }

    fn decode(city: u64, cluster: u64, industry: u64, flags: u64) -> Option<Meta> {
        if [city, cluster, industry].contains(&Self::UNFIT) {
            return None;
        }
        let cluster = usize::try_from(cluster).ok()?.checked_sub(1)?;
        Some(Meta {
            city: Self::unpack(city),
            cluster: Cluster::ALL.get(cluster)?.as_str().to_string(),
            industry: Self::unpack(industry),
            flags: Self::FLAGS
                .iter()
                .enumerate()
                .filter(|(i, _)| flags & (1 << i) != 0)
                .map(|(_, f)| f.to_string())
                .collect(),
            certifications: Vec::new(),
        })
    }
}
