//! How a text becomes a query, in both directions of matching (a need against the registry, a
//! firm's profile against the open needs), and how a found document is explained by it.
//!
//! Every analysed term of the text is a scored clause in every field of its analyser. The
//! fields hold each document's glossary translations too ([`crate::glossary`]): a need that
//! says `photoresist` finds a firm that says only `光刻胶` because that firm's English field
//! holds `photoresist` as a value never shown. The glossary's pairs found in the text explain
//! such a match: "photoresist ↔ 光刻胶".

use crate::glossary::{is_cjk, Glossary};
use std::collections::BTreeMap;
use tantivy::query::{BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Index, Term};

/// A text field a query searches: its handle, its name in explanations, its analyser (`zh` or
/// `en`) and its weight.
#[derive(Clone, Copy)]
pub(crate) struct TextField {
    pub field: Field,
    pub name: &'static str,
    pub analyzer: &'static str,
    pub weight: f32,
}

/// What a query asks: a term of one field, or a glossary pair (shown where a field of its
/// translation's language holds it); and the words it stands for, as shown to the user.
pub(crate) enum Asked {
    Term {
        field: Field,
        term: String,
        word: String,
    },
    Pair {
        key: String,
        /// The analyser of the translation's language.
        lang: &'static str,
        word: String,
    },
}

/// The scored clauses of a text, by the language of their field, and what each asks.
pub(crate) struct TextQuery {
    pub zh: Vec<(Occur, Box<dyn Query>)>,
    pub en: Vec<(Occur, Box<dyn Query>)>,
    pub asked: Vec<Asked>,
}

fn clause(field: Field, term: &str, boost: f32) -> (Occur, Box<dyn Query>) {
    let q = TermQuery::new(
        Term::from_field_text(field, term),
        IndexRecordOption::WithFreqs,
    );
    (Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost)))
}

/// The query for `text` over `fields`, and the glossary's pairs found in it (to explain).
pub(crate) fn text_query(
    index: &Index,
    fields: &[TextField],
    glossary: &Glossary,
    text: &str,
) -> TextQuery {
    let mut q = TextQuery {
        zh: Vec::new(),
        en: Vec::new(),
        asked: Vec::new(),
    };
    for f in fields {
        for (term, word) in super::terms_with_words(index, f.analyzer, text) {
            let seen = q.asked.iter().any(
                |a| matches!(a, Asked::Term { field, term: t, .. } if *field == f.field && *t == term),
            );
            if seen {
                continue;
            }
            let c = clause(f.field, &term, f.weight);
            if f.analyzer == "en" {
                q.en.push(c);
            } else {
                q.zh.push(c);
            }
            q.asked.push(Asked::Term {
                field: f.field,
                term,
                word,
            });
        }
    }
    for found in glossary.found(text, crate::glossary::MAX_EXPANSIONS) {
        q.asked.push(Asked::Pair {
            lang: if found.to.chars().any(is_cjk) {
                "zh"
            } else {
                "en"
            },
            word: format!("{} ↔ {}", found.from, found.to),
            key: found.key,
        });
    }
    q
}

/// The words of the query one document's fields hold, by field name: a term where the field
/// has it, a glossary pair where a field of its translation's language holds the pair. `text_of`
/// gives a field's stored text.
pub(crate) fn matched(
    index: &Index,
    fields: &[TextField],
    glossary: &Glossary,
    asked: &[Asked],
    text_of: impl Fn(Field) -> String,
) -> BTreeMap<&'static str, Vec<String>> {
    let mut out: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for f in fields {
        let wanted = |a: &&Asked| match a {
            Asked::Term { field, .. } => *field == f.field,
            Asked::Pair { lang, .. } => *lang == f.analyzer,
        };
        let mine: Vec<&Asked> = asked.iter().filter(wanted).collect();
        if mine.is_empty() {
            continue;
        }
        let text = text_of(f.field);
        let terms: Vec<String> = super::terms_with_words(index, f.analyzer, &text)
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        let keys = if mine.iter().any(|a| matches!(a, Asked::Pair { .. })) {
            glossary.keys(&text)
        } else {
            Vec::new()
        };
        for a in mine {
            let (holds, word) = match a {
                Asked::Term { term, word, .. } => (terms.contains(term), word),
                Asked::Pair { key, word, .. } => (keys.contains(key), word),
            };
            if holds {
                let m = out.entry(f.name).or_default();
                if !m.contains(word) {
                    m.push(word.clone());
                }
            }
        }
    }
    out
}
