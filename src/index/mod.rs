//! The keyword index: tantivy, in RAM, over profile texts (firms, buyers, HS headings).
//!
//! This is the only module that imports tantivy. It indexes texts by position and answers
//! "which texts best match these terms" with BM25 scores; what a text holds and what a score
//! means for a pair is the matcher's business.

mod analysis;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{doc, Index, IndexReader, Searcher, TantivyDocument, Term};

pub use analysis::Glossary;

use crate::error::{Error, Result};

const TOKENIZER: &str = "missionmatch";

fn index_error(error: impl std::fmt::Display) -> Error {
    Error::Index(error.to_string())
}

/// The analysed terms of a text, as the index sees them.
pub fn analyse(text: &str) -> Vec<String> {
    analysis::terms(&mut analysis::analyzer(), text)
}

/// For each analysed term of a text, the word it came from as written (the first such word):
/// reasons show people "spraying", not the stem "spray".
pub fn term_words(text: &str) -> std::collections::HashMap<String, String> {
    let mut analyzer = analysis::analyzer();
    let mut words = std::collections::HashMap::new();
    for raw in analysis::raw_tokens(text) {
        for term in analysis::terms(&mut analyzer, &raw) {
            words.entry(term).or_insert_with(|| raw.clone());
        }
    }
    words
}

/// Texts indexed for BM25 search; each text is known by its position in the input.
pub struct TextIndex {
    _reader: IndexReader,
    searcher: Searcher,
    field: tantivy::schema::Field,
    /// Per segment, the input position of each document.
    positions: Vec<Vec<u32>>,
    analyzer: TextAnalyzer,
}

impl TextIndex {
    /// Indexes the texts (in RAM) with the multilingual analysis.
    pub fn build<'a>(texts: impl IntoIterator<Item = &'a str>) -> Result<TextIndex> {
        TextIndex::build_with(texts, analysis::analyzer())
    }

    /// Indexes the texts with tantivy's plain default analysis (split on non-alphanumerics,
    /// lower-case): the BM25 baseline the benchmarks compare against.
    pub fn build_plain<'a>(texts: impl IntoIterator<Item = &'a str>) -> Result<TextIndex> {
        let plain = TextAnalyzer::builder(tantivy::tokenizer::SimpleTokenizer::default())
            .filter(tantivy::tokenizer::RemoveLongFilter::limit(40))
            .filter(tantivy::tokenizer::LowerCaser)
            .build();
        TextIndex::build_with(texts, plain)
    }

    fn build_with<'a>(
        texts: impl IntoIterator<Item = &'a str>,
        analyzer: TextAnalyzer,
    ) -> Result<TextIndex> {
        let mut schema = Schema::builder();
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let field = schema.add_text_field(
            "text",
            TextOptions::default().set_indexing_options(indexing),
        );
        let position_field = schema.add_u64_field("position", FAST);
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(TOKENIZER, analyzer.clone());
        let mut writer = index
            .writer_with_num_threads::<TantivyDocument>(1, 200_000_000)
            .map_err(index_error)?;
        for (position, text) in texts.into_iter().enumerate() {
            writer
                .add_document(doc!(field => text, position_field => position as u64))
                .map_err(index_error)?;
        }
        writer.commit().map_err(index_error)?;
        let reader = index.reader().map_err(index_error)?;
        let searcher = reader.searcher();
        let mut positions = Vec::new();
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().u64("position").map_err(index_error)?;
            positions.push(
                (0..segment.max_doc())
                    .map(|doc| column.first(doc).unwrap_or(0) as u32)
                    .collect(),
            );
        }
        Ok(TextIndex {
            _reader: reader,
            searcher,
            field,
            positions,
            analyzer,
        })
    }

    /// Analysed terms of a text, with this index's analyzer.
    pub fn terms(&mut self, text: &str) -> Vec<String> {
        analysis::terms(&mut self.analyzer, text)
    }

    /// The `limit` texts that best match the terms (any of them), best first, as
    /// (input position, BM25 score).
    pub fn search(&self, terms: &[String], limit: usize) -> Result<Vec<(usize, f32)>> {
        let mut unique: Vec<&String> = terms.iter().collect();
        unique.sort_unstable();
        unique.dedup();
        if unique.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = unique
            .into_iter()
            .map(|term| {
                let query: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(self.field, term),
                    IndexRecordOption::WithFreqs,
                ));
                (Occur::Should, query)
            })
            .collect();
        let query = BooleanQuery::new(clauses);
        let hits = self
            .searcher
            .search(&query, &TopDocs::with_limit(limit).order_by_score())
            .map_err(index_error)?;
        Ok(hits
            .into_iter()
            .map(|(score, address)| {
                let position =
                    self.positions[address.segment_ord as usize][address.doc_id as usize];
                (position as usize, score)
            })
            .collect())
    }

    /// Number of indexed texts.
    pub fn len(&self) -> usize {
        self.positions.iter().map(Vec::len).sum()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_texts_across_scripts_and_forms() {
        let texts = [
            "기초 화장품과 마스크팩",
            "Industrial drones for aerial survey",
            "Máy bay không người lái phun thuốc",
            "plastic containers",
        ];
        let mut index = TextIndex::build(texts.iter().copied()).unwrap();
        assert_eq!(index.len(), 4);
        let best = |index: &mut TextIndex, query: &str| {
            let terms = index.terms(query);
            index.search(&terms, 1).unwrap().first().map(|hit| hit.0)
        };
        assert_eq!(best(&mut index, "화장품을 수입"), Some(0));
        assert_eq!(best(&mut index, "drone surveys"), Some(1));
        assert_eq!(best(&mut index, "may bay khong nguoi lai"), Some(2));
        assert_eq!(best(&mut index, "nothing in common"), None);
    }
}
