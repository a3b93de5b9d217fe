//! The bilingual technical glossary: pairs of a Chinese and an English term, kept as data
//! (`data/glossary.tsv`, built in) that an operator extends with a file of the same form read
//! at start, without a rebuild. A query's terms found in the glossary are also searched in the
//! other language, so a need written in English finds a firm whose profile is only in Chinese
//! (and the reverse), and the match names the pair: "光刻胶 ↔ photoresist".

use std::collections::BTreeSet;

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
    /// at most [`MAX_EXPANSIONS`]. A Chinese term is found as a substring; an English one as
    /// whole words, in any letter case, a plural `s` allowed.
    pub fn expansions(&self, text: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        if text.trim().is_empty() {
            return out;
        }
        let lower = text.to_lowercase();
        let cjk = text.chars().any(is_cjk);
        for ((zh, en), en_l) in self.pairs.iter().zip(&self.en_lower) {
            if out.len() >= MAX_EXPANSIONS {
                break;
            }
            if cjk && text.contains(zh.as_str()) {
                out.push((zh.clone(), en.clone()));
            } else if has_words(&lower, en_l) {
                out.push((en.clone(), zh.clone()));
            }
        }
        out
    }
}

/// Whether `hay` holds `needle` as whole words (a plural `s` or `es` allowed after it).
fn has_words(hay: &str, needle: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() && !is_cjk(c));
    let mut from = 0;
    while let Some(i) = hay[from..].find(needle) {
        let at = from + i;
        let end = at + needle.len();
        let before = hay[..at].chars().next_back();
        let rest = &hay[end..];
        let after = rest
            .strip_prefix("es")
            .or_else(|| rest.strip_prefix('s'))
            .filter(|r| !word(r.chars().next()))
            .unwrap_or(rest);
        if !word(before) && !word(after.chars().next()) {
            return true;
        }
        from = end;
    }
    false
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
