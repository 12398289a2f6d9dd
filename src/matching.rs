//! Matching: for every firm its best buyers and for every buyer its best firms, each pair with a
//! relevance in [0, 1], the reasons behind it, and its expected deal value.
//!
//! Relevance combines three signals, each readable in the reasons:
//! - text: BM25 of the firm's profile against the buyer's (and back), divided by the profile's
//!   score against itself, so that it is comparable across firms (raw BM25 is not);
//! - HS: the closest shared level of their HS codes (subheading 1.0, heading 0.85, chapter 0.35).
//!   A participant that gives no codes gets the heading its text matches best in the nomenclature
//!   (found through the same index), counted at 80%;
//! - requests: a `request` or `must` row adds 0.25.
//!
//! `relevance = min(1, 0.55 * hs + 0.45 * text + 0.25 * request)`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::{Error, Result};
use crate::hs::HsTable;
use crate::index::{Glossary, TextIndex};
use crate::model::{Buyer, Firm, Mission, RequestKind};
use crate::schedule::PairWeight;
use crate::score::{ModelParameters, PairFeatures};

/// How many pairs to keep.
#[derive(Debug, Clone)]
pub struct MatchOptions {
    /// Best buyers kept per firm (default: the mission's `candidates_per_firm`, else 40).
    pub candidates_per_firm: Option<usize>,
    /// Best firms kept per buyer.
    pub candidates_per_buyer: usize,
    /// Ignore text entirely and rank on HS codes only (for the benchmark's comparisons).
    pub text: bool,
    /// Use HS codes and inferred headings.
    pub hs: bool,
    /// Infer headings from Korean and Vietnamese text through the national nomenclatures and
    /// trade words too (the bridge between languages; off only for the benchmark's before/after).
    pub bridge: bool,
}

impl Default for MatchOptions {
    fn default() -> Self {
        MatchOptions {
            candidates_per_firm: None,
            candidates_per_buyer: 3,
            text: true,
            hs: true,
            bridge: true,
        }
    }
}

/// One firm-buyer pair the matcher kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Position of the firm in `mission.firms`.
    pub firm: usize,
    /// Position of the buyer in `mission.buyers`.
    pub buyer: usize,
    /// Relevance in [0, 1].
    pub relevance: f64,
    /// Normalised text similarity in [0, 1].
    pub text_similarity: f64,
    /// Closest shared HS level: 3 subheading, 2 heading, 1 chapter, 0 none.
    pub hs_level: u8,
    /// Probability of a contract.
    pub p_deal: f64,
    /// Value of the deal if there is one.
    pub deal_value_usd: f64,
    /// `p_deal * deal_value_usd`.
    pub expected_value_usd: f64,
    /// Why, in words.
    pub reasons: Vec<String>,
}

/// An HS code a participant trades in, given or inferred from its text.
#[derive(Debug, Clone)]
struct Code {
    digits: String,
    inferred: bool,
    /// For an inferred code, the participant's words (as written) that led to it.
    words: Vec<String>,
}

/// What the matcher knows of one participant.
struct Profile {
    /// The participant's own words (sector, products or interests, keywords).
    own: String,
    /// The participant's own words and their glossary English: what it searches with.
    query_text: String,
    /// Everything searchable: the query text plus HS descriptions of its codes.
    search_text: String,
    /// Analysed terms of the participant's own words (for "matched terms").
    own_terms: BTreeSet<String>,
    codes: Vec<Code>,
}

fn profile_text(sector: &str, text: &str, keywords: &[String]) -> String {
    format!("{sector}. {text}. {}", keywords.join(". "))
}

fn build_profile(
    own: String,
    given_codes: &[crate::model::HsCode],
    hs: &HsTable,
    glossary: &Glossary,
    with_codes: bool,
) -> Profile {
    let english = glossary.english_for(&own).join(". ");
    let query_text = format!("{own}. {english}");
    let mut search_text = query_text.clone();
    let mut codes = Vec::new();
    if with_codes {
        for code in given_codes {
            if let Some(entry) = code.heading().and_then(|heading| hs.get(heading)) {
                search_text.push_str(". ");
                search_text.push_str(&entry.description);
            }
            codes.push(Code {
                digits: code
                    .subheading()
                    .or(code.heading())
                    .unwrap_or(code.chapter())
                    .to_string(),
                inferred: false,
                words: Vec::new(),
            });
        }
    }
    let own_terms = crate::index::analyse(&query_text).into_iter().collect();
    Profile {
        own,
        query_text,
        search_text,
        own_terms,
        codes,
    }
}

/// The closest pair of codes of two participants: level (3 subheading, 2 heading, 1 chapter),
/// the pair, and the prefix they share. A level reached through given codes beats the same level
/// reached through inferred ones.
fn closest_codes<'a, 'b>(
    a: &'a [Code],
    b: &'b [Code],
) -> Option<(u8, &'a Code, &'b Code, &'a str)> {
    let mut best: Option<(u8, &Code, &Code, &str)> = None;
    for x in a {
        for y in b {
            let shared = x
                .digits
                .bytes()
                .zip(y.digits.bytes())
                .take_while(|(p, q)| p == q)
                .count();
            let level = match shared {
                6.. => 3,
                4 | 5 => 2,
                2 | 3 => 1,
                _ => continue,
            };
            let inferred = x.inferred || y.inferred;
            let better = match best {
                None => true,
                Some((best_level, bx, by, _)) => {
                    level > best_level
                        || (level == best_level && (bx.inferred || by.inferred) && !inferred)
                }
            };
            if better {
                let prefix = match level {
                    3 => &x.digits[..6],
                    2 => &x.digits[..4],
                    _ => &x.digits[..2],
                };
                best = Some((level, x, y, prefix));
            }
        }
    }
    best
}

