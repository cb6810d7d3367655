//! Book ingestion, search index, retrieval and answerers. Arrives with issue 5.
