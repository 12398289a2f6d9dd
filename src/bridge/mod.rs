//! The bridge between Korean, English and Vietnamese product words: which HS headings a
//! participant's text points to, with what confidence, and the words that say so.
//!
//! It is learned from whole data, not from phrases: every line of the WCO nomenclature
//! (English), the Korean HSK and the Vietnamese AHTN 2022 (`data/hs-bridge/segments-*.tsv`, each
//! line's name at its depth under its heading) gives its words' evidence for its heading. A word
//! counts by how few headings use it (inverse heading frequency) and how close to the heading's
//! own name it stands (depth). Korean words lose their particles, Vietnamese words keep their
//! syllables together, Korean loanwords are read against English ([`loanwords`]), and company
//! boilerplate never counts ([`words`]). A heading is inferred only when its evidence passes a
//! threshold; otherwise the participant gets none (the matcher abstains rather than guesses),
//! and the inference's confidence enters the pair's score.

mod loanwords;
mod words;

use std::collections::{HashMap, HashSet};

use crate::error::{Error, Result};
use crate::hs::HsTable;
use unicode_normalization::UnicodeNormalization;

pub use words::{has_vietnamese, is_hangul};

const SEGMENTS_KO: &str = include_str!("../../data/hs-bridge/segments-ko.tsv");
const SEGMENTS_VI: &str = include_str!("../../data/hs-bridge/segments-vi.tsv");
const SEGMENTS_EN: &str = include_str!("../../data/hs-bridge/segments-en.tsv");
/// The names traders use for goods, each under its heading (the UK Trade Tariff's search
/// references, `data/hs-bridge/README.md`): English words the nomenclatures' wording lacks
/// (strollers, juicers, cable ties).
const COMMON_NAMES_EN: &str = include_str!("../../data/hs-bridge/common-names-en.tsv");
/// Trade words the official wording lacks (`language,words,heading,source`), each row with its
/// reason; they count as a heading's own name.
const TRADE_WORDS: &str = include_str!("../../data/hs-bridge/trade-words.csv");
/// Korean words with their English translations (Wiktionary's translation tables, as WECHSEL
/// extracted them; `data/hs-bridge/README.md`): everyday product words the Korean nomenclature
/// writes otherwise (도료 paint, 라벨 label).
const DICTIONARY_KO: &str = include_str!("../../data/hs-bridge/dictionary-ko-en.tsv");
/// Vietnamese words of two or three syllables with their English translations (the same
/// source): words the Vietnamese nomenclature does not use (tương ớt, hot sauce).
const DICTIONARY_VI: &str = include_str!("../../data/hs-bridge/dictionary-vi-en.tsv");

/// How much a word counts by where it stands under its heading: in the heading's own name, a
/// subheading's, or a national line's.
const DEPTH_STRENGTH: [f64; 4] = [1.0, 0.75, 0.6, 0.5];
/// How much more a word counts for a heading whose own name holds it than for one whose lines
/// do (the ratio of their strengths to this power).
const SHARPNESS: i32 = 1;
/// How much each syllable of a Vietnamese word, or the head noun of a Korean compound the
/// nomenclature knows whole, counts beside the word itself (0.3 on the training halves: nDCG@10
/// 0.691/0.707 -> 0.708/0.713; 0.5: 0.698/0.716).
const SYLLABLE_OF_WORD: f64 = 0.3;
/// A word used by more headings than this says nothing about the product.
const MOST_HEADINGS: usize = 100;
/// A one-syllable Korean word counts only when few headings use it (배: pear, ship, belly).
const MOST_HEADINGS_SYLLABLE: usize = 12;
/// Evidence below which no heading is inferred (about one specific word in a line's name).
const LEAST_EVIDENCE: f64 = 2.0;
/// Headings after the best are kept while their evidence is at least this share of the best
/// one's, at most `MOST_INFERRED`: the matcher compares the spread of two profiles' evidence,
/// so a firm whose product is the second reading of its words still meets its buyers (0.2 on the
/// training halves of the held-out sets: nDCG@10 0.672 -> 0.695 and 0.676 -> 0.696 against 0.5).
/// The matcher lists and describes only readings of at least `SHOWN_SHARE`, but a weaker one
/// still counts in the score and may be the closest code a reason names.
const LEAST_SHARE: f64 = 0.2;
/// At most this many readings are kept. A long firm text spreads its evidence over many
/// headings, and its product is often not among its first eight: 32 against 8, on the training
/// halves of (e), (f) and (i), with chapter agreement from shown readings only
/// (`matching::inferred_similarity`): nDCG@10 0.701/0.715/0.587 -> 0.680/0.720/0.718, meetings
/// between unrelated trades 33 -> 34 of 208 and 207 (with chapters from every reading: 0.718/
/// 0.724/0.704, but 44 unrelated of 223; 16 readings: 0.714/0.709/0.656; 64: 0.710/0.710/0.711).
const MOST_INFERRED: usize = 32;
/// A heading's share is its evidence over the best heading's, to this power: the runner-up
/// readings count, but less than in proportion.
const SHARE_POWER: i32 = 2;
/// How much a heading's evidence grows when the text covers its own name whole (in proportion).
const NAME_COVERAGE: f64 = 0.3;
/// How much a word read through the dictionary counts (a Korean word the nomenclature does not
/// use, or a Vietnamese one; divided among its translations by the root of their number): the
/// dictionary translates words, not trade usage (on the training halves of (e), (f) and (i):
/// nDCG@10 0.691/0.734/0.779 -> 0.723/0.761/0.798 for Korean words, and with translations in
/// the searchable text as well 0.748/0.776/0.803).
const TRANSLATED: f64 = 0.8;
/// How much each further sentence that reads a heading adds to its share (a firm that names
/// its valves in its sector, its text and its keywords makes valves more surely than the
/// flanges it names once): training halves nDCG@10 0.681/0.741/0.704 -> 0.681/0.742/0.770
/// against 0.3 0.681/0.742/0.770 and 1.0 0.681/0.739/0.749.
const REPEATED: f64 = 0.5;
/// How much a heading's evidence grows with the number of its lines that name the word
/// (logarithmically): 7318's many lines of bolts against the lubricants' one. 0.25 against
/// 0.5 on the training halves: nDCG@10 0.750/0.780/0.811 -> 0.750/0.787/0.792, schedule
/// precision 0.78/0.84/0.87 -> 0.88/0.89/0.85 (0: 0.708/0.758/0.740).
const LINES_GROWTH: f64 = 0.25;
/// How much a nomenclature line's word counts for its heading when it names only the product's
/// use or material, not the product (see [`words::line_modifiers`]).
const MODIFIER: f64 = 0.5;
/// How much a sentence of a buyer's own trade (its sector) counts beside its interests (see
/// [`Bridge::infer_in_context`]); on the training half of (i), whose buyers give sectors:
/// nDCG@10 0.792 -> 0.815, schedule precision 0.85 -> 0.85 (0.3: 0.818, 0.82).
const OWN_TRADE: f64 = 0.5;
/// The words kept to say why a heading was inferred.
const MOST_WORDS: usize = 4;
/// A sentence whose best evidence is at least this share of its text's best names a product of
/// its own (see [`merge_sentences`]).
const SENTENCE_SHARE: f64 = 0.5;
/// How much a buyer's words before the verb that says what it wants count (see
/// [`Bridge::profile_features`]).
const BEFORE_FOCUS: f64 = 0.5;
/// Evidence at which the confidence reaches 1 - 1/e.
const CONFIDENCE_SCALE: f64 = 4.0;