/// The closest shared level of two participants' codes, whether it was reached through an
/// inferred code, and the shared prefix.
fn hs_level<'a>(a: &'a [Code], b: &[Code]) -> (u8, bool, Option<&'a str>) {
    closest_codes(a, b).map_or((0, false, None), |(level, x, y, prefix)| {
        (level, x.inferred || y.inferred, Some(prefix))
    })
}

fn hs_score(level: u8, inferred: bool) -> f64 {
    let score = match level {
        3 => 1.0,
        2 => 0.85,
        1 => 0.35,
        _ => 0.0,
    };
    if inferred {
        score * 0.8
    } else {
        score
    }
}

/// The HS headings in a text index, built once per process: a server matching many missions
/// pays for it once. One index per language: English (the WCO table: each heading with its
/// subheadings' words), Korean (HSK names) and Vietnamese (AHTN 2022 names), the last two with
/// the trade words of `data/hs-bridge/trade-words.csv` (see its README).
struct HeadingIndex {
    index: TextIndex,
    codes: Vec<String>,
    /// Each document's analysed terms, to say which of a profile's words found it.
    terms: Vec<BTreeSet<String>>,
}

/// The Korean and Vietnamese words of each heading, built by `data/hs-bridge/build.py`.
const HEADINGS_KO: &str = include_str!("../data/hs-bridge/headings-ko.tsv");
const HEADINGS_VI: &str = include_str!("../data/hs-bridge/headings-vi.tsv");
/// Trade words the official wording lacks (`language,words,heading,source`).
const TRADE_WORDS: &str = include_str!("../data/hs-bridge/trade-words.csv");

/// The languages of the heading indexes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Nomenclature {
    /// The WCO text alone (matching without the bridge).
    English,
    /// The WCO text with the English trade words.
    EnglishTrade,
    Korean,
    Vietnamese,
}

impl HeadingIndex {
    fn build(codes: Vec<String>, texts: Vec<String>) -> Result<HeadingIndex> {
        Ok(HeadingIndex {
            index: TextIndex::build(texts.iter().map(String::as_str))?,
            codes,
            terms: texts
                .iter()
                .map(|text| crate::index::analyse(text).into_iter().collect())
                .collect(),
        })
    }

    fn english(with_trade_words: bool) -> Result<HeadingIndex> {
        let hs = HsTable::bundled();
        let headings: Vec<&crate::hs::HsEntry> =
            hs.entries().iter().filter(|e| e.code.len() == 4).collect();
        let texts: Vec<String> = headings
            .iter()
            .map(|heading| {
                let mut text = heading.description.clone();
                for child in hs.children(&heading.code) {
                    text.push_str(". ");
                    text.push_str(&child.description);
                }
                text
            })
            .collect();
        let mut codes: Vec<String> = headings.iter().map(|h| h.code.clone()).collect();
        let mut texts = texts;
        if with_trade_words {
            // The WCO texts are short enough that trade words joined to them still count, and
            // they must: "drone" has to find 8806 "unmanned aircraft" before 8802 "aircraft
            // ... except unmanned aircraft". As documents of their own as well, they also
            // match where the heading's own words do not (chargers, 8504).
            for (heading, words) in trade_words("en")? {
                if let Some(position) = codes.iter().position(|code| *code == heading) {
                    texts[position].push_str(". ");
                    texts[position].push_str(&words);
                }
            }
            add_trade_words(&mut codes, &mut texts, "en")?;
        }
        HeadingIndex::build(codes, texts)
    }

    /// A national nomenclature's words per heading, with the trade words of its language.
    fn national(table: &str, language: &str) -> Result<HeadingIndex> {
        let mut texts: BTreeMap<String, String> = BTreeMap::new();
        for line in table.lines().skip(1) {
            if let Some((heading, words)) = line.split_once('\t') {
                texts.insert(heading.to_string(), words.to_string());
            }
        }
        let (mut codes, mut texts): (Vec<String>, Vec<String>) = texts.into_iter().unzip();
        add_trade_words(&mut codes, &mut texts, language)?;
        HeadingIndex::build(codes, texts)
    }

