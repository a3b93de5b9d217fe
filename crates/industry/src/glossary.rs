//! The bilingual technical glossary: pairs of a Chinese and an English term, kept as data
//! (`data/glossary.tsv`, built in) that an operator extends with a file of the same form read
//! at start, without a rebuild. A query's terms found in the glossary are also searched in the
//! other language, so a need written in English finds a firm whose profile is only in Chinese
//! (and the reverse), and the match names the pair: "光刻胶 ↔ photoresist".
//!
//! The translation happens when a document is indexed: a firm that holds a pair in one
//! language only (says 光刻胶 and never photoresist) has the other side indexed with the
//! field of the other language, as a value searched and never shown. A query finds it by its
//! typed words, scored as the firm's own words would be. A firm that holds the pair in both
//! languages gets nothing more, so translation costs a query nothing (a query-time translation
//! searched the other language's words for every firm, each common on its own). A query's
//! pairs only explain a match: "光刻胶 ↔ photoresist". The index records which glossary it
//! was built with ([`Glossary::fingerprint`]) so a changed glossary is indexed again at start.

use aho_corasick::AhoCorasick;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// At most this many pairs are added to one query.
pub const MAX_EXPANSIONS: usize = 40;
/// At most this many pairs in a glossary.
pub const MAX_PAIRS: usize = 200_000;

#[derive(Debug, Clone, Default)]
pub struct Glossary {
    /// (Chinese, English), in file order, without repeats.
    pairs: Vec<(String, String)>,
    /// English terms in lower case, by pair.
    en_lower: Vec<String>,
    /// Every pair's Chinese term (pattern 2i) and lower-case English term (2i + 1), found in
    /// one pass over a text; built at first use after a change.
    finder: OnceLock<Option<AhoCorasick>>,
    /// [`Glossary::fingerprint`], computed at first use after a change (each commit of the
    /// index asks for it).
    fingerprint: OnceLock<String>,
}

/// A pair found in a text: the term as found, its translation, and the pair's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub from: String,
    pub to: String,
    pub key: String,
}

impl Glossary {
    /// The glossary the program ships.
    pub fn builtin() -> Glossary {
        // Embedded at build time; the unit test checks that it reads.
        Glossary::parse(include_str!("../data/glossary.tsv")).unwrap_or_default()
    }

    /// Reads pairs (`中文<TAB>English` a line; `#` comments and blank lines skipped); a line
    /// that is no pair is refused by its number.
    pub fn parse(text: &str) -> Result<Glossary, String> {
        let mut g = Glossary::default();
        g.add(text)?;
        Ok(g)
    }

