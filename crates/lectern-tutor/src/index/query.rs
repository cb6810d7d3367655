//! Free text → a tantivy query, without tantivy's query language: the reader's words are
//! analysed like the indexed text and combined as plain term queries, so quotes, colons,
//! parentheses and `AND` are just characters and no input can fail to parse.

use std::collections::HashSet;

use tantivy::Term;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;

use super::schema::Fields;
use crate::text;

/// Beyond this many distinct words a query is not a question; the rest is ignored so a
/// pasted page costs no more than a long question.
const MAX_TERMS: usize = 32;
/// A boost term weighs this much of a query term: enough to reorder near-ties, not to
/// outrank a section that answers the question.
const BOOST_WEIGHT: f32 = 0.3;
/// A question of at most this many content words names the thing it asks about ("What is a
/// topic in ROS 2?", "what's URDF?", "explain SLAM"), so the section that introduces those
/// words is what the reader wants, and key terms are searched. A longer question describes a
/// situation; there the section defining one of its words is rarely the answer, and on the
/// sample book searching key terms for every question cost the long ones recall@3
/// (0.961 → 0.945).
const NAMING_QUESTION_TERMS: usize = 3;

/// The query and its distinct terms (for snippets), or `None` when nothing is searchable.
pub(super) fn build(
    fields: &Fields,
    input: &str,
    boost_terms: &[String],
) -> Option<(Box<dyn Query>, HashSet<String>)> {
    let mut seen = HashSet::new();
    let terms: Vec<String> =
        text::terms(input).into_iter().filter(|t| seen.insert(t.clone())).take(MAX_TERMS).collect();
    if terms.is_empty() {
        return None;
    }
    let names_a_thing = terms.len() <= NAMING_QUESTION_TERMS;
    let matches = BooleanQuery::new(
        terms.iter().flat_map(|t| clauses(fields, t, 1.0, names_a_thing)).collect(),
    );
    let mut outer: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(matches))];
    for boost in boost_terms.iter().flat_map(|b| text::terms(b)).take(MAX_TERMS) {
        outer.extend(clauses(fields, &boost, BOOST_WEIGHT, false));
    }
    Some((Box::new(BooleanQuery::new(outer)), terms.into_iter().collect()))
}

/// One optional clause per searched field for `term`, key terms only if `key_terms`.
fn clauses(
    fields: &Fields,
    term: &str,
    weight: f32,
    key_terms: bool,
) -> Vec<(Occur, Box<dyn Query>)> {
    let key = key_terms.then(|| fields.key_terms_boost());
    fields
        .boosted()
        .into_iter()
        .chain(key)
        .map(|(field, boost)| {
            let query =
                TermQuery::new(Term::from_field_text(field, term), IndexRecordOption::WithFreqs);
            (
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(query), boost * weight)) as Box<dyn Query>,
            )
        })
        .collect()
}