    fn bundled(language: Nomenclature) -> Result<&'static HeadingIndex> {
        static ENGLISH: std::sync::OnceLock<HeadingIndex> = std::sync::OnceLock::new();
        static ENGLISH_TRADE: std::sync::OnceLock<HeadingIndex> = std::sync::OnceLock::new();
        static KOREAN: std::sync::OnceLock<HeadingIndex> = std::sync::OnceLock::new();
        static VIETNAMESE: std::sync::OnceLock<HeadingIndex> = std::sync::OnceLock::new();
        let cell = match language {
            Nomenclature::English => &ENGLISH,
            Nomenclature::EnglishTrade => &ENGLISH_TRADE,
            Nomenclature::Korean => &KOREAN,
            Nomenclature::Vietnamese => &VIETNAMESE,
        };
        if let Some(headings) = cell.get() {
            return Ok(headings);
        }
        let built = match language {
            Nomenclature::English => HeadingIndex::english(false)?,
            Nomenclature::EnglishTrade => HeadingIndex::english(true)?,
            Nomenclature::Korean => HeadingIndex::national(HEADINGS_KO, "ko")?,
            Nomenclature::Vietnamese => HeadingIndex::national(HEADINGS_VI, "vi")?,
        };
        // Two threads may build it at once; either result is the same index.
        Ok(cell.get_or_init(|| built))
    }
}

/// Each trade-word row of `language` as a document of its own, for its heading. A row appended
/// to a heading's text drowned in it (BM25 weighs a match by the document's length, and the
/// national names run to hundreds of words): "전기차 충전기" found the accumulators' heading
/// rather than 8504, whose name lists 충전기 among a hundred other words.
fn add_trade_words(codes: &mut Vec<String>, texts: &mut Vec<String>, language: &str) -> Result<()> {
    for (heading, words) in trade_words(language)? {
        codes.push(heading);
        texts.push(words);
    }
    Ok(())
}

/// The trade words of one language: (heading, words) pairs.
fn trade_words(language: &str) -> Result<Vec<(String, String)>> {
    let trade = crate::io::parse_table("trade-words.csv", TRADE_WORDS.as_bytes())
        .map_err(Error::Invalid)?;
    let column = |name: &str| trade.header.iter().position(|h| h == name);
    let (Some(lang), Some(words), Some(heading)) =
        (column("language"), column("words"), column("heading"))
    else {
        return Ok(Vec::new());
    };
    Ok(trade
        .rows
        .iter()
        .filter(|row| row.cells[lang] == language)
        .map(|row| (row.cells[heading].clone(), row.cells[words].clone()))
        .collect())
}

/// The trade words as phrases (a row's `words` separated by `;`), each as its analysed terms,
/// with its heading; longest first. A phrase found in a profile's words names its heading first
/// (see `infer_headings` for the searches that still run): the rows were written to say exactly
/// that, while in a search their one word competed with a nomenclature's many ("UAVs for aerial
/// survey and mapping" found the maps of 4905 and the surveying instruments of 9015 before the
/// unmanned aircraft of 8806), and a searched second heading met the wrong buyers. Only
/// phrases of two or more terms, or of one term no other heading of its language's nomenclature
/// uses: "tooling" (8480) would also name the hand tools of 8201-8206, "LED" the diodes of
/// 8541, and generated firms' texts, which quote the WCO wording, found the wrong heading
/// through them.
struct TradePhrases(Vec<TradePhrase>);

/// One phrase: its analysed terms, its heading, and how the row writes it.
struct TradePhrase {
    terms: Vec<String>,
    heading: String,
    written: String,
}

impl TradePhrases {
    fn bundled() -> Result<&'static TradePhrases> {
        static PHRASES: std::sync::OnceLock<TradePhrases> = std::sync::OnceLock::new();
        if let Some(phrases) = PHRASES.get() {
            return Ok(phrases);
        }
        let mut phrases = Vec::new();
        for (language, nomenclature) in [
            ("ko", Nomenclature::Korean),
            ("vi", Nomenclature::Vietnamese),
            ("en", Nomenclature::English),
        ] {
            let index = HeadingIndex::bundled(nomenclature)?;
            for (heading, words) in trade_words(language)? {
                for phrase in words.split(';') {
                    let terms = crate::index::analyse(&join_hangul(phrase));
                    let specific = match terms.as_slice() {
                        [] => false,
                        [term] => {
                            let mut others: Vec<&String> = index
                                .index
                                .search(std::slice::from_ref(term), index.codes.len())?
                                .iter()
                                .map(|&(position, _)| &index.codes[position])
                                .filter(|code| **code != heading)
                                .collect();
                            others.sort();
                            others.dedup();
                            others.is_empty()
                        }
                        _ => true,
                    };
                    if specific {
                        phrases.push(TradePhrase {
                            terms,
                            heading: heading.clone(),
                            written: phrase.trim().to_string(),
                        });
                    }
                }
            }
        }
        phrases.sort_by_key(|phrase| std::cmp::Reverse(phrase.terms.len()));
        Ok(PHRASES.get_or_init(|| TradePhrases(phrases)))
    }

    /// The headings of the phrases in a text, in the order they occur. Korean spaces words
    /// freely ("화장품 용기" and "화장품용기" are one thing), so Korean text is also read with
    /// the spaces between Hangul removed, and the reading with the fewer headings (then the more
    /// words covered) is taken: "화장품 용기와 병" (cosmetic containers) is the containers'
    /// 3923, not also the cosmetics' 3304, while "자동차 부품용 프레스 금형" (press moulds for car
    /// parts) stays the moulds' 8480 without the car parts that joining it would find. Returns
    /// each heading with the terms and the written forms of the phrases that named it.
    /// `terms` are the text's analysed terms (the caller has them already).
    fn headings_in(&self, text: &str, terms: &[String]) -> Vec<Named> {
        let spaced = self.headings(terms);
        if !has_hangul(text) {
            return spaced.0;
        }
        let joined = self.headings(&crate::index::analyse(&join_hangul(text)));
        let better = |a: &(Vec<Named>, usize), b: &(Vec<Named>, usize)| {
            (a.0.len(), std::cmp::Reverse(a.1)) < (b.0.len(), std::cmp::Reverse(b.1))
        };
        if !joined.0.is_empty() && (spaced.0.is_empty() || better(&joined, &spaced)) {
            joined.0
        } else {
            spaced.0
        }
    }

    /// The headings of the phrases in `terms` (a text's analysed terms, in order), in the order
    /// they occur, each once. The longest phrase at a position wins and its terms are used up:
    /// "injection moulding machine" is 8477 and not also the moulds' "moulding" (8480). Also
    /// returns the number of terms the phrases cover.
    fn headings(&self, terms: &[String]) -> (Vec<Named>, usize) {
        let mut found: Vec<Named> = Vec::new();
        let mut covered = 0;
        let mut position = 0;
        while position < terms.len() {
            let rest = &terms[position..];
            match self.0.iter().find(|phrase| rest.starts_with(&phrase.terms)) {
                Some(phrase) => {
                    let named = match found.iter().position(|n| n.heading == phrase.heading) {
                        Some(index) => &mut found[index],
                        None => {
                            found.push(Named {
                                heading: phrase.heading.clone(),
                                terms: Vec::new(),
                                written: Vec::new(),
                            });
                            found.last_mut().expect("just pushed")
                        }
                    };
                    named.terms.extend(phrase.terms.iter().cloned());
                    if !named.written.contains(&phrase.written) {
                        named.written.push(phrase.written.clone());
                    }
                    position += phrase.terms.len();
                    covered += phrase.terms.len();
                }
                None => position += 1,
            }
        }
        (found, covered)
    }
}