/// A heading inferred from a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Inference {
    /// The 4-digit heading.
    pub heading: String,
    /// In (0, 1): how sure the evidence makes it.
    pub confidence: f64,
    /// Its evidence as a share of the best heading's, in (0, 1].
    pub share: f64,
    /// The participant's words (as written, without particles) that point to it, strongest
    /// first.
    pub words: Vec<String>,
}

/// What the nomenclatures teach: for each feature, the headings that use it and how strongly.
pub struct Bridge {
    headings: Vec<String>,
    /// Per feature: (heading, strength of its best line, number of its lines using it).
    postings: HashMap<String, Vec<(u32, f32, u32)>>,
    /// Korean words of the nomenclature (particles removed), for stemming and compounds.
    korean_words: HashSet<String>,
    /// Vietnamese words of two and three syllables the nomenclature uses.
    vietnamese_words: HashSet<String>,
    /// English words of the nomenclature by loanword key: (vowel class, stem, word).
    loanwords: HashMap<String, Vec<(char, String)>>,
    /// Per heading and language (the feature's first letter): how many single words its own
    /// name has, to say how much of it a text covers.
    name_sizes: HashMap<(u32, char), u32>,
    /// Korean words and their English translations, each translation's words.
    dictionary: HashMap<String, Vec<Vec<String>>>,
    /// Vietnamese words (two or three syllables) and their English translations.
    dictionary_vi: HashMap<String, Vec<Vec<String>>>,
}

/// Korean words as the nomenclature writes them (particles removed), to know a word from a word
/// + particle.
fn korean_vocabulary(korean_segments: &[(&str, usize, &str)]) -> HashSet<String> {
    let mut raw_korean: HashSet<String> = HashSet::new();
    for &(_, _, text) in korean_segments {
        for phrase in words::phrases(text) {
            for word in words::words(&phrase) {
                if word.chars().all(is_hangul) {
                    raw_korean.insert(word.to_string());
                }
            }
        }
    }
    let known_raw = |word: &str| raw_korean.contains(word);
    raw_korean
        .iter()
        .map(|word| words::korean_corpus_stem(word, &known_raw))
        .collect()
}

/// The bridge being built, read line by line from the nomenclatures.
struct Lines<'a> {
    bridge: &'a mut Bridge,
    /// Each heading's index in `headings`.
    position: HashMap<&'a str, u32>,
}

impl Lines<'_> {
    /// A line's words as evidence for its heading, as strong as its depth says.
    fn add(&mut self, heading: &str, depth: usize, language: Language, text: &str) {
        let Some(&index) = self.position.get(heading) else {
            return;
        };
        let depth_strength = DEPTH_STRENGTH[depth.min(DEPTH_STRENGTH.len() - 1)];
        for (key, _, place) in self.bridge.segment_features(language, text) {
            let strength = (depth_strength * place) as f32;
            let postings = self.bridge.postings.entry(key).or_default();
            // Only lines that name the word's product count it as one more line about it.
            let names = u32::from(place >= words::LATER_ITEM);
            match postings.iter_mut().find(|(h, ..)| *h == index) {
                Some(entry) => {
                    entry.1 = entry.1.max(strength);
                    entry.2 += names;
                }
                None => postings.push((index, strength, names)),
            }
        }
    }
}

/// A feature of a profile with its weight and the words that gave it.
struct Found {
    weight: f64,
    written: Vec<String>,
}

