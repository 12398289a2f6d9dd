//! Matching: for every firm its best buyers and for every buyer its best firms, each pair with a
//! relevance in [0, 1], the reasons behind it, and its expected deal value.
//!
//! Relevance combines three signals, each readable in the reasons:
//! - text: BM25 of the firm's profile against the buyer's (and back), divided by the profile's
//!   score against itself, so that it is comparable across firms (raw BM25 is not);
//! - HS: for given codes, the closest shared level (subheading 1.0, heading 0.85, chapter
//!   0.35); a participant without codes gets the headings its words point to through
//!   [`crate::bridge`], and two profiles of which one is inferred agree by the cosine of their
//!   heading (0.85) and chapter (0.35) evidence, times 80% and their confidence;
//! - requests: a `request`, `want` or `must` row adds 0.25.
//!
//! `relevance = min(1, 0.55 * hs + 0.45 * text + 0.25 * request)`, and for a pair nobody asked
//! for, times `sqrt(relevance / the buyer's best pair's relevance)`: a pair far below its buyer's
//! best is most likely a second reading of the buyer's words, not its trade
//! (`score::Ranker`, its weights `[model] rank_hs`, `rank_text`, `rank_request`,
//! `rank_exclusivity`).

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

pub use crate::model::Candidate;

/// An HS code a participant trades in, given or inferred from its text.
#[derive(Debug, Clone)]
struct Code {
    digits: String,
    inferred: bool,
    /// How sure the inference is, in (0, 1]; 1 for a given code.
    confidence: f64,
    /// The inferred heading's evidence as a share of the profile's best one's; 1 for a given
    /// code.
    share: f64,
    /// For an inferred code, the participant's words (as written) that led to it.
    words: Vec<String>,
}

/// What the matcher knows of one participant.
struct Profile {
    /// The participant's own words (sector, products or interests, keywords).
    own: String,
    /// What its words name (products or interests, keywords; a firm's sector too) and its own
    /// trade (a buyer's sector), apart, for the bridge.
    named: (String, String),
    /// The participant's own words and their glossary English: what it searches with.
    query_text: String,
    /// Everything searchable: the query text plus HS descriptions of its codes.
    search_text: String,
    /// Analysed terms of the participant's own words (for "matched terms").
    own_terms: BTreeSet<String>,
    /// The dictionary's English for the participant's Korean or Vietnamese words: (the word
    /// as written, its translation).
    translated: Vec<(String, String)>,
    codes: Vec<Code>,
}

/// Each analysed term of a profile's searchable words and the words it stands for in a reason:
/// as the participant wrote them, and a term only a translation gave as the word it translates
/// with its translation ("도료 (paint)").
fn written_terms(profile: &Profile) -> HashMap<String, String> {
    let mut words = crate::index::term_words(&profile.query_text);
    let own = crate::index::term_words(&profile.own);
    for (written, english) in &profile.translated {
        for term in crate::index::term_words(english).into_keys() {
            if !own.contains_key(&term) {
                words.insert(term, format!("{written} ({english})"));
            }
        }
    }
    words
}

fn profile_text(sector: &str, text: &str, keywords: &[String]) -> String {
    format!("{sector}. {text}. {}", keywords.join(". "))
}

fn build_profile(
    own: String,
    given_codes: &[crate::model::HsCode],
    hs: &HsTable,
    glossary: &Glossary,
    bridge: Option<&crate::bridge::Bridge>,
    with_codes: bool,
) -> Profile {
    let mut english = glossary.english_for(&own).join(". ");
    let mut translated = Vec::new();
    if let Some(bridge) = bridge {
        translated = bridge.translations(&own);
        for (_, translation) in &translated {
            english.push_str(". ");
            english.push_str(translation);
        }
    }
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
                confidence: 1.0,
                share: 1.0,
                words: Vec::new(),
            });
        }
    }
    let own_terms = crate::index::analyse(&query_text).into_iter().collect();
    Profile {
        named: (own.clone(), String::new()),
        own,
        query_text,
        search_text,
        own_terms,
        translated,
        codes,
    }
}