/// A heading trade phrases named: the terms they matched and how their rows write them.
struct Named {
    heading: String,
    terms: Vec<String>,
    written: Vec<String>,
}

/// A word of a participant's text as written, its analysed terms, and whether punctuation
/// follows it (which ends a run of words, see [`written_words`]).
struct WrittenWord<'a> {
    word: &'a str,
    terms: Vec<String>,
    ends_phrase: bool,
}

/// A text's words as written.
fn analysed_words(text: &str) -> Vec<WrittenWord<'_>> {
    let punctuation = |c: char| ",.;:()/".contains(c);
    text.split(char::is_whitespace)
        .flat_map(|token| {
            let pieces: Vec<&str> = token.split(punctuation).collect();
            let last = pieces.len() - 1;
            pieces
                .into_iter()
                .enumerate()
                .map(move |(index, word)| (word, index < last))
        })
        .filter(|(word, _)| !word.is_empty())
        .map(|(word, ends_phrase)| WrittenWord {
            word,
            terms: crate::index::analyse(word),
            ends_phrase,
        })
        .collect()
}

/// The words whose terms are among `terms`, runs of neighbouring words kept together ("máy bay
/// không người lái", "방제 드론"), each run once.
fn written_words(words: &[WrittenWord], terms: &[String]) -> Vec<String> {
    let mut groups: Vec<String> = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    let mut close = |run: &mut Vec<&str>| {
        let group = run.join(" ");
        if !run.is_empty() && !groups.iter().any(|g| g.eq_ignore_ascii_case(&group)) {
            groups.push(group);
        }
        run.clear();
    };
    for word in words {
        if word.terms.iter().any(|term| terms.contains(term)) {
            run.push(word.word);
            if word.ends_phrase {
                close(&mut run);
            }
        } else {
            close(&mut run);
        }
    }
    close(&mut run);
    groups
}

/// The text with the spaces between two Hangul syllables removed.
fn join_hangul(text: &str) -> String {
    let characters: Vec<char> = text.chars().collect();
    let hangul = |c: Option<&char>| c.is_some_and(|&c| is_hangul(c));
    characters
        .iter()
        .enumerate()
        .filter(|&(i, c)| {
            !(c.is_whitespace()
                && hangul(i.checked_sub(1).and_then(|j| characters.get(j)))
                && hangul(characters.get(i + 1)))
        })
        .map(|(_, c)| c)
        .collect()
}

/// Whether a text is (partly) Korean: it has Hangul syllables.
fn has_hangul(text: &str) -> bool {
    text.chars().any(is_hangul)
}

/// Whether a character is a Hangul syllable.
fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// Whether a text is (partly) Vietnamese: it has letters only Vietnamese uses among the
/// mission's languages (đ, ơ, ư, and the tone-marked vowels of Latin Extended Additional).
fn has_vietnamese(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c, 'đ' | 'Đ' | 'ơ' | 'Ơ' | 'ư' | 'Ư' | 'ă' | 'Ă')
            || ('\u{1EA0}'..='\u{1EF9}').contains(&c)
    })
}