impl Bridge {
    /// The bridge built from the bundled nomenclatures, once per process.
    pub fn bundled() -> Result<&'static Bridge> {
        static BRIDGE: std::sync::OnceLock<Bridge> = std::sync::OnceLock::new();
        if let Some(bridge) = BRIDGE.get() {
            return Ok(bridge);
        }
        let built = Bridge::build()?;
        Ok(BRIDGE.get_or_init(|| built))
    }

    fn build() -> Result<Bridge> {
        let hs = HsTable::bundled();
        let headings: Vec<String> = hs
            .entries()
            .iter()
            .filter(|entry| entry.code.len() == 4)
            .map(|entry| entry.code.clone())
            .collect();
        let korean_segments = segments(SEGMENTS_KO)?;
        let mut bridge = Bridge {
            headings: headings.clone(),
            postings: HashMap::new(),
            korean_words: korean_vocabulary(&korean_segments),
            vietnamese_words: HashSet::new(),
            loanwords: HashMap::new(),
            name_sizes: HashMap::new(),
            dictionary: dictionary(DICTIONARY_KO),
            dictionary_vi: dictionary(DICTIONARY_VI)
                .into_iter()
                .map(|(word, english)| {
                    let spelled: Vec<String> =
                        word.split(' ').map(words::vietnamese_spelling).collect();
                    (spelled.join(" "), english)
                })
                .collect(),
        };
        let mut lines = Lines {
            bridge: &mut bridge,
            position: headings
                .iter()
                .enumerate()
                .map(|(index, code)| (code.as_str(), index as u32))
                .collect(),
        };
        for entry in hs.entries() {
            match entry.code.len() {
                4 => lines.add(&entry.code, 0, Language::English, &entry.description),
                6 => lines.add(&entry.code[..4], 1, Language::English, &entry.description),
                _ => {}
            }
        }
        for (heading, depth, text) in segments(SEGMENTS_EN)? {
            lines.add(heading, depth, Language::English, text);
        }
        for (heading, depth, text) in segments(COMMON_NAMES_EN)? {
            lines.add(heading, depth, Language::English, text);
        }
        for &(heading, depth, text) in &korean_segments {
            lines.add(heading, depth, Language::Korean, text);
        }
        for (heading, depth, text) in segments(SEGMENTS_VI)? {
            lines.add(heading, depth, Language::Vietnamese, text);
        }
        for (language, heading, phrases) in trade_words()? {
            for phrase in phrases.split(';') {
                lines.add(&heading, 0, language, phrase);
            }
        }
        bridge.count_name_sizes();
        bridge.learn_loanwords(hs)?;
        Ok(bridge)
    }

    /// How many single words each heading's own name has, per language.
    fn count_name_sizes(&mut self) {
        for (key, postings) in &self.postings {
            if key.contains(' ') {
                continue;
            }
            let language = key.chars().next().unwrap_or('e');
            for &(heading, strength, _) in postings {
                if strength >= 1.0 {
                    *self.name_sizes.entry((heading, language)).or_default() += 1;
                }
            }
        }
    }

    /// English words by loanword key, for Korean words the Korean nomenclature lacks.
    fn learn_loanwords(&mut self, hs: &HsTable) -> Result<()> {
        let mut english: HashSet<String> = HashSet::new();
        for entry in hs.entries() {
            english.extend(ascii_words(&entry.description));
        }
        for (_, _, text) in segments(SEGMENTS_EN)?
            .into_iter()
            .chain(segments(COMMON_NAMES_EN)?)
        {
            english.extend(ascii_words(text));
        }
        // Loanwords are borrowed in the singular (프린터, printer); the nomenclature writes
        // plurals ("printers").
        let singulars: Vec<String> = english
            .iter()
            .filter(|word| word.len() > 4 && word.ends_with('s') && !word.ends_with("ss"))
            .map(|word| word[..word.len() - 1].to_string())
            .collect();
        english.extend(singulars);
        for word in english {
            if let Some(key) = loanwords::english_key(&word) {
                let (consonants, vowel) = key.split_at(key.len() - 1);
                let vowel = vowel.chars().next().unwrap_or('-');
                if let Some(stem) = words::english_stems(&word).into_iter().next() {
                    let entry = self.loanwords.entry(consonants.to_string()).or_default();
                    if !entry.iter().any(|(v, s)| *v == vowel && *s == stem) {
                        entry.push((vowel, stem));
                    }
                }
            }
        }
        Ok(())
    }

    /// The features of a nomenclature line (all n-grams for Vietnamese: the line defines the
    /// words; Korean compounds also by their last parts, the head nouns: 볼베어링 is also
    /// 베어링), each with the words that gave it and how much it says of the line's product by
    /// its place ([`words::line_phrases`]; a modifier counts [`MODIFIER`],
    /// [`words::line_modifiers`]).
    fn segment_features(&mut self, language: Language, text: &str) -> Vec<(String, String, f64)> {
        let mut out = Vec::new();
        for (phrase, place) in words::line_phrases(text) {
            let tokens = words::words(&phrase);
            let mut features: Vec<(String, String)> = Vec::new();
            let mut roles: Vec<f64> = Vec::new();
            match language {
                Language::English => {
                    let modifiers = words::line_modifiers(&tokens, &vec![None; tokens.len()]);
                    let role = |index: usize| if modifiers[index] { MODIFIER } else { 1.0 };
                    english_features(&tokens, &mut features, &mut |index| roles.push(role(index)));
                }
                Language::Vietnamese => {
                    let spelled: Vec<String> = tokens
                        .iter()
                        .map(|t| words::vietnamese_spelling(t))
                        .collect();
                    let tokens: Vec<&str> = spelled.iter().map(String::as_str).collect();
                    let modifiers = words::line_modifiers(&tokens, &vec![None; tokens.len()]);
                    for n in 1..=3 {
                        for (start, gram) in tokens
                            .windows(n)
                            .enumerate()
                            .filter(|(_, gram)| words::is_vietnamese_word(gram))
                        {
                            let key = gram.join(" ");
                            if n > 1 {
                                self.vietnamese_words.insert(key.clone());
                            }
                            features.push((format!("v:{key}"), key));
                            let modifier = modifiers[start..start + n].iter().any(|m| *m);
                            roles.push(if modifier { MODIFIER } else { 1.0 });
                        }
                    }
                }
                Language::Korean => {
                    let stems = self.korean_stems(&tokens, |word| word.chars().all(is_hangul));
                    let modifiers = words::line_modifiers(&tokens, &stems);
                    let mut latin = Vec::new();
                    let mut latin_roles = Vec::new();
                    for ((word, stem), modifier) in tokens.iter().zip(&stems).zip(&modifiers) {
                        let role = if *modifier { MODIFIER } else { 1.0 };
                        if let Some(stem) = stem {
                            let syllables: Vec<char> = stem.chars().collect();
                            for start in 1..syllables.len().saturating_sub(1) {
                                let suffix: String = syllables[start..].iter().collect();
                                features.push((format!("k:{suffix}"), suffix));
                                roles.push(role);
                            }
                            features.push((format!("k:{stem}"), stem.clone()));
                            roles.push(role);
                        } else if word.is_ascii() {
                            latin.push(*word);
                            latin_roles.push(role);
                        }
                    }
                    english_features(&latin, &mut features, &mut |index| {
                        roles.push(latin_roles[index])
                    });
                }
            }
            out.extend(
                features
                    .into_iter()
                    .zip(roles)
                    .map(|((key, written), role)| (key, written, place * role)),
            );
        }
        out
    }

    /// Each Korean token's stem (the words `korean` picks), None for the others.
    fn korean_stems(&self, tokens: &[&str], korean: impl Fn(&str) -> bool) -> Vec<Option<String>> {
        let known = |w: &str| self.korean_words.contains(w);
        tokens
            .iter()
            .map(|word| korean(word).then(|| words::korean_stem(word, &known)))
            .collect()
    }

    /// The features of a participant's text, each with its weight and written words.
    ///
    /// In a text without Hangul (English or Vietnamese; a firm's English sentences too) the
    /// writer names what it buys or sells after the word that says so ("Pharma company
    /// interested in sourcing toothpaste", "Công ty xuất khẩu gạo cần nhập bao jumbo"): the
    /// words before the first run of such words ([`words::focus_start`]) tell its own trade and
    /// count `BEFORE_FOCUS`, unless nothing after them names a product.
    fn profile_features(&self, text: &str) -> HashMap<String, Found> {
        let vietnamese = has_vietnamese(text);
        let text = words::without_names(text, vietnamese, &|word: &str| {
            words::english_stems(word)
                .first()
                .is_some_and(|stem| self.postings.contains_key(&format!("e:{stem}")))
        })
        .nfc()
        .collect::<String>()
        .to_lowercase();
        let start = (!text.chars().any(is_hangul))
            .then(|| words::focus_start(&text))
            .flatten()
            .unwrap_or(0);
        let (context, focus) = text.split_at(start);
        let mut found = HashMap::new();
        self.part_features(focus, vietnamese, 1.0, &mut found);
        let named = found
            .keys()
            .any(|key| self.postings.contains_key(key) && !words::is_boilerplate(key));
        let share = if named { BEFORE_FOCUS } else { 1.0 };
        self.part_features(context, vietnamese, share, &mut found);
        found
    }

    /// The features of part of a text, their weights times `share`, into `found`.
    fn part_features(
        &self,
        text: &str,
        vietnamese: bool,
        share: f64,
        found: &mut HashMap<String, Found>,
    ) {
        let mut put = |key: String, written: &str, weight: f64| {
            let entry = found.entry(key).or_insert(Found {
                weight: 0.0,
                written: Vec::new(),
            });
            entry.weight = entry.weight.max(weight * share);
            if !entry.written.iter().any(|w| w == written) {
                entry.written.push(written.to_string());
            }
        };
        let phrases = words::phrases(text);
        if vietnamese {
            for phrase in &phrases {
                self.vietnamese_profile(&words::words(phrase), &mut put);
            }
            return;
        }
        // Each word is stemmed once, for its role and for its features; a Korean phrase is
        // (its tokens, each token's stem, each token's role).
        type Parsed<'t> = (Vec<&'t str>, Vec<Option<String>>, Vec<f64>);
        let mut parsed: Vec<Parsed> = phrases
            .iter()
            .map(|phrase| {
                let tokens = words::words(phrase);
                let stems = self.korean_stems(&tokens, |word| word.chars().any(is_hangul));
                let roles = words::korean_roles(&tokens, &stems);
                (tokens, stems, roles)
            })
            .collect();
        // Korean marks a list's case on its last item only: "제본, 포장, 목공, 신발 제조 라인에
        // 적용" names four uses, "볼밸브, 게이트밸브를 생산" two products.
        for index in (0..parsed.len().saturating_sub(1)).rev() {
            let next_role = parsed[index + 1].2.first().copied();
            let (tokens, stems, roles) = &mut parsed[index];
            if let Some(next_role) = next_role.filter(|_| words::is_bare_group(tokens, stems)) {
                roles.iter_mut().for_each(|role| *role = next_role);
            }
        }
        for (tokens, stems, roles) in parsed {
            let mut latin: Vec<&str> = Vec::new();
            let mut previous: Option<String> = None;
            let applied = applications(&tokens, &stems);
            for (((word, stem), role), in_application) in
                tokens.into_iter().zip(stems).zip(roles).zip(applied)
            {
                if let Some(stem) = stem.filter(|_| word.chars().all(is_hangul)) {
                    // Korean spaces compounds freely: "체결 부품" is "체결부품".
                    if let Some(before) = previous.take() {
                        let joined = format!("{before}{stem}");
                        if self.korean_words.contains(&joined) {
                            put(format!("k:{joined}"), &format!("{before} {stem}"), role);
                        }
                    }
                    let weight = if in_application { 0.5 } else { 1.0 };
                    self.korean_profile_word(&stem, weight * role, &mut put);
                    previous = Some(stem);
                } else {
                    previous = None;
                    if word.is_ascii() {
                        latin.push(word);
                    }
                }
            }
            // Words after "for" name an application ("paints for body shops").
            let application = latin
                .iter()
                .position(|w| *w == "for")
                .unwrap_or(latin.len());
            for (part, share) in [(&latin[..application], 1.0), (&latin[application..], 0.5)] {
                let mut english = Vec::new();
                english_features(part, &mut english, &mut |_| {});
                for (key, written) in english {
                    let weight = if key.contains(' ') { 0.5 } else { 1.0 };
                    put(key, &written, weight * share);
                }
            }
        }
    }

    /// A Korean word of a profile: itself when the nomenclature knows it, else its two known
    /// parts, else the English word it was borrowed from.
    fn korean_profile_word(
        &self,
        stem: &str,
        weight: f64,
        put: &mut impl FnMut(String, &str, f64),
    ) {
        let known = self.korean_words.contains(stem);
        let key = format!("k:{stem}");
        // A word that reads as a loanword is a noun, whatever its last syllable (컴프레서).
        let borrowed_whole = !known && !self.borrowed(stem).is_empty();
        if words::is_boilerplate(&key)
            || (!borrowed_whole && words::is_korean_function(stem, known))
        {
            return;
        }
        // One syllable is as ambiguous in Korean as in Vietnamese (배: pear, ship, belly).
        put(
            key,
            stem,
            weight * if stem.chars().count() == 1 { 0.5 } else { 1.0 },
        );
        let syllables: Vec<char> = stem.chars().collect();
        // A word the nomenclature does not use, read through the dictionary (도료: paint).
        if let Some(translations) = self.dictionary.get(stem).filter(|_| !known) {
            put_translations(translations, weight, &mut |key, weight| {
                put(key, stem, weight)
            });
            return;
        }
        if known {
            // A word the Korean nomenclature knows may still be a loanword its English names
            // say better (모터: the nomenclature's motors are 전동기).
            for (english, borrowed) in self.borrowed(stem) {
                put(format!("e:{english}"), stem, 0.6 * borrowed * weight);
            }
            // A compound's head noun still says something of it where the nomenclature names
            // the head alone (순간접착제: 접착제).
            if let Some(head) = (1..syllables.len().saturating_sub(1))
                .map(|start| syllables[start..].iter().collect::<String>())
                .find(|head| self.korean_words.contains(head))
            {
                put(format!("k:{head}"), stem, SYLLABLE_OF_WORD * weight);
            }
            return;
        }
        let mut split = false;
        for cut in (2..syllables.len().saturating_sub(1)).rev() {
            let (head, tail): (String, String) = (
                syllables[..cut].iter().collect(),
                syllables[cut..].iter().collect(),
            );
            if self.korean_words.contains(&head) && self.korean_words.contains(&tail) {
                put(format!("k:{head}"), stem, 0.7 * weight);
                put(format!("k:{tail}"), stem, 0.8 * weight);
                split = true;
                break;
            }
        }
        if split {
            return;
        }
        // A Korean compound's head noun comes last: 포기김치 is a 김치, whatever 포기 is (of two
        // syllables at least on each side: 냉동기 is 냉동 + 기, not 냉 + 동기).
        if let Some(head) = (2..syllables.len().saturating_sub(1))
            .map(|start| syllables[start..].iter().collect::<String>())
            .find(|head| self.korean_words.contains(head))
            .filter(|head| self.borrowed(&stem[..stem.len() - head.len()]).is_empty())
        {
            put(format!("k:{head}"), stem, 0.8 * weight);
            return;
        }
        // A loanword, whole or before a Korean word or one syllable (마사지기: massage + 기,
        // machine).
        for cut in (2..=syllables.len()).rev() {
            let head: String = syllables[..cut].iter().collect();
            let tail: String = syllables[cut..].iter().collect();
            if cut < syllables.len()
                && tail.chars().count() > 1
                && !self.korean_words.contains(&tail)
            {
                continue;
            }
            let borrowed = self.borrowed(&head);
            if !borrowed.is_empty() {
                for (english, share) in borrowed {
                    put(format!("e:{english}"), stem, share * weight);
                }
                if !tail.is_empty() {
                    put(format!("k:{tail}"), stem, 0.5 * weight);
                }
                return;
            }
        }
    }

    /// The English translations of a text's Korean words the dictionary has (a compound's
    /// by its head noun: 포기김치, kimchi), for the participant's searchable text: a buyer who
    /// writes "fishcake" or "kimchi" then shares a word with the firm that wrote 어묵 or 김치.
    ///
    /// Each translation comes with the word it translates, without particles ("포기김치와"
    /// gives ("포기김치", "kimchi")).
    pub fn translations(&self, text: &str) -> Vec<(String, String)> {
        let known = |w: &str| self.korean_words.contains(w);
        let mut out: Vec<(String, String)> = Vec::new();
        // Words that say nothing of a product (boilerplate, or words of too many headings:
        // 공급 supply, 설비 equipment) give no translation: they would make every pair share a
        // word.
        let says_little = |key: &str| {
            words::is_boilerplate(key)
                || words::is_qualifier(key)
                || self
                    .postings
                    .get(key)
                    .is_some_and(|postings| postings.len() > MOST_HEADINGS)
        };
        let mut add = |written: &str, translations: &Vec<Vec<String>>| {
            for translation in translations {
                let joined = translation.join(" ");
                if !out.iter().any(|(_, english)| *english == joined) {
                    out.push((written.to_string(), joined));
                }
            }
        };
        if has_vietnamese(text) {
            for phrase in words::phrases(text) {
                let written = words::words(&phrase);
                let spelled: Vec<String> = written
                    .iter()
                    .map(|t| words::vietnamese_spelling(t))
                    .collect();
                for n in [2, 3] {
                    for (start, gram) in spelled.windows(n).enumerate() {
                        let gram = gram.join(" ");
                        if says_little(&format!("v:{gram}")) {
                            continue;
                        }
                        if let Some(translations) = self.dictionary_vi.get(&gram) {
                            add(&written[start..start + n].join(" "), translations);
                        }
                    }
                }
            }
            return out;
        }
        for phrase in words::phrases(text) {
            for word in words::words(&phrase) {
                if !word.chars().all(is_hangul) {
                    continue;
                }
                let stem = words::korean_stem(word, &known);
                let syllables: Vec<char> = stem.chars().collect();
                // The word, else its head noun after two syllables at least (가습기 is no 습기).
                let starts = std::iter::once(0).chain(2..syllables.len().saturating_sub(1));
                let found = starts.into_iter().find_map(|start| {
                    let part: String = syllables[start..].iter().collect();
                    let generic = says_little(&format!("k:{part}"))
                        || words::is_korean_function(&part, known(&part));
                    self.dictionary.get(&part).filter(|_| !generic)
                });
                if let Some(translations) = found {
                    add(&stem, translations);
                }
            }
        }
        out
    }

    /// The English stems a Hangul word may have been borrowed from (each weighted by how many
    /// there are).
    fn borrowed(&self, hangul: &str) -> Vec<(String, f64)> {
        let Some(key) = loanwords::hangul_key(hangul) else {
            return Vec::new();
        };
        let (consonants, vowel) = key.split_at(key.len() - 1);
        let vowel = vowel.chars().next().unwrap_or('-');
        let matches: Vec<&String> = self
            .loanwords
            .get(consonants)
            .into_iter()
            .flatten()
            .filter(|(v, _)| loanwords::vowels_agree(vowel, *v))
            .map(|(_, stem)| stem)
            .collect();
        if matches.is_empty() || matches.len() > 3 {
            return Vec::new();
        }
        let weight = 0.8 / matches.len() as f64;
        matches
            .into_iter()
            .map(|stem| (stem.clone(), weight))
            .collect()
    }

    /// A Vietnamese phrase: the longest words the nomenclature (or the boilerplate list) knows,
    /// left to right; a syllable left alone counts little, and a Latin word that is no
    /// Vietnamese syllable ("inox", "LED") is read as English.
    fn vietnamese_profile(&self, written: &[&str], put: &mut impl FnMut(String, &str, f64)) {
        let spelled: Vec<String> = written
            .iter()
            .map(|t| words::vietnamese_spelling(t))
            .collect();
        let tokens: Vec<&str> = spelled.iter().map(String::as_str).collect();
        let mut position = 0;
        // Words after "cho", "để", "dùng" or "phục vụ" name an application ("sơn cho tàu
        // biển", "phân bón phục vụ cây cà phê").
        let application = (0..tokens.len())
            .find(|&at| {
                matches!(tokens[at], "cho" | "để" | "dùng")
                    || (tokens[at] == "phục" && tokens.get(at + 1) == Some(&"vụ"))
            })
            .unwrap_or(tokens.len());
        let mut put = |key: String, written: &str, weight: f64, at: usize| {
            put(
                key,
                written,
                if at > application {
                    0.5 * weight
                } else {
                    weight
                },
            )
        };
        while position < tokens.len() {
            let mut taken = 1;
            for n in [3, 2] {
                if position + n <= tokens.len() {
                    let gram = tokens[position..position + n].join(" ");
                    if self.vietnamese_words.contains(&gram)
                        || words::is_boilerplate(&format!("v:{gram}"))
                    {
                        let as_written = written[position..position + n].join(" ");
                        put(format!("v:{gram}"), &as_written, 1.0, position);
                        // A word's syllables still say something of it where the nomenclature
                        // writes them apart ("ống đồng": "ống ... bằng đồng"), in its name (so
                        // a qualifier's syllables qualify: "công nghiệp").
                        if !words::is_boilerplate(&format!("v:{gram}")) {
                            for syllable in tokens[position..position + n]
                                .iter()
                                .filter(|s| !words::is_vietnamese_function(s))
                            {
                                put(
                                    format!("v:{syllable}"),
                                    &as_written,
                                    SYLLABLE_OF_WORD,
                                    position,
                                );
                            }
                        }
                        taken = n;
                        break;
                    }
                    // A word the nomenclature does not use, read through the dictionary
                    // (tương ớt: hot sauce).
                    if let Some(translations) = self.dictionary_vi.get(&gram) {
                        let as_written = written[position..position + n].join(" ");
                        put_translations(translations, 1.0, &mut |key, weight| {
                            put(key, &as_written, weight, position)
                        });
                        taken = n;
                        break;
                    }
                }
            }
            if taken == 1 {
                let syllable = tokens[position];
                let as_written = written[position];
                let key = format!("v:{syllable}");
                if words::is_vietnamese_function(syllable) {
                } else if self.postings.contains_key(&key) || has_vietnamese(syllable) {
                    // Many Vietnamese product nouns are one syllable (ghế, nhôm, sơn, lốp); the
                    // syllables of longer words were taken with them above.
                    put(key, as_written, 0.7, position);
                } else if as_written.is_ascii() {
                    for stem in words::english_stems(as_written) {
                        put(format!("e:{stem}"), as_written, 1.0, position);
                    }
                }
            }
            position += taken;
        }
    }

    /// [`Bridge::infer_in_context`] of texts without their writers' trades.
    #[cfg(test)]
    pub fn infer(&self, texts: &[String]) -> Vec<Vec<Inference>> {
        let texts: Vec<(&str, &str)> = texts.iter().map(|text| (text.as_str(), "")).collect();
        self.infer_in_context(&texts)
    }

    /// The headings each text points to, best first; none where the evidence is thin. Words
    /// that many of the texts share (boilerplate the list does not name) count less: a word in
    /// more than a fifth of them (and at least four) is discounted by how far it is over.
    ///
    /// Each sentence of a text is read on its own and their readings are merged: a firm that
    /// makes medical devices in one sentence and soap in the next makes both, and the soap must
    /// not drown in the devices' evidence (see [`merge_sentences`]).
    ///
    /// Beside each text stands its writer's own trade (a buyer's sector: "Water supply EPC",
    /// "Spice packing"), whose sentences count [`OWN_TRADE`]: a buyer names what it buys in its
    /// interests, and its own trade is what it does with it.
    pub fn infer_in_context(&self, texts: &[(&str, &str)]) -> Vec<Vec<Inference>> {
        let features: Vec<Vec<Sentence>> = texts
            .iter()
            .map(|&(text, context)| {
                let mut sentences = Vec::new();
                for (part, own_trade) in [(context, true), (text, false)] {
                    for sentence in words::sentences(part) {
                        sentences.push((sentence, self.profile_features(sentence), own_trade));
                    }
                }
                sentences
            })
            .collect();
        let mut spread: HashMap<&str, usize> = HashMap::new();
        for sentences in &features {
            let keys: HashSet<&str> = sentences
                .iter()
                .flat_map(|(_, found, _)| found.keys().map(String::as_str))
                .collect();
            for key in keys {
                *spread.entry(key).or_default() += 1;
            }
        }
        let common = (texts.len() as f64 * 0.2).max(4.0);
        let discount = |key: &str| {
            let count = spread.get(key).copied().unwrap_or(0) as f64;
            if count > common {
                common / count
            } else {
                1.0
            }
        };
        features
            .iter()
            .map(|sentences| {
                // A text whose every sentence reads as company context ("We export ball
                // bearings.") still names its products: its sentences count fully.
                let weights: Vec<f64> = sentences
                    .iter()
                    .map(|(sentence, _, context)| {
                        let weight = words::sentence_weight(sentence);
                        if *context {
                            weight.min(OWN_TRADE)
                        } else {
                            weight
                        }
                    })
                    .collect();
                let all_context = weights.iter().all(|&weight| weight < 1.0);
                merge_sentences(
                    sentences
                        .iter()
                        .zip(weights)
                        .map(|((sentence, found, _), weight)| {
                            let weight = if all_context { 1.0 } else { weight };
                            self.rank(sentence, found, |key| weight * discount(key))
                        })
                        .collect(),
                )
            })
            .collect()
    }

    fn rank(
        &self,
        text: &str,
        profile: &HashMap<String, Found>,
        discount: impl Fn(&str) -> f64,
    ) -> Vec<(Inference, f64)> {
        let total = self.headings.len() as f64;
        let mut scores: HashMap<u32, Evidence> = HashMap::new();
        let mut named: HashMap<(u32, char), u32> = HashMap::new();
        // In the order of the keys, so that evidence adds up the same way on every run (a
        // HashMap's order changes from run to run, and with it the last bits of a sum).
        let mut features: Vec<(&String, &Found)> = profile.iter().collect();
        features.sort_by(|a, b| a.0.cmp(b.0));
        for (key, found) in features {
            if words::is_boilerplate(key) {
                continue;
            }
            let Some(postings) = self.postings.get(key) else {
                continue;
            };
            let syllable = key.starts_with("k:") && key.chars().count() == 3;
            let most = if syllable {
                MOST_HEADINGS_SYLLABLE
            } else {
                MOST_HEADINGS
            };
            if postings.len() > most {
                continue;
            }
            let qualifier = words::is_qualifier(key)
                || found
                    .written
                    .iter()
                    .all(|word| words::is_qualifier_word(word));
            // A word counts most for the headings whose own name holds it, and a heading whose
            // lines merely mention it gets a sharpened share: 전동기 (motor) is in 8501's name and
            // in fifty machines' lines ("with a motor"), which thus count as a few headings, not
            // fifty, when the word's rarity is weighed.
            let strongest = postings.iter().map(|p| p.1).fold(0.0f32, f32::max);
            let relative =
                |strength: f32| (f64::from(strength) / f64::from(strongest)).powi(SHARPNESS);
            let spread: f64 = postings.iter().map(|p| relative(p.1)).sum();
            let weight =
                (total / spread).ln() * f64::from(strongest) * found.weight * discount(key);
            let language = key.chars().next().unwrap_or('e');
            for &(heading, strength, lines) in postings {
                if strength >= 1.0 && !key.contains(' ') && found.weight >= 1.0 {
                    *named.entry((heading, language)).or_default() += 1;
                }
                // A heading many of whose lines use the word is about it (7318's many lines of
                // bolts and nuts, against the lubricants' one line "for bolts and nuts").
                let contribution = weight
                    * relative(strength)
                    * (1.0 + LINES_GROWTH * f64::from(lines.max(1)).ln());
                let entry = scores.entry(heading).or_default();
                entry.0 += contribution;
                entry.2 |= !qualifier;
                for written in &found.written {
                    entry.1.push((contribution, written.as_str()));
                }
            }
        }
        // Of headings the words support alike, the one whose own name the text covers most is
        // meant: "women's or girls' overcoats, capes, cloaks" is 6102's name, and 6202 shares
        // all but one of its words.
        // In key order, like the evidence above: products taken in another order differ in
        // their last bits.
        let mut named: Vec<((u32, char), u32)> = named.into_iter().collect();
        named.sort_unstable();
        for ((heading, language), count) in named {
            let size = self
                .name_sizes
                .get(&(heading, language))
                .copied()
                .unwrap_or(1)
                .max(1);
            if let Some(entry) = scores.get_mut(&heading) {
                entry.0 *= 1.0 + NAME_COVERAGE * f64::from(count) / f64::from(size);
            }
        }
        // A heading only qualifiers point to ("industrial", "công nghiệp") is no reading.
        let mut ranked: Vec<(u32, Evidence)> = scores
            .into_iter()
            .filter(|(_, evidence)| evidence.2)
            .collect();
        ranked.sort_by(|a, b| b.1 .0.total_cmp(&a.1 .0).then(a.0.cmp(&b.0)));
        let best = ranked.first().map_or(0.0, |r| r.1 .0);
        if best < LEAST_EVIDENCE {
            return Vec::new();
        }
        ranked
            .into_iter()
            .take(MOST_INFERRED)
            .filter(|(_, (score, ..))| *score >= LEAST_SHARE * best)
            .map(|(heading, (score, mut evidence, _))| {
                evidence.sort_by(|a, b| b.0.total_cmp(&a.0));
                let mut words: Vec<String> = Vec::new();
                for (_, word) in evidence {
                    if !words.iter().any(|w| w == word) && words.len() < MOST_WORDS {
                        words.push(word.to_string());
                    }
                }
                let words = join_neighbours(words, text);
                let inference = Inference {
                    heading: self.headings[heading as usize].clone(),
                    confidence: 1.0 - (-score / CONFIDENCE_SCALE).exp(),
                    share: (score / best).powi(SHARE_POWER),
                    words,
                };
                (inference, score)
            })
            .collect()
    }
}