    /// Adds the pairs of `text` (the form of [`Glossary::parse`]).
    pub fn add(&mut self, text: &str) -> Result<(), String> {
        let mut seen: BTreeSet<(String, String)> = self.pairs.iter().cloned().collect();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split('\t').map(str::trim);
            let (Some(zh), Some(en), None) = (parts.next(), parts.next(), parts.next()) else {
                return Err(format!("line {}: not `Chinese<TAB>English`", n + 1));
            };
            if zh.is_empty() || en.is_empty() || zh.chars().count() > 100 || en.len() > 200 {
                return Err(format!("line {}: an empty or over-long term", n + 1));
            }
            if !zh.chars().any(is_cjk) || en.chars().any(is_cjk) {
                return Err(format!(
                    "line {}: the first term must be Chinese, the second not",
                    n + 1
                ));
            }
            if seen.insert((zh.to_string(), en.to_string())) {
                self.finder = OnceLock::new();
                self.fingerprint = OnceLock::new();
                if self.pairs.len() >= MAX_PAIRS {
                    return Err(format!("more than {MAX_PAIRS} pairs"));
                }
                self.pairs.push((zh.to_string(), en.to_string()));
                self.en_lower.push(en.to_lowercase());
            }
        }
        Ok(())
    }

    /// The built-in glossary and, when given, an operator's file added to it.
    pub fn load(extra: Option<&std::path::Path>) -> Result<Glossary, String> {
        let mut g = Glossary::builtin();
        if let Some(p) = extra {
            let text =
                std::fs::read_to_string(p).map_err(|e| format!("glossary {}: {e}", p.display()))?;
            g.add(&text)
                .map_err(|e| format!("glossary {}: {e}", p.display()))?;
        }
        Ok(g)
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The pairs whose term in one language is in `text`: (the term as found, its translation),
    /// at most [`MAX_EXPANSIONS`]. See [`Glossary::found`].
    pub fn expansions(&self, text: &str) -> Vec<(String, String)> {
        self.found(text, MAX_EXPANSIONS)
            .into_iter()
            .map(|f| (f.from, f.to))
            .collect()
    }

    /// The pairs whose term in one language is in `text`, in glossary order, at most `max`. A
    /// Chinese term is found as a substring; an English one as whole words, in any letter
    /// case, a plural `s` or `es` allowed. A pair found in both languages counts as found in
    /// Chinese.
    pub fn found(&self, text: &str, max: usize) -> Vec<Found> {
        self.sides(text)
            .into_iter()
            .take(max)
            .filter_map(|(i, (zh, _))| {
                let (z, e) = self.pairs.get(i)?;
                let (from, to) = if zh { (z, e) } else { (e, z) };
                Some(Found {
                    from: from.clone(),
                    to: to.clone(),
                    key: self.key(i),
                })
            })
            .collect()
    }

    /// The pairs `text` holds, by index in glossary order: (in Chinese, in English).
    fn sides(&self, text: &str) -> BTreeMap<usize, (bool, bool)> {
        let mut hits: BTreeMap<usize, (bool, bool)> = BTreeMap::new();
        let Some(finder) = self.finder() else {
            return hits;
        };
        let lower = text.to_lowercase();
        for m in finder.find_overlapping_iter(&lower) {
            let (pair, zh) = (m.pattern().as_usize() / 2, m.pattern().as_usize() % 2 == 0);
            let h = hits.entry(pair).or_default();
            if zh {
                h.0 = true;
            } else if whole_words(&lower, m.start(), m.end()) {
                h.1 = true;
            }
        }
        hits.retain(|_, (zh, en)| *zh || *en);
        hits
    }

    /// The keys of the pairs `text` holds in either language.
    pub fn keys(&self, text: &str) -> Vec<String> {
        self.sides(text).into_keys().map(|i| self.key(i)).collect()
    }

    /// What a document lacks of the pairs it holds in one language only, by part of the
    /// document (names, descriptions) where each is found: `[Chinese, English]` translations,
    /// one a line. A firm that says 光刻胶 and never photoresist gets `photoresist` in its
    /// English; one that says both gets nothing.
    pub fn translations(&self, parts: &[&str]) -> Vec<[String; 2]> {
        let whole = self.sides(&parts.join("\n"));
        parts
            .iter()
            .map(|part| {
                let mut out = [String::new(), String::new()];
                for i in self.sides(part).into_keys() {
                    let (Some((zh, en)), Some((hz, he))) = (self.pairs.get(i), whole.get(&i))
                    else {
                        continue;
                    };
                    let (slot, term) = match (hz, he) {
                        (true, false) => (1, en),
                        (false, true) => (0, zh),
                        _ => continue,
                    };
                    out[slot].push_str(term);
                    out[slot].push('\n');
                }
                out
            })
            .collect()
    }

    fn key(&self, i: usize) -> String {
        match (self.pairs.get(i), self.en_lower.get(i)) {
            (Some((zh, _)), Some(en)) => format!("{zh}|{en}"),
            _ => String::new(),
        }
    }

    /// Names this glossary's pairs (whatever their order): an index built with another
    /// glossary is built again. FNV-1a over the sorted keys.
    pub fn fingerprint(&self) -> String {
        self.fingerprint
            .get_or_init(|| {
                let keys: BTreeSet<String> = (0..self.pairs.len()).map(|i| self.key(i)).collect();
                let mut h: u64 = 0xcbf2_9ce4_8422_2325;
                for k in &keys {
                    for b in k.bytes().chain([b'\n']) {
                        h ^= u64::from(b);
                        h = h.wrapping_mul(0x0100_0000_01b3);
                    }
                }
                format!("glossary:{}:{h:016x}", keys.len())
            })
            .clone()
    }

    fn finder(&self) -> Option<&AhoCorasick> {
        self.finder
            .get_or_init(|| {
                if self.pairs.is_empty() {
                    return None;
                }
                let patterns = self
                    .pairs
                    .iter()
                    .zip(&self.en_lower)
                    .flat_map(|((zh, _), en)| [zh.to_lowercase(), en.clone()]);
                AhoCorasick::new(patterns).ok()
            })
            .as_ref()
    }
}