/// Infers headings for each profile without codes: the best heading of the English nomenclature
/// for its words, and, with the bridge, the best one or two headings of the Korean nomenclature
/// for Korean text and of the Vietnamese one for Vietnamese text. Each inferred heading's English
/// description joins the profile's searchable text, so a Korean firm and an English buyer of
/// the same product also share words.
fn infer_headings(profiles: &mut [Profile], hs: &HsTable, bridge: bool) -> Result<()> {
    for profile in profiles.iter_mut().filter(|p| p.codes.is_empty()) {
        let mut languages = vec![if bridge {
            Nomenclature::EnglishTrade
        } else {
            Nomenclature::English
        }];
        if bridge && has_hangul(&profile.query_text) {
            languages.push(Nomenclature::Korean);
        }
        if bridge && has_vietnamese(&profile.query_text) {
            languages.push(Nomenclature::Vietnamese);
        }
        // A profile without codes has nothing in its search text beyond its query text.
        let terms = crate::index::analyse(&profile.search_text);
        // Each heading with the participant's words that led to it (the trade phrase as its
        // row writes it when the words were the glossary's English, not the participant's).
        let mut found: Vec<(String, Vec<String>)> = Vec::new();
        let own_words = analysed_words(&profile.own);
        if bridge {
            for named in TradePhrases::bundled()?.headings_in(&profile.query_text, &terms) {
                let mut words = written_words(&own_words, &named.terms);
                if words.is_empty() {
                    words = named.written;
                }
                found.push((named.heading, words));
            }
        }
        // A heading a trade phrase names is the one meant in Korean or Vietnamese text, where a
        // search (the national names, the glossary's English) mostly adds noise. English text
        // is still searched in the WCO text, which is written in its words: "radar and lidar
        // sensors" is 8526 (radar) as well as the sensors' 9031.
        if !found.is_empty() {
            if has_hangul(&profile.query_text) || has_vietnamese(&profile.query_text) {
                languages.clear();
            } else {
                languages.retain(|&language| language == Nomenclature::EnglishTrade);
            }
        }
        for language in languages {
            let headings = HeadingIndex::bundled(language)?;
            // A national nomenclature's short names often split a trade between two headings:
            // take the runner-up too when it scores within 20% of the best.
            let take = if language == Nomenclature::English {
                1
            } else {
                2
            };
            // A heading may stand twice (its name, a trade-word row): distinct headings count.
            let hits = headings.index.search(&terms, take * 3)?;
            let best = hits.first().map_or(0.0, |hit| hit.1);
            let mut taken = 0;
            for &(position, score) in &hits {
                if score < 0.8 * best || taken == take {
                    break;
                }
                let digits = &headings.codes[position];
                if !found.iter().any(|(heading, _)| heading == digits) {
                    let matched: Vec<String> = terms
                        .iter()
                        .filter(|term| headings.terms[position].contains(*term))
                        .cloned()
                        .collect();
                    found.push((digits.clone(), written_words(&own_words, &matched)));
                    taken += 1;
                }
            }
        }
        for (digits, words) in found {
            if let Some(entry) = hs.get(&digits) {
                profile.search_text.push_str(". ");
                profile.search_text.push_str(&entry.description);
            }
            profile.codes.push(Code {
                digits,
                inferred: true,
                words,
            });
        }
    }
    Ok(())
}

/// For each profile of one side: the other side's profiles its words match best (reporting
/// each text similarity, BM25 over the profile's score against itself, to `record`) and those
/// sharing an HS chapter with it. The searches, most of the matcher's time on large missions, run
/// on every core (the indexes are only read); results are recorded in profile order, so the
/// outcome does not depend on the number of threads.
fn pools(
    profiles: &[Profile],
    own_index: &TextIndex,
    other_index: &mut TextIndex,
    other_by_chapter: &HashMap<&str, Vec<usize>>,
    limit: usize,
    with_text: bool,
    mut record: impl FnMut(usize, usize, f64),
) -> Result<Vec<Vec<usize>>> {
    let queries: Vec<Vec<String>> = if with_text {
        profiles
            .iter()
            .map(|profile| other_index.terms(&profile.query_text))
            .collect()
    } else {
        Vec::new()
    };
    let other_index = &*other_index;
    let search = |first: usize, queries: &[Vec<String>]| -> Result<Vec<Vec<(usize, f64)>>> {
        queries
            .iter()
            .enumerate()
            .map(|(offset, terms)| {
                let own = first + offset;
                let itself = own_index.search(terms, 3)?;
                let self_score = itself
                    .iter()
                    .find(|hit| hit.0 == own)
                    .or(itself.first())
                    .map_or(1.0, |hit| f64::from(hit.1))
                    .max(1e-6);
                Ok(other_index
                    .search(terms, limit)?
                    .into_iter()
                    .map(|(other, score)| (other, (f64::from(score) / self_score).min(1.0)))
                    .collect())
            })
            .collect()
    };
    let threads = std::thread::available_parallelism().map_or(1, |count| count.get());
    let chunk = queries.len().div_ceil(threads).max(1);
    let hits: Vec<Vec<(usize, f64)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = queries
            .chunks(chunk)
            .enumerate()
            .map(|(number, queries)| scope.spawn(move || search(number * chunk, queries)))
            .collect();
        let mut hits = Vec::with_capacity(queries.len());
        for worker in workers {
            let found = worker
                .join()
                .map_err(|_| Error::Index("a search thread panicked".to_string()))??;
            hits.extend(found);
        }
        Ok::<_, Error>(hits)
    })?;
    let mut pools = Vec::with_capacity(profiles.len());
    for (own, profile) in profiles.iter().enumerate() {
        let mut pool: Vec<usize> = Vec::new();
        for &(other, similarity) in hits.get(own).into_iter().flatten() {
            record(own, other, similarity);
            pool.push(other);
        }
        for code in &profile.codes {
            pool.extend(
                other_by_chapter
                    .get(&code.digits[..2])
                    .into_iter()
                    .flatten()
                    .copied(),
            );
        }
        pools.push(pool);
    }
    Ok(pools)
}