/// A dictionary word's English translations as features, each `TRANSLATED` times `weight`
/// divided by the square root of their number (four translations weigh twice one, not four
/// times).
fn put_translations(translations: &[Vec<String>], weight: f64, put: &mut dyn FnMut(String, f64)) {
    let each = TRANSLATED * weight / (translations.len() as f64).sqrt();
    for words in translations {
        let tokens: Vec<&str> = words.iter().map(String::as_str).collect();
        let mut english = Vec::new();
        english_features(&tokens, &mut english, &mut |_| {});
        for (key, _) in english {
            put(key, each);
        }
    }
}

/// Which words of a Korean phrase name an application, not the product: "X용" is "for X", and
/// so are the words of X's noun group before it ("에어컨 및 냉동기 배관용 동관": copper tubes
/// for the piping of air conditioners and refrigerators).
fn applications(tokens: &[&str], stems: &[Option<String>]) -> Vec<bool> {
    let mut out = vec![false; tokens.len()];
    let mut group_start = 0;
    for (index, (word, stem)) in tokens.iter().zip(stems).enumerate() {
        let Some(stem) = stem else {
            continue;
        };
        let particle = word.strip_prefix(stem.as_str()).unwrap_or("");
        if particle.contains('용') {
            out[group_start..=index].iter_mut().for_each(|a| *a = true);
            group_start = index + 1;
        } else if !(particle.is_empty() || matches!(particle, "와" | "과") || *word == "및") {
            group_start = index + 1;
        }
    }
    out
}

