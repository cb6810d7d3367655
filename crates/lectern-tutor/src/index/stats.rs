//! Word rarity measured over the whole book, for every searched field.
//!
//! BM25 weighs a word by how rare it is in the field being searched. For the short heading,
//! title and key-term fields that misleads: in the sample book "ros" heads 12 of 208 sections,
//! which makes it a rare heading word (IDF 2.8, against 4.1 for "topic" in 3 headings),
//! although the text of 65 sections mentions ROS 2 (IDF 1.2, against 2.1 for "topic" in 25).
//! A heading naming such a word says little about what its section is for, and those
//! headings ("Bridging Gazebo and ROS 2", "Isaac Sim and ROS 2", two such words each) crowded
//! out "Topics and messages" for "What is a topic in ROS 2?". Taking every field's document
//! frequency from the body, which holds all of each section's text, weighs a match in any
//! field by how telling the word is in the book as a whole. The lengths BM25 normalises by
//! stay each field's own.

use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

use super::schema::Fields;

/// The searcher's statistics, except that document frequencies are the body field's.
pub(super) struct BookWide<'a> {
    pub searcher: &'a Searcher,
    pub fields: &'a Fields,
}

impl Bm25StatisticsProvider for BookWide<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        self.searcher.total_num_tokens(field)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.searcher.total_num_docs()
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        match term.value().as_str() {
            Some(word) if term.field() != self.fields.body => {
                self.searcher.doc_freq(&Term::from_field_text(self.fields.body, word))
            }
            _ => self.searcher.doc_freq(term),
        }
    }
}
