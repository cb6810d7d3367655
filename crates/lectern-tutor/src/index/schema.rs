//! The index's fields. Title, heading, body and key terms are searched separately so each
//! can carry its own boost: a question usually names what a section's heading names, and
//! a definitional one what the section puts in bold. What a result shows (label, URL, text)
//! is stored; the searched fields are not.

use tantivy::schema::{Field, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions};

/// `crate::text`'s analyzer, which queries go through too, registered under this name.
const TOKENIZER: &str = "lectern";

/// Makes [`TOKENIZER`] known to `index`; needed by every handle that indexes documents.
pub(crate) fn register_tokenizer(index: &tantivy::Index) {
    index.tokenizers().register(TOKENIZER, crate::text::analyzer());
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub title: Field,
    pub heading: Field,
    pub body: Field,
    pub key_terms: Field,
    pub label: Field,
    pub url: Field,
    pub text: Field,
}

impl Fields {
    /// Weights of a query term found in the body, the heading and the doc title.
    ///
    /// The body field also holds the heading, so heading and title matches are bonuses on
    /// top of the body's score: a section whose heading names the question's words outranks
    /// one that only mentions them. Every field's IDF is the book-wide one (see `stats`), so
    /// a heading naming a word found all over the book ("ROS 2") earns little, and with that
    /// the heading can weigh as much as the body. Measured on the sample book's 214 questions
    /// (recall@3, MRR): 0.972 and 0.908 with these weights, 0.961 and 0.875 on the 127 longer
    /// questions, 0.989 and 0.956 on the 87 short ones. A heading weight of 0.5 gives 0.958
    /// and 0.897, 1.5 gives 0.967 and 0.899, 3 gives 0.953 and 0.869. Before the book-wide
    /// IDF, key terms and the stop-word-free field lengths, the weights were 0.5 for the
    /// heading and 0.3 for the title, and gave 0.925 and 0.837 (0.961 and 0.885 on the longer
    /// questions, but 0.874 and 0.768 on the short ones): the headings "Bridging Gazebo and
    /// ROS 2" and "Isaac Sim and ROS 2" outranked "Topics and messages" for "What is a topic
    /// in ROS 2?".
    pub fn boosted(&self) -> [(Field, f32); 3] {
        [(self.body, 1.0), (self.heading, 1.0), (self.title, 0.3)]
    }

    /// The weight of a query term among a section's key terms (its `**bold**` spans), searched
    /// only for short questions (see `query`). A textbook bolds a term where it defines it,
    /// so this lifts "Topics and messages" ("A **topic** is …") and a doc's opening ("**Xacro**
    /// (XML macros) is a preprocessor …") above the sections that merely use the word. On the
    /// short questions recall@3 is 0.989 (MRR 0.956) with it and 0.908 (MRR 0.803) without; a
    /// weight of 1 gives 0.989 (MRR 0.933), one of 3 gives 0.977 (MRR 0.925).
    pub fn key_terms_boost(&self) -> (Field, f32) {
        (self.key_terms, 1.5)
    }
}

pub(crate) fn schema() -> (Schema, Fields) {
    let searched = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let mut builder = Schema::builder();
    let fields = Fields {
        title: builder.add_text_field("title", searched.clone()),
        heading: builder.add_text_field("heading", searched.clone()),
        body: builder.add_text_field("body", searched.clone()),
        key_terms: builder.add_text_field("key_terms", searched),
        label: builder.add_text_field("label", STORED),
        url: builder.add_text_field("url", STORED),
        text: builder.add_text_field("text", STORED),
    };
    (builder.build(), fields)
}

/// Finds the fields in an index opened from disk, which [`schema`] created.
pub(crate) fn fields_of(schema: &Schema) -> tantivy::Result<Fields> {
    let get = |name: &str| schema.get_field(name);
    Ok(Fields {
        title: get("title")?,
        heading: get("heading")?,
        body: get("body")?,
        key_terms: get("key_terms")?,
        label: get("label")?,
        url: get("url")?,
        text: get("text")?,
    })
}