/// One text's headings from its sentences' readings (each best first, with its evidence): a
/// sentence whose best evidence is at least `SENTENCE_SHARE` of the text's best counts fully,
/// a weaker one in proportion, so a second product named in its own sentence is a reading of
/// its own rather than a runner-up of the first; a heading read in several sentences keeps its
/// strongest reading, grown by `REPEATED` times each further reading's share, and the shares are
/// then rescaled so the best is 1. With one sentence this is that sentence's reading.
fn merge_sentences(readings: Vec<Vec<(Inference, f64)>>) -> Vec<Inference> {
    let best = readings
        .iter()
        .filter_map(|reading| reading.first().map(|(_, score)| *score))
        .fold(0.0, f64::max);
    let mut merged: Vec<Inference> = Vec::new();
    let mut repeated: Vec<f64> = Vec::new();
    for reading in readings {
        let Some(&(_, sentence_best)) = reading.first() else {
            continue;
        };
        let weight = (sentence_best / (SENTENCE_SHARE * best)).min(1.0);
        for (mut inference, _) in reading {
            inference.share *= weight;
            match merged
                .iter_mut()
                .position(|m| m.heading == inference.heading)
            {
                Some(at) => {
                    let kept = &mut merged[at];
                    repeated[at] += inference.share.min(kept.share);
                    if inference.share > kept.share {
                        std::mem::swap(kept, &mut inference);
                    }
                    kept.confidence = kept.confidence.max(inference.confidence);
                    for word in inference.words {
                        if kept.words.len() < MOST_WORDS && !kept.words.contains(&word) {
                            kept.words.push(word);
                        }
                    }
                }
                None => {
                    merged.push(inference);
                    repeated.push(0.0);
                }
            }
        }
    }
    for (inference, more) in merged.iter_mut().zip(&repeated) {
        inference.share += REPEATED * more;
    }
    let top = merged.iter().map(|m| m.share).fold(0.0, f64::max);
    if top > 0.0 {
        merged.iter_mut().for_each(|m| m.share /= top);
    }
    merged.retain(|inference| inference.share >= LEAST_SHARE.powi(SHARE_POWER));
    merged.sort_by(|a, b| {
        b.share
            .total_cmp(&a.share)
            .then(b.confidence.total_cmp(&a.confidence))
            .then(a.heading.cmp(&b.heading))
    });
    merged.truncate(MOST_INFERRED);
    merged
}