/// The closest pair of codes of two participants, weighed by how sure each side's code is: its
/// level (3 subheading, 2 heading, 1 chapter), HS score, the pair, and the prefix they share.
/// A level reached through given codes beats the same level reached through inferred ones.
fn closest_codes<'a, 'b>(
    a: &'a [Code],
    b: &'b [Code],
) -> Option<(u8, f64, &'a Code, &'b Code, &'a str)> {
    let mut best: Option<(u8, f64, &Code, &Code, &str)> = None;
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
            let score = hs_score(level, x, y);
            if best.is_none_or(|(_, best_score, ..)| score > best_score) {
                let prefix = match level {
                    3 => &x.digits[..6],
                    2 => &x.digits[..4],
                    _ => &x.digits[..2],
                };
                best = Some((level, score, x, y, prefix));
            }
        }
    }
    best
}

/// The HS part of relevance for two codes sharing `level`: subheading 1.0, heading 0.85,
/// chapter 0.35; through an inferred code 80% of that, times the geometric mean of the two
/// codes' confidence and share. It ranks the pairs of codes (which pair the reason names); for
/// inferred profiles the relevance itself is `inferred_similarity`.
fn hs_score(level: u8, x: &Code, y: &Code) -> f64 {
    let score = match level {
        3 => 1.0,
        2 => 0.85,
        1 => 0.35,
        _ => 0.0,
    };
    if x.inferred || y.inferred {
        score * 0.8 * (x.confidence * x.share * y.confidence * y.share).sqrt()
    } else {
        score
    }
}