/// The firms' and the buyers' profiles, with headings inferred for those without codes.
fn profiles(mission: &Mission, options: &MatchOptions) -> Result<(Vec<Profile>, Vec<Profile>)> {
    let hs = HsTable::bundled();
    let glossary = Glossary::bundled();
    let text_of_firm = |firm: &Firm| profile_text(&firm.sector, &firm.products, &firm.keywords);
    let text_of_buyer =
        |buyer: &Buyer| profile_text(&buyer.sector, &buyer.interests, &buyer.keywords);
    let mut firm_profiles: Vec<Profile> = mission
        .firms
        .iter()
        .map(|firm| build_profile(text_of_firm(firm), &firm.hs_codes, hs, glossary, options.hs))
        .collect();
    let mut buyer_profiles: Vec<Profile> = mission
        .buyers
        .iter()
        .map(|buyer| {
            build_profile(
                text_of_buyer(buyer),
                &buyer.hs_codes,
                hs,
                glossary,
                options.hs,
            )
        })
        .collect();
    if options.hs {
        infer_headings(&mut firm_profiles, hs, options.bridge)?;
        infer_headings(&mut buyer_profiles, hs, options.bridge)?;
    }
    Ok((firm_profiles, buyer_profiles))
}

/// An HS heading inferred from a participant's text, and the participant's words (as written)
/// that led to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InferredHeading {
    /// The 4-digit heading.
    pub code: String,
    /// The words that named or found it ("방제 드론", "máy bay không người lái").
    pub words: Vec<String>,
}

impl InferredHeading {
    /// The heading's description in the bundled HS nomenclature, cut to at most `most`
    /// characters (empty for a code the nomenclature does not have).
    pub fn description(&self, most: usize) -> String {
        let hs = HsTable::bundled();
        let full = hs
            .get(&self.code)
            .map_or("", |entry| entry.description.as_str());
        let short: String = full.chars().take(most).collect();
        short.trim_end().to_string()
    }
}

/// Per participant (in file order), the headings inferred for it, best first.
pub type Headings = Vec<Vec<InferredHeading>>;

/// The HS headings the matcher inferred for participants that give no `hs_codes`: for each firm
/// and each buyer (in the order of the files), the 4-digit headings, best first (empty when it
/// gave codes or nothing was inferred). An organiser confirms or corrects them by writing codes
/// into the folder.
pub fn inferred_headings(
    mission: &Mission,
    options: &MatchOptions,
) -> Result<(Headings, Headings)> {
    let (firms, buyers) = profiles(mission, options)?;
    Ok((inferred(&firms), inferred(&buyers)))
}

/// The inferred headings of each profile.
fn inferred(profiles: &[Profile]) -> Headings {
    profiles
        .iter()
        .map(|profile| {
            profile
                .codes
                .iter()
                .filter(|code| code.inferred)
                .map(|code| InferredHeading {
                    code: code.digits.clone(),
                    words: code.words.clone(),
                })
                .collect()
        })
        .collect()
}

/// Finds every pair worth a meeting (contract section 5, `candidates.csv`).
pub fn match_mission(mission: &Mission, options: &MatchOptions) -> Result<Vec<Candidate>> {
    match_with_headings(mission, options).map(|(candidates, _, _)| candidates)
}