/// A sentence of a profile, its features, and whether it tells the writer's own trade (see
/// [`Bridge::infer_in_context`]).
type Sentence<'t> = (&'t str, HashMap<String, Found>, bool);

/// A heading's evidence in one text: its total, each contribution with the word that made it,
/// and whether a word other than a qualifier gave any.
type Evidence<'a> = (f64, Vec<(f64, &'a str)>, bool);

#[derive(Clone, Copy)]
enum Language {
    English,
    Korean,
    Vietnamese,
}

/// English stems of a phrase's words, and each neighbouring pair ("ball valv").
///
/// `pushed` is told, for each feature put into `out`, the position of its (last) token.
fn english_features(
    tokens: &[&str],
    out: &mut Vec<(String, String)>,
    pushed: &mut dyn FnMut(usize),
) {
    let mut previous: Option<(String, &str)> = None;
    for (index, &word) in tokens.iter().enumerate() {
        let stems = words::english_stems(word);
        let Some(stem) = stems.into_iter().next() else {
            previous = None;
            continue;
        };
        if let Some((before, written)) = previous.take() {
            out.push((format!("e:{before} {stem}"), format!("{written} {word}")));
            pushed(index);
        }
        out.push((format!("e:{stem}"), word.to_string()));
        pushed(index);
        previous = Some((stem, word));
    }
}

