//! The reader API's contract, pinned: any change to a path, a body or an error shows up
//! in review as a change to `snapshots/openapi__document.snap`.

use lectern_api::openapi::document;
use lectern_api::profile::Questionnaire;

#[test]
fn the_openapi_document_is_pinned() {
    let doc: serde_json::Value =
        serde_json::from_str(&document(&Questionnaire::default())).expect("JSON");
    assert_eq!(doc["openapi"], "3.1.0");
    insta::assert_json_snapshot!("document", doc);
}

#[test]
fn the_answers_schema_follows_the_questionnaire() {
    let custom = Questionnaire::from_json(
        r#"{"questions":[{"id":"favouriteRobot","label":"Favourite robot?","type":"single","required":true,"options":[{"value":"atlas","label":"Atlas"}]}]}"#,
    )
    .expect("valid questionnaire");
    let doc: serde_json::Value = serde_json::from_str(&document(&custom)).expect("JSON");
    let answers = &doc["components"]["schemas"]["ProfileAnswers"];
    assert_eq!(answers["properties"]["favouriteRobot"]["enum"], serde_json::json!(["atlas", null]));
    assert!(answers["properties"].get("gpu").is_none());
}