/// [`match_mission`], and the headings it inferred for firms and buyers (see
/// [`inferred_headings`]) from the same profiles, so `match` need not build them twice.
pub fn match_with_headings(
    mission: &Mission,
    options: &MatchOptions,
) -> Result<(Vec<Candidate>, Headings, Headings)> {
    let hs = HsTable::bundled();
    let model = ModelParameters::from_table(&mission.model);
    let (firm_profiles, buyer_profiles) = profiles(mission, options)?;
    let headings = (inferred(&firm_profiles), inferred(&buyer_profiles));
    let mut buyer_index = TextIndex::build(buyer_profiles.iter().map(|p| p.search_text.as_str()))?;
    let mut firm_index = TextIndex::build(firm_profiles.iter().map(|p| p.search_text.as_str()))?;

    // Who trades in each chapter, for pairs the text alone would miss.
    let mut buyers_by_chapter: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, profile) in buyer_profiles.iter().enumerate() {
        for code in &profile.codes {
            buyers_by_chapter
                .entry(&code.digits[..2])
                .or_default()
                .push(index);
        }
    }
    let mut firms_by_chapter: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, profile) in firm_profiles.iter().enumerate() {
        for code in &profile.codes {
            firms_by_chapter
                .entry(&code.digits[..2])
                .or_default()
                .push(index);
        }
    }

    let mut kinds: HashMap<(usize, usize), RequestKind> = HashMap::new();
    for request in &mission.requests {
        if let (Some(firm), Some(buyer)) = (
            mission.firm_index(&request.firm),
            mission.buyer_index(&request.buyer),
        ) {
            let entry = kinds.entry((firm, buyer)).or_insert(request.kind);
            // The strongest row of a pair decides: avoid, must, want, request.
            let strength = |kind: RequestKind| match kind {
                RequestKind::Avoid => 3,
                RequestKind::Must => 2,
                RequestKind::Want => 1,
                RequestKind::Request => 0,
            };
            if strength(request.kind) > strength(*entry) {
                *entry = request.kind;
            }
        }
    }

    let per_firm = options
        .candidates_per_firm
        .or(mission.rules.candidates_per_firm.map(|n| n as usize))
        .unwrap_or(40);
    let pool = (per_firm * 3).max(100);
    let mut text_scores: HashMap<(usize, usize), f64> = HashMap::new();
    let firm_pools = pools(
        &firm_profiles,
        &firm_index,
        &mut buyer_index,
        &buyers_by_chapter,
        pool,
        options.text,
        |firm, buyer, similarity| {
            let entry = text_scores.entry((firm, buyer)).or_insert(0.0);
            *entry = entry.max(similarity);
        },
    )?;
    let buyer_pools = pools(
        &buyer_profiles,
        &buyer_index,
        &mut firm_index,
        &firms_by_chapter,
        options.candidates_per_buyer * 3 + 5,
        options.text,
        |buyer, firm, similarity| {
            let entry = text_scores.entry((firm, buyer)).or_insert(0.0);
            *entry = entry.max(similarity);
        },
    )?;

    // Scoring is all a ranking needs; the reasons (words, strings) are written only for the
    // pairs kept, which at 1,000 x 100,000 are a few percent of those scored.
    let evaluate = |firm: usize, buyer: usize| -> Candidate {
        let (firm_profile, buyer_profile) = (&firm_profiles[firm], &buyer_profiles[buyer]);
        let text = text_scores.get(&(firm, buyer)).copied().unwrap_or(0.0);
        let (level, inferred, _) = hs_level(&firm_profile.codes, &buyer_profile.codes);
        let kind = kinds.get(&(firm, buyer)).copied();
        let requested = matches!(
            kind,
            Some(RequestKind::Request | RequestKind::Want | RequestKind::Must)
        );
        let relevance =
            (0.55 * hs_score(level, inferred) + 0.45 * text + if requested { 0.25 } else { 0.0 })
                .min(1.0);
        let (firm_record, buyer_record) = (&mission.firms[firm], &mission.buyers[buyer]);
        let features = PairFeatures {
            relevance,
            hs_level: level,
            shared_language: mission.interpreter_for(firm_record, buyer_record).is_none(),
            request: requested,
        };
        let p_deal = model.p_deal(&features);
        let deal_value_usd = model.deal_value_usd(
            buyer_record.annual_import_usd,
            firm_record.export_capacity_usd,
        );
        Candidate {
            firm,
            buyer,
            relevance,
            text_similarity: text,
            hs_level: level,
            p_deal,
            deal_value_usd,
            expected_value_usd: p_deal * deal_value_usd,
            reasons: Vec::new(),
        }
    };
    // The firms' words as written, for the reasons (firms read them on their agendas).
    let firm_words: Vec<HashMap<String, String>> = firm_profiles
        .iter()
        .map(|profile| crate::index::term_words(&profile.query_text))
        .collect();
    let explain = |candidate: &mut Candidate| {
        let (firm, buyer) = (candidate.firm, candidate.buyer);
        let (firm_profile, buyer_profile) = (&firm_profiles[firm], &buyer_profiles[buyer]);
        let closest = closest_codes(&firm_profile.codes, &buyer_profile.codes);
        let reasons = &mut candidate.reasons;
        let mut shared_terms: Vec<&str> = Vec::new();
        for term in firm_profile
            .own_terms
            .intersection(&buyer_profile.own_terms)
        {
            let word = firm_words[firm]
                .get(term)
                .map_or(term.as_str(), String::as_str);
            if !shared_terms.iter().any(|w| w.eq_ignore_ascii_case(word)) {
                shared_terms.push(word);
            }
            if shared_terms.len() == 6 {
                break;
            }
        }
        if !shared_terms.is_empty() {
            reasons.push(format!("matched terms: {}", shared_terms.join(", ")));
        } else if candidate.text_similarity > 0.0 {
            reasons.push(format!(
                "similar product descriptions (text score {:.2})",
                candidate.text_similarity
            ));
        }
        if let Some((level, firm_code, buyer_code, code)) = closest {
            let description = hs.get(code).map(|e| e.description.as_str()).unwrap_or("");
            let level_name = match level {
                3 => "subheading",
                2 => "heading",
                _ => "chapter",
            };
            let mut short: String = description.chars().take(70).collect();
            if description.chars().count() > 70 {
                short.push_str("...");
            }
            if firm_code.inferred || buyer_code.inferred {
                // How each side reached the heading, in its own words: "드론 → HS 8806
                // (Unmanned aircraft) ← máy bay không người lái".
                let side = |code: &Code| {
                    if !code.inferred {
                        format!("given {}", code.digits)
                    } else if code.words.is_empty() {
                        "its product text".to_string()
                    } else {
                        code.words.join(", ")
                    }
                };
                let chapter = if level == 1 { "chapter " } else { "" };
                reasons.push(format!(
                    "{} → HS {chapter}{code} ({short}) ← {}",
                    side(firm_code),
                    side(buyer_code)
                ));
            } else {
                reasons.push(format!("same HS {level_name} {code} ({short})"));
            }
        }
        match kinds.get(&(firm, buyer)) {
            Some(RequestKind::Must) => reasons.push("must meet (requests.csv)".to_string()),
            Some(RequestKind::Want) => reasons.push("meeting wanted (requests.csv)".to_string()),
            Some(RequestKind::Request) => {
                reasons.push("meeting requested (requests.csv)".to_string())
            }
            _ => {}
        }
        if let Some(language) =
            mission.interpreter_for(&mission.firms[firm], &mission.buyers[buyer])
        {
            reasons.push(format!("needs an interpreter ({language})"));
        }
    };

    // The best `count` of the given (firm, buyer) pairs, avoid pairs and irrelevant ones left out.
    let best = |pairs: Vec<(usize, usize)>, count: usize| -> Vec<Candidate> {
        let mut scored: Vec<Candidate> = pairs
            .into_iter()
            .filter(|pair| kinds.get(pair) != Some(&RequestKind::Avoid))
            .map(|(firm, buyer)| evaluate(firm, buyer))
            .filter(|c| c.relevance > 0.0)
            .collect();
        scored.sort_by(|a, b| {
            b.relevance
                .total_cmp(&a.relevance)
                .then(b.expected_value_usd.total_cmp(&a.expected_value_usd))
                .then((a.firm, a.buyer).cmp(&(b.firm, b.buyer)))
        });
        scored.truncate(count);
        scored
    };
    let mut kept: HashMap<(usize, usize), Candidate> = HashMap::new();
    let firm_side = firm_pools.iter().enumerate().map(|(firm, pool)| {
        (
            pool.iter().map(|&buyer| (firm, buyer)).collect::<Vec<_>>(),
            per_firm,
        )
    });
    let buyer_side = buyer_pools.iter().enumerate().map(|(buyer, pool)| {
        (
            pool.iter().map(|&firm| (firm, buyer)).collect::<Vec<_>>(),
            options.candidates_per_buyer,
        )
    });
    for (mut pairs, count) in firm_side.chain(buyer_side) {
        pairs.sort_unstable();
        pairs.dedup();
        for candidate in best(pairs, count) {
            kept.insert((candidate.firm, candidate.buyer), candidate);
        }
    }
    for (&(firm, buyer), &kind) in &kinds {
        if kind != RequestKind::Avoid {
            kept.entry((firm, buyer))
                .or_insert_with(|| evaluate(firm, buyer));
        }
    }
    let mut candidates: Vec<Candidate> = kept.into_values().collect();
    for candidate in &mut candidates {
        explain(candidate);
    }
    candidates.sort_by(|a, b| {
        a.firm
            .cmp(&b.firm)
            .then(b.relevance.total_cmp(&a.relevance))
            .then(a.buyer.cmp(&b.buyer))
    });
    Ok((candidates, headings.0, headings.1))
}

