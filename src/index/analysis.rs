//! Text analysis for Korean, English and Vietnamese profiles.
//!
//! - Text is NFC-normalised first: Vietnamese typed with combining marks would otherwise split
//!   words at every mark.
//! - Hangul runs become overlapping syllable bigrams (화장품을 -> 화장, 장품, 품을), so a particle
//!   glued to a noun does not stop a match, with no dictionary to ship or download.
//! - Every other run of letters and digits is one token, then lower-cased, folded to ASCII
//!   (Vietnamese diacritics go, so `mỹ phẩm` meets `my pham`), English stop words removed and
//!   English words stemmed.
//! - A small glossary (`fixtures/glossary.csv`) adds English words for Korean and Vietnamese trade
//!   terms, so a Korean-only firm and a Vietnamese-only buyer can meet in English.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, Stemmer, StopWordFilter, TextAnalyzer, Token,
    TokenStream, Tokenizer,
};
use unicode_normalization::UnicodeNormalization;

fn is_hangul_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// Splits NFC text into word tokens and Hangul bigrams.
#[derive(Clone, Default)]
pub struct MultilingualTokenizer;

/// The tokens of one text, computed up front.
pub struct PrecomputedTokens {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for PrecomputedTokens {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

/// The raw tokens of a text (before lower-casing, folding and stemming).
pub fn raw_tokens(text: &str) -> Vec<String> {
    let normalised: String = text.nfc().collect();
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut hangul: Vec<char> = Vec::new();
    let flush_hangul = |hangul: &mut Vec<char>, tokens: &mut Vec<String>| {
        match hangul.len() {
            0 => {}
            1 => tokens.push(hangul[0].to_string()),
            _ => tokens.extend(hangul.windows(2).map(|pair| pair.iter().collect())),
        }
        hangul.clear();
    };
    for c in normalised.chars() {
        if is_hangul_syllable(c) {
            if !word.is_empty() {
                tokens.push(std::mem::take(&mut word));
            }
            hangul.push(c);
        } else if c.is_alphanumeric() {
            flush_hangul(&mut hangul, &mut tokens);
            word.push(c);
        } else {
            flush_hangul(&mut hangul, &mut tokens);
            if !word.is_empty() {
                tokens.push(std::mem::take(&mut word));
            }
        }
    }
    flush_hangul(&mut hangul, &mut tokens);
    if !word.is_empty() {
        tokens.push(word);
    }
    tokens
}

impl Tokenizer for MultilingualTokenizer {
    type TokenStream<'a> = PrecomputedTokens;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PrecomputedTokens {
        let tokens = raw_tokens(text)
            .into_iter()
            .enumerate()
            .map(|(position, text)| Token {
                offset_from: 0,
                offset_to: 0,
                position,
                text,
                position_length: 1,
            })
            .collect();
        PrecomputedTokens { tokens, next: 0 }
    }
}

/// The analyzer every profile and query goes through.
pub fn analyzer() -> TextAnalyzer {
    let builder = TextAnalyzer::builder(MultilingualTokenizer)
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter);
    match StopWordFilter::new(Language::English) {
        Some(stop_words) => builder
            .filter(stop_words)
            .filter(Stemmer::new(Language::English))
            .build(),
        None => builder.filter(Stemmer::new(Language::English)).build(),
    }
}

/// The analysed terms of a text, in order (duplicates kept).
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut terms = Vec::new();
    while stream.advance() {
        terms.push(stream.token().text.clone());
    }
    terms
}

/// Korean and Vietnamese trade terms with English equivalents.
pub struct Glossary {
    entries: Vec<(String, String)>,
}

const BUNDLED_GLOSSARY: &str = include_str!("../../fixtures/glossary.csv");

impl Glossary {
    /// The glossary shipped in `fixtures/glossary.csv`, parsed once per process.
    pub fn bundled() -> &'static Glossary {
        static GLOSSARY: std::sync::OnceLock<Glossary> = std::sync::OnceLock::new();
        GLOSSARY.get_or_init(Glossary::parse_bundled)
    }

    fn parse_bundled() -> Glossary {
        let mut entries = Vec::new();
        if let Ok(table) = crate::io::parse_table("glossary.csv", BUNDLED_GLOSSARY.as_bytes()) {
            let term = table.header.iter().position(|h| h == "term");
            let english = table.header.iter().position(|h| h == "english");
            if let (Some(term), Some(english)) = (term, english) {
                for row in &table.rows {
                    let key: String = row.cells[term]
                        .trim()
                        .nfc()
                        .collect::<String>()
                        .to_lowercase();
                    entries.push((key, row.cells[english].trim().to_string()));
                }
            }
        }
        Glossary { entries }
    }

    /// The English words of every glossary term the text contains.
    pub fn english_for(&self, text: &str) -> Vec<&str> {
        let normalised: String = text.nfc().collect::<String>().to_lowercase();
        self.entries
            .iter()
            .filter(|(term, _)| normalised.contains(term.as_str()))
            .map(|(_, english)| english.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &[&str]) {
        let mut analyzer = analyzer();
        assert_eq!(terms(&mut analyzer, text), expected);
    }

    #[test]
    fn analysis_handles_each_language() {
        // Korean: a particle does not hide the noun's bigrams.
        check("화장품을", &["화장", "장품", "품을"]);
        check("화장품", &["화장", "장품"]);
        check("드론", &["드론"]);
        // English: lower case, stop words, stems.
        check(
            "The Drones for Aerial Surveys",
            &["drone", "aerial", "survey"],
        );
        // Vietnamese, composed or decomposed, folds to the same terms.
        check("mỹ phẩm", &["my", "pham"]);
        check("m\u{79}\u{303}\u{323} pha\u{302}\u{309}m", &["my", "pham"]);
        check("Đèn LED", &["den", "led"]);
        // Mixed script splits at the boundary.
        check("LED조명", &["led", "조명"]);
    }

    #[test]
    fn the_glossary_bridges_languages() {
        let glossary = Glossary::bundled();
        assert!(glossary.entries.len() > 50);
        assert_eq!(
            glossary.english_for("기초 화장품을 생산"),
            vec!["cosmetics beauty", "skin care"]
        );
        assert!(glossary
            .english_for("Mỹ phẩm Hàn Quốc")
            .contains(&"cosmetics beauty"));
    }
}