/// Whether `hay[at..end]` stands as whole words (a plural `s` or `es` allowed after it).
fn whole_words(hay: &str, at: usize, end: usize) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() && !is_cjk(c));
    let before = hay[..at].chars().next_back();
    let rest = &hay[end..];
    let after = rest
        .strip_prefix("es")
        .or_else(|| rest.strip_prefix('s'))
        .filter(|r| !word(r.chars().next()))
        .unwrap_or(rest);
    !word(before) && !word(after.chars().next())
}

/// A character of the CJK ideographs (what the Chinese analyser segments).
pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_glossary_reads_and_finds_terms_both_ways() {
        let g = Glossary::builtin();
        assert!(g.len() > 300, "{}", g.len());
        let e = g.expansions("Supplier of ArF photoresists for 28 nm");
        assert!(
            e.contains(&("photoresist".into(), "光刻胶".into())),
            "{e:?}"
        );
        let e = g.expansions("寻找热障涂层修复");
        assert!(
            e.contains(&("热障涂层".into(), "thermal barrier coating".into())),
            "{e:?}"
        );
        // Whole words only: "chip" is not found in "chipboard".
        assert!(!g.expansions("chipboard").iter().any(|(f, _)| f == "chip"));
        assert!(g.expansions("").is_empty());
    }

    #[test]
    fn a_document_gets_the_translations_of_what_it_says_in_one_language_only() {
        let g = Glossary::parse("光刻胶\tphotoresist\n碳化硅\tsilicon carbide\n").unwrap();
        let x = g.translations(&["光刻胶厂 PhotoResists Ltd", "碳化硅衬底\nwafers"]);
        // photoresist is said in both languages: nothing; silicon carbide in Chinese only.
        assert_eq!(x[0], [String::new(), String::new()]);
        assert_eq!(x[1], [String::new(), "silicon carbide\n".to_string()]);
        let x = g.translations(&["", "Silicon carbide substrates"]);
        assert_eq!(x[1], ["碳化硅\n".to_string(), String::new()]);
        assert_ne!(g.fingerprint(), Glossary::builtin().fingerprint());
        let mut again = Glossary::parse("碳化硅\tsilicon carbide\n").unwrap();
        again.add("光刻胶\tphotoresist\n").unwrap();
        assert_eq!(
            g.fingerprint(),
            again.fingerprint(),
            "the order of pairs does not count"
        );
    }

    #[test]
    fn an_operators_file_is_checked_line_by_line() {
        let mut g = Glossary::parse("# c\n光致产酸剂\tphotoacid generator\n").unwrap();
        assert_eq!(g.len(), 1);
        assert_eq!(
            g.expansions("photoacid generators for EUV"),
            [("photoacid generator".to_string(), "光致产酸剂".to_string())]
        );
        assert!(g.add("只有一列\n").unwrap_err().starts_with("line 1"));
        assert!(
            g.add("ok\t好\n").is_err(),
            "the languages the wrong way round"
        );
        let before = g.len();
        g.add("光致产酸剂\tphotoacid generator\n").unwrap();
        assert_eq!(g.len(), before, "a repeated pair is kept once");
    }
}