/// The candidates as scheduler weights.
pub fn candidate_weights(mission: &Mission, candidates: &[Candidate]) -> Vec<PairWeight> {
    candidates
        .iter()
        .map(|candidate| PairWeight {
            firm: mission.firms[candidate.firm].id.clone(),
            buyer: mission.buyers[candidate.buyer].id.clone(),
            expected_value_usd: candidate.expected_value_usd,
            reasons: candidate.reasons.clone(),
            source: "candidates".to_string(),
            line: None,
        })
        .collect()
}

/// What the model knew of each attended meeting in `mission.outcomes`, and whether a contract
/// was signed: the data `calibrate` fits `p_deal` to. Pairs the matcher did not keep count as
/// relevance 0 with no shared HS level.
pub fn observations(mission: &Mission, candidates: &[Candidate]) -> Vec<crate::score::Observation> {
    let by_pair: HashMap<(usize, usize), &Candidate> =
        candidates.iter().map(|c| ((c.firm, c.buyer), c)).collect();
    let requested: BTreeSet<(usize, usize)> = mission
        .requests
        .iter()
        .filter(|r| r.kind != RequestKind::Avoid)
        .filter_map(|r| Some((mission.firm_index(&r.firm)?, mission.buyer_index(&r.buyer)?)))
        .collect();
    let mut result = Vec::new();
    for outcome in mission.outcomes.as_deref().unwrap_or(&[]) {
        let (Some(firm), Some(buyer)) = (
            mission.firm_index(&outcome.firm),
            mission.buyer_index(&outcome.buyer),
        ) else {
            continue;
        };
        if !outcome.attended {
            continue;
        }
        let candidate = by_pair.get(&(firm, buyer));
        let features = PairFeatures {
            relevance: candidate.map_or(0.0, |c| c.relevance),
            hs_level: candidate.map_or(0, |c| c.hs_level),
            shared_language: mission
                .interpreter_for(&mission.firms[firm], &mission.buyers[buyer])
                .is_none(),
            request: requested.contains(&(firm, buyer)),
        };
        result.push((features, outcome.contract_usd.is_some_and(|c| c > 0.0)));
    }
    result
}