/// Infers headings for each profile without codes, through the bridge of the three
/// nomenclatures ([`crate::bridge`]): the headings its words point to, each with its confidence
/// and the words that say so; none when the evidence is thin. Without the bridge only English
/// text is read. Each inferred heading's English description joins the profile's searchable
/// text, so a Korean firm and an English buyer of the same product also share words.
fn infer_headings(profiles: &mut [Profile], hs: &HsTable, bridge: bool) -> Result<()> {
    let readable = |profile: &Profile| {
        bridge
            || !(profile.own.chars().any(crate::bridge::is_hangul)
                || crate::bridge::has_vietnamese(&profile.own))
    };
    let open: Vec<usize> = (0..profiles.len())
        .filter(|&index| profiles[index].codes.is_empty() && readable(&profiles[index]))
        .collect();
    let texts: Vec<(&str, &str)> = open
        .iter()
        .map(|&index| {
            let (named, trade) = &profiles[index].named;
            (named.as_str(), trade.as_str())
        })
        .collect();
    let inferred = crate::bridge::Bridge::bundled()?.infer_in_context(&texts);
    for (index, inferences) in open.into_iter().zip(inferred) {
        let profile = &mut profiles[index];
        for inference in inferences {
            // Only the readings people are shown join the searchable text: a weak reading's
            // description would give two profiles words in common that neither wrote.
            if let Some(entry) = hs
                .get(&inference.heading)
                .filter(|_| inference.share >= SHOWN_SHARE)
            {
                profile.search_text.push_str(". ");
                profile.search_text.push_str(&entry.description);
            }
            profile.codes.push(Code {
                digits: inference.heading,
                inferred: true,
                confidence: inference.confidence,
                share: inference.share,
                words: inference.words,
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
    let bridge = if options.bridge {
        Some(crate::bridge::Bridge::bundled()?)
    } else {
        None
    };
    let text_of_firm = |firm: &Firm| profile_text(&firm.sector, &firm.products, &firm.keywords);
    let text_of_buyer =
        |buyer: &Buyer| profile_text(&buyer.sector, &buyer.interests, &buyer.keywords);
    let mut firm_profiles: Vec<Profile> = mission
        .firms
        .iter()
        .map(|firm| {
            build_profile(
                text_of_firm(firm),
                &firm.hs_codes,
                hs,
                glossary,
                bridge,
                options.hs,
            )
        })
        .collect();
    let mut buyer_profiles: Vec<Profile> = mission
        .buyers
        .iter()
        .map(|buyer| {
            let mut profile = build_profile(
                text_of_buyer(buyer),
                &buyer.hs_codes,
                hs,
                glossary,
                bridge,
                options.hs,
            );
            let interests = format!("{}. {}", buyer.interests, buyer.keywords.join(". "));
            profile.named = (interests, buyer.sector.clone());
            profile
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
#[derive(Debug, Clone, PartialEq)]
pub struct InferredHeading {
    /// The 4-digit heading.
    pub code: String,
    /// How sure the inference is, in (0, 1).
    pub confidence: f64,
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
        shorten(full, most)
    }
}

/// At most `most` characters of a description, cut between words, with "..." when cut: a
/// delegate reads "Screws, bolts, nuts, coach screws...", never "coach scr".
fn shorten(text: &str, most: usize) -> String {
    if text.chars().count() <= most {
        return text.trim_end().to_string();
    }
    let head: String = text.chars().take(most).collect();
    let cut = head
        .rfind(|c: char| c.is_whitespace())
        .map_or(head.as_str(), |end| &head[..end]);
    format!("{}...", cut.trim_end_matches([',', ';', ' ']))
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
                .filter(|code| code.inferred && code.share >= SHOWN_SHARE)
                .map(|code| InferredHeading {
                    code: code.digits.clone(),
                    confidence: code.confidence,
                    words: code.words.clone(),
                })
                .collect()
        })
        .collect()
}

/// Inferred headings listed for people (pages, `check`, the `headings` example) and whose
/// descriptions join the searchable text are those with at least 60% of the best one's evidence
/// (a share is that ratio squared, see `bridge`); the weaker ones still count in the score, and
/// a reason names whichever code of the pair is closest.
const SHOWN_SHARE: f64 = 0.36;

/// The HS part of relevance of two profiles at least one of which has inferred headings: how
/// much their evidence agrees, as the cosine of their heading shares (a heading shared
/// counts 0.85) plus that of their chapter shares (0.35 for what the headings did not
/// already give; chapters from shown readings only), times 80% and the geometric mean of the two
/// sides' confidence.
fn inferred_similarity(a: &[Code], b: &[Code]) -> f64 {
    // Ordered, so that the sums below add in the same order on every run.
    fn vector(codes: &[Code], digits: usize) -> BTreeMap<&str, f64> {
        let mut shares: BTreeMap<&str, f64> = BTreeMap::new();
        // Every reading counts at the heading level; only given codes and the readings people
        // are shown make a chapter agreement (many weak readings would share a chapter with
        // anything: more meetings between unrelated trades).
        let counted = |code: &&Code| digits == 4 || !code.inferred || code.share >= SHOWN_SHARE;
        for code in codes.iter().filter(counted) {
            *shares
                .entry(&code.digits[..digits.min(code.digits.len())])
                .or_default() += code.share;
        }
        shares
    }
    let cosine = |digits: usize| {
        let (x, y) = (vector(a, digits), vector(b, digits));
        let norm = |v: &BTreeMap<&str, f64>| v.values().map(|s| s * s).sum::<f64>().sqrt();
        let dot: f64 = x.iter().filter_map(|(k, s)| y.get(k).map(|t| s * t)).sum();
        dot / (norm(&x) * norm(&y)).max(1e-9)
    };
    let heading = cosine(4);
    let chapter = cosine(2);
    let certainty = |codes: &[Code]| codes.iter().map(|c| c.confidence).fold(0.0, f64::max);
    let agreement = 0.85 * heading + 0.35 * (chapter - heading).max(0.0);
    0.8 * agreement * (certainty(a) * certainty(b)).sqrt()
}

/// Finds every pair worth a meeting (contract section 5, `candidates.csv`).
pub fn match_mission(mission: &Mission, options: &MatchOptions) -> Result<Vec<Candidate>> {
    match_with_headings(mission, options).map(|(candidates, _, _)| candidates)
}

/// [`match_mission`], and the headings it inferred for firms and buyers (see
/// [`inferred_headings`]) from the same profiles, so `match` need not build them twice.
///
/// The steps: profiles (with inferred headings); each side's pool of the other side's best
/// text matches and chapter peers; each pool's best pairs kept, and every requested pair; then,
/// for the pairs kept, the buyer's exclusivity, the price and the reasons.
pub fn match_with_headings(
    mission: &Mission,
    options: &MatchOptions,
) -> Result<(Vec<Candidate>, Headings, Headings)> {
    let (firm_profiles, buyer_profiles) = profiles(mission, options)?;
    let headings = (inferred(&firm_profiles), inferred(&buyer_profiles));
    let per_firm = options
        .candidates_per_firm
        .or(mission.rules.candidates_per_firm.map(|n| n as usize))
        .unwrap_or(40);
    let mut buyer_index = TextIndex::build(buyer_profiles.iter().map(|p| p.search_text.as_str()))?;
    let mut firm_index = TextIndex::build(firm_profiles.iter().map(|p| p.search_text.as_str()))?;
    let mut text_scores: HashMap<(usize, usize), f64> = HashMap::new();
    let firm_pools = pools(
        &firm_profiles,
        &firm_index,
        &mut buyer_index,
        &by_chapter(&buyer_profiles),
        (per_firm * 3).max(100),
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
        &by_chapter(&firm_profiles),
        options.candidates_per_buyer * 3 + 5,
        options.text,
        |buyer, firm, similarity| {
            let entry = text_scores.entry((firm, buyer)).or_insert(0.0);
            *entry = entry.max(similarity);
        },
    )?;
    let scorer = Scorer {
        mission,
        model: ModelParameters::from_table(&mission.model),
        firms: &firm_profiles,
        buyers: &buyer_profiles,
        text_scores,
        kinds: request_kinds(mission),
    };
    let firm_side = firm_pools.iter().enumerate().map(|(firm, pool)| {
        let pairs = pool.iter().map(|&buyer| (firm, buyer)).collect::<Vec<_>>();
        (pairs, per_firm)
    });
    let buyer_side = buyer_pools.iter().enumerate().map(|(buyer, pool)| {
        let pairs = pool.iter().map(|&firm| (firm, buyer)).collect::<Vec<_>>();
        (pairs, options.candidates_per_buyer)
    });
    let candidates = scorer.finish(scorer.kept(firm_side.chain(buyer_side)));
    Ok((candidates, headings.0, headings.1))
}

/// Who trades in each chapter, for pairs the text alone would miss: by given codes and the
/// readings people are shown (a pair meets here when one side's reading, however weak, is
/// the other's shown one; two weak readings alone make no pair worth scoring).
fn by_chapter(profiles: &[Profile]) -> HashMap<&str, Vec<usize>> {
    let mut by_chapter: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, profile) in profiles.iter().enumerate() {
        for code in profile
            .codes
            .iter()
            .filter(|code| !code.inferred || code.share >= SHOWN_SHARE)
        {
            by_chapter.entry(&code.digits[..2]).or_default().push(index);
        }
    }
    by_chapter
}

/// Each requested pair (by index) with the strongest of its rows: avoid, must, want, request.
fn request_kinds(mission: &Mission) -> HashMap<(usize, usize), RequestKind> {
    let strength = |kind: RequestKind| match kind {
        RequestKind::Avoid => 3,
        RequestKind::Must => 2,
        RequestKind::Want => 1,
        RequestKind::Request => 0,
    };
    let mut kinds: HashMap<(usize, usize), RequestKind> = HashMap::new();
    for (request, firm, buyer) in mission.resolved_requests() {
        let entry = kinds.entry((firm, buyer)).or_insert(request.kind);
        if strength(request.kind) > strength(*entry) {
            *entry = request.kind;
        }
    }
    kinds
}

/// What scores, prices and explains a pair: the profiles, their text similarities and the
/// requests.
struct Scorer<'a> {
    mission: &'a Mission,
    model: ModelParameters,
    firms: &'a [Profile],
    buyers: &'a [Profile],
    text_scores: HashMap<(usize, usize), f64>,
    kinds: HashMap<(usize, usize), RequestKind>,
}

impl Scorer<'_> {
    /// Whether someone asked for the pair (request, want or must).
    fn requested(&self, firm: usize, buyer: usize) -> bool {
        matches!(
            self.kinds.get(&(firm, buyer)),
            Some(RequestKind::Request | RequestKind::Want | RequestKind::Must)
        )
    }

    /// A pair's deal value from its relevance.
    fn price(&self, candidate: &mut Candidate) {
        let mission = self.mission;
        let (firm_record, buyer_record) = (
            &mission.firms[candidate.firm],
            &mission.buyers[candidate.buyer],
        );
        candidate.p_deal = self.model.p_deal(&PairFeatures {
            relevance: candidate.relevance,
            hs_level: candidate.hs_level,
            shared_language: mission.interpreter_for(firm_record, buyer_record).is_none(),
            request: self.requested(candidate.firm, candidate.buyer),
        });
        candidate.deal_value_usd = self.model.deal_value_usd(
            buyer_record.annual_import_usd,
            firm_record.export_capacity_usd,
        );
        candidate.expected_value_usd = candidate.p_deal * candidate.deal_value_usd;
    }

    /// A pair scored and priced. Scoring is all a ranking needs; the reasons (words, strings)
    /// are written only for the pairs kept ([`Scorer::finish`]), which at 1,000 x 100,000 are a
    /// few percent of those scored.
    fn evaluate(&self, firm: usize, buyer: usize) -> Candidate {
        let (firm_profile, buyer_profile) = (&self.firms[firm], &self.buyers[buyer]);
        let text = self.text_scores.get(&(firm, buyer)).copied().unwrap_or(0.0);
        let (level, mut hs) = closest_codes(&firm_profile.codes, &buyer_profile.codes)
            .map_or((0, 0.0), |(level, score, ..)| (level, score));
        if level > 0
            && (firm_profile.codes.iter().any(|c| c.inferred)
                || buyer_profile.codes.iter().any(|c| c.inferred))
        {
            hs = inferred_similarity(&firm_profile.codes, &buyer_profile.codes);
        }
        let requested = self.requested(firm, buyer);
        let mut candidate = Candidate {
            firm,
            buyer,
            relevance: self.model.ranker.relevance(hs, text, requested),
            text_similarity: text,
            hs_level: level,
            p_deal: 0.0,
            deal_value_usd: 0.0,
            expected_value_usd: 0.0,
            reasons: Vec::new(),
        };
        self.price(&mut candidate);
        candidate
    }

    /// The best `count` of each list of (firm, buyer) pairs, avoid pairs and irrelevant ones
    /// left out, and every pair someone asked for.
    fn kept(&self, lists: impl Iterator<Item = (Vec<(usize, usize)>, usize)>) -> Vec<Candidate> {
        let mut kept: HashMap<(usize, usize), Candidate> = HashMap::new();
        for (mut pairs, count) in lists {
            pairs.sort_unstable();
            pairs.dedup();
            let mut scored: Vec<Candidate> = pairs
                .into_iter()
                .filter(|pair| self.kinds.get(pair) != Some(&RequestKind::Avoid))
                .map(|(firm, buyer)| self.evaluate(firm, buyer))
                .filter(|c| c.relevance > 0.0)
                .collect();
            scored.sort_by(|a, b| {
                b.relevance
                    .total_cmp(&a.relevance)
                    .then(b.expected_value_usd.total_cmp(&a.expected_value_usd))
                    .then((a.firm, a.buyer).cmp(&(b.firm, b.buyer)))
            });
            scored.truncate(count);
            for candidate in scored {
                kept.insert((candidate.firm, candidate.buyer), candidate);
            }
        }
        for (&(firm, buyer), &kind) in &self.kinds {
            if kind != RequestKind::Avoid {
                kept.entry((firm, buyer))
                    .or_insert_with(|| self.evaluate(firm, buyer));
            }
        }
        kept.into_values().collect()
    }

    /// The pairs kept, each nobody asked for weighed against its buyer's best pair (a pair far
    /// below it is most likely a second reading of the buyer's words), priced again, with its
    /// reasons; by firm, most relevant first.
    fn finish(&self, mut candidates: Vec<Candidate>) -> Vec<Candidate> {
        let mut buyer_best = vec![0.0f64; self.mission.buyers.len()];
        for candidate in &candidates {
            let best = &mut buyer_best[candidate.buyer];
            *best = best.max(candidate.relevance);
        }
        // The firms' words as written, for the reasons (firms read them on their agendas).
        let firm_words: Vec<HashMap<String, String>> =
            self.firms.iter().map(written_terms).collect();
        // Terms in many buyers' words (company boilerplate: "supply", "company", "possible")
        // say nothing of a pair: more than a tenth of them, and at least four; nor do numbers.
        let mut spread: HashMap<&str, usize> = HashMap::new();
        for profile in self.buyers {
            for term in &profile.own_terms {
                *spread.entry(term.as_str()).or_default() += 1;
            }
        }
        let common = (self.buyers.len() / 10).max(4);
        let telling = |term: &str| {
            spread.get(term).copied().unwrap_or(0) <= common
                && !term.chars().any(|c| c.is_ascii_digit())
        };
        for candidate in &mut candidates {
            if !self.requested(candidate.firm, candidate.buyer) {
                candidate.relevance = self
                    .model
                    .ranker
                    .exclusive(candidate.relevance, buyer_best[candidate.buyer]);
                self.price(candidate);
            }
            candidate.reasons = self.reasons(candidate, &firm_words[candidate.firm], &telling);
        }
        candidates.sort_by(|a, b| {
            a.firm
                .cmp(&b.firm)
                .then(b.relevance.total_cmp(&a.relevance))
                .then(a.buyer.cmp(&b.buyer))
        });
        candidates
    }

    /// Why a pair was proposed, in words people read: the words both wrote, the HS heading each
    /// side's words reach, the requests, the interpreter.
    fn reasons(
        &self,
        candidate: &Candidate,
        firm_words: &HashMap<String, String>,
        telling: &dyn Fn(&str) -> bool,
    ) -> Vec<String> {
        let (firm, buyer) = (candidate.firm, candidate.buyer);
        let (firm_profile, buyer_profile) = (&self.firms[firm], &self.buyers[buyer]);
        let closest = closest_codes(&firm_profile.codes, &buyer_profile.codes);
        let mut reasons = Vec::new();
        let mut shared_terms: Vec<&str> = Vec::new();
        for term in firm_profile
            .own_terms
            .intersection(&buyer_profile.own_terms)
            .filter(|term| telling(term))
        {
            let word = firm_words.get(term).map_or(term.as_str(), String::as_str);
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
        if let Some((level, _, firm_code, buyer_code, code)) = closest {
            let description = HsTable::bundled()
                .get(code)
                .map(|e| e.description.as_str())
                .unwrap_or("");
            let level_name = match level {
                3 => "subheading",
                2 => "heading",
                _ => "chapter",
            };
            let short = shorten(description, 70);
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
        match self.kinds.get(&(firm, buyer)) {
            Some(RequestKind::Must) => reasons.push("must meet (requests.csv)".to_string()),
            Some(RequestKind::Want) => reasons.push("meeting wanted (requests.csv)".to_string()),
            Some(RequestKind::Request) => {
                reasons.push("meeting requested (requests.csv)".to_string())
            }
            _ => {}
        }
        let mission = self.mission;
        if let Some(language) =
            mission.interpreter_for(&mission.firms[firm], &mission.buyers[buyer])
        {
            reasons.push(format!("needs an interpreter ({language})"));
        }
        reasons
    }
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
            relevance: Some(candidate.relevance),
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
    let requested = mission.named_pairs();
    let mut result = Vec::new();
    for outcome in mission.outcomes.as_deref().unwrap_or(&[]) {
        let (Some(firm), Some(buyer)) = (
            mission.firm_index(&outcome.firm),
            mission.buyer_index(&outcome.buyer),
        ) else {
            continue;
        };
        if outcome.attended != Some(true) {
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