/// The words as a person reads them: pieces that stand next to each other in the text become one
/// ("máy bay không" and "người lái" are "máy bay không người lái").
fn join_neighbours(mut words: Vec<String>, text: &str) -> Vec<String> {
    let text = words::phrases(text).join(", ");
    let mut joined = true;
    while joined {
        joined = false;
        'pairs: for first in 0..words.len() {
            for second in 0..words.len() {
                let together = format!("{} {}", words[first], words[second]);
                if first != second && text.contains(&together) {
                    words[first] = together;
                    words.remove(second);
                    joined = true;
                    break 'pairs;
                }
            }
        }
    }
    words
}

/// Lower-case ASCII words of at least three letters.
fn ascii_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|word| word.len() >= 3)
        .map(str::to_ascii_lowercase)
        .collect()
}

/// The rows of a segments file: heading, depth, text.
fn segments(table: &'static str) -> Result<Vec<(&'static str, usize, &'static str)>> {
    table
        .lines()
        .skip(1)
        .map(|line| {
            let mut cells = line.splitn(3, '\t');
            match (
                cells.next(),
                cells.next().and_then(|d| d.parse().ok()),
                cells.next(),
            ) {
                (Some(heading), Some(depth), Some(text)) => Ok((heading, depth, text)),
                _ => Err(Error::Index(format!(
                    "a bundled segments line is malformed: {line}"
                ))),
            }
        })
        .collect()
}

/// Korean words and their English translations (`korean<TAB>english;english...`), each
/// translation as its words.
fn dictionary(table: &str) -> HashMap<String, Vec<Vec<String>>> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once('\t'))
        .map(|(korean, english)| {
            let translations = english
                .split(';')
                .map(|t| t.split_whitespace().map(str::to_string).collect())
                .collect();
            (korean.to_string(), translations)
        })
        .collect()
}

/// The trade-word rows: language, heading, `;`-separated phrases.
fn trade_words() -> Result<Vec<(Language, String, String)>> {
    let table = crate::io::parse_table("trade-words.csv", TRADE_WORDS.as_bytes())
        .map_err(Error::Invalid)?;
    let column = |name: &str| table.header.iter().position(|h| h == name);
    let (Some(language), Some(words), Some(heading)) =
        (column("language"), column("words"), column("heading"))
    else {
        return Ok(Vec::new());
    };
    Ok(table
        .rows
        .iter()
        .filter_map(|row| {
            let language = match row.cells[language].as_str() {
                "ko" => Language::Korean,
                "vi" => Language::Vietnamese,
                "en" => Language::English,
                _ => return None,
            };
            Some((
                language,
                row.cells[heading].clone(),
                row.cells[words].clone(),
            ))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each text and a heading it must point to (None: the evidence is too thin, no heading).
    #[test]
    fn texts_point_to_their_headings() {
        let bridge = Bridge::bundled().expect("bridge");
        let cases: &[(&str, Option<&str>)] = &[
            (
                "볼트, 너트, 나사 등 체결 부품 분야에서 20년 경력의 제조사입니다.",
                Some("7318"),
            ),
            (
                "Distributor of bolts, nuts and fasteners in India.",
                Some("7318"),
            ),
            ("Nhà phân phối bu lông, đai ốc tại Việt Nam", Some("7318")),
            ("산업용 전기모터 전문 기업입니다.", Some("8501")),
            (
                "20년 경력의 제조사입니다. 당사의 주력 제품은 품질이 우수합니다.",
                None,
            ),
            ("Công ty nhập khẩu hàng hóa chất lượng cao", None),
            // Qualifiers alone name no trade.
            ("Chúng tôi nhập khẩu thiết bị công nghiệp.", None),
            ("We import industrial equipment and smart systems.", None),
            // Nor does a reading of one as a loanword (전통, tradition, read as "joint").
            ("전통 방식의 제품을 생산합니다.", None),
            // A qualifier beside a product word is part of the product.
            ("We import electric motors.", Some("8501")),
            // A profile all of whose sentences read as company context still names its trade.
            ("We export ball bearings.", Some("8482")),
            // Either spelling of a Vietnamese word.
            ("Nhà phân phối ắc quy cho xe máy.", Some("8507")),
            ("Nhà phân phối ắc qui cho xe máy.", Some("8507")),
            // The heading whose own name starts with the word, before one that lists it later
            // (3401: soap, ..., paper, wadding, felt and nonwovens impregnated with soap).
            ("부직포를 생산합니다.", Some("5603")),
            // A compound by its head noun (포기김치 is a 김치); 깍두기 is no loanword.
            ("포기김치와 깍두기를 생산합니다.", Some("2005")),
            // A word the nomenclature does not use, through the dictionary.
            ("Công ty nhập khẩu tương ớt", Some("2103")),
        ];
        let texts: Vec<String> = cases.iter().map(|(text, _)| text.to_string()).collect();
        let inferred = bridge.infer(&texts);
        for ((text, expected), got) in cases.iter().zip(&inferred) {
            match expected {
                Some(heading) => assert!(
                    got.iter().any(|i| i.heading == *heading && i.share >= 0.6),
                    "{text}: {got:?}"
                ),
                None => assert!(got.is_empty(), "{text}: {got:?}"),
            }
        }
    }

    /// A text naming two products in two sentences reads as both: the second is not a runner-up
    /// drowned by the first's evidence. A sentence about customers counts less than one about
    /// products.
    #[test]
    fn each_sentence_names_its_own_product() {
        let bridge = Bridge::bundled().expect("bridge");
        let cases: &[(&str, &[&str])] = &[
            (
                "당사는 산업용 원심 펌프를 생산합니다. 주방용 칼과 가위도 제조합니다.",
                &["8413", "8213"],
            ),
            (
                "We import ball bearings. We also distribute car tyres.",
                &["8482", "4011"],
            ),
        ];
        let texts: Vec<String> = cases.iter().map(|(text, _)| text.to_string()).collect();
        for ((text, headings), got) in cases.iter().zip(bridge.infer(&texts)) {
            for heading in *headings {
                assert!(
                    got.iter().any(|i| i.heading == *heading && i.share >= 0.6),
                    "{text}: {heading} in {got:?}"
                );
            }
        }
        assert_eq!(
            words::sentence_weight("UL 인증 획득, 자동차 배선 업체 납품."),
            0.35
        );
        assert_eq!(words::sentence_weight("케이블타이를 생산합니다."), 1.0);
    }

    /// Korean marks a list's case on its last item: each text, the words that name a use (the
    /// list before a locative) and those that name the product.
    #[test]
    fn a_lists_items_take_the_case_of_its_last() {
        let bridge = Bridge::bundled().expect("bridge");
        let cases: &[(&str, &[&str], &[&str])] = &[
            (
                "제본, 포장, 목공, 신발 제조 라인에 적용되는 접착제를 생산합니다",
                &["포장", "목공", "신발"],
                &["접착제"],
            ),
            (
                "볼밸브, 버터플라이밸브, 게이트밸브를 생산하며 조선소에 납품합니다",
                &["조선소"],
                &["볼밸브", "게이트밸브"],
            ),
        ];
        for &(text, uses, products) in cases {
            let found = bridge.profile_features(text);
            let weight = |word: &str| found.get(&format!("k:{word}")).map(|f| f.weight);
            for word in uses {
                assert!(weight(word).is_some_and(|w| w < 0.5), "{text}: {word}");
            }
            for word in products {
                assert!(weight(word).is_some_and(|w| w >= 1.0), "{text}: {word}");
            }
        }
    }
}
