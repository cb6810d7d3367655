//! The model-free answer: it quotes the passages' best sentences with correct citations, and
//! the same question gets different quotes for readers with different backgrounds.

use futures_util::StreamExt;
use lectern_tutor::{AnswerRequest, Answerer, Background, Level, Passage};

fn passage(title: &str, url: &str, text: &str) -> Passage {
    Passage {
        title: title.into(),
        url: url.into(),
        snippet: String::new(),
        text: text.into(),
        score: 1.0,
        similarity: None,
    }
}

fn passages() -> Vec<Passage> {
    vec![
        passage(
            "Sensors › Cameras",
            "/docs/sensors#cameras",
            "A camera is a sensor that turns light into images. On a Jetson, connect the camera to \
             the CSI port and run `nvgstcapture` to test the camera. In simulation, add a camera \
             plugin to the robot model to get camera images. Cameras come in many shapes.",
        ),
        passage(
            "Sensors › Calibration",
            "/docs/sensors#calibration",
            "Calibration means estimating the camera's intrinsics.\n\n```bash\nros2 run \
             camera_calibration cameracalibrator --size 8x6\n```",
        ),
    ]
}

async fn answer(background: Background, passages: Vec<Passage>) -> (String, usize) {
    let request = AnswerRequest {
        question: "How do I set up a camera?".into(),
        passages,
        background,
        ..Default::default()
    };
    let pieces = pieces(request).await;
    (pieces.concat(), pieces.len())
}

async fn pieces(request: AnswerRequest) -> Vec<String> {
    Answerer::Extractive
        .answer(request)
        .map(|piece| piece.expect("the extractive answerer cannot fail"))
        .collect()
        .await
}

const DEFINITION: &str = "> A camera is a sensor that turns light into images. [1]";
const SIMULATION: &str =
    "> In simulation, add a camera plugin to the robot model to get camera images. [1]";
const JETSON: &str = "> On a Jetson, connect the camera to the CSI port and run `nvgstcapture` to test the camera. [1]";
const CODE: &str =
    "From [2]:\n\n```bash\nros2 run camera_calibration cameracalibrator --size 8x6\n```";

#[tokio::test]
async fn a_beginner_in_simulation_gets_definitions_and_the_simulation_path() {
    let beginner = Background {
        level: Some(Level::Beginner),
        boost_terms: vec!["simulation".into()],
        ..Default::default()
    };
    let (text, pieces) = answer(beginner, passages()).await;
    assert!(text.contains(DEFINITION) && text.contains(SIMULATION), "{text}");
    assert!(text.contains("> Calibration means estimating the camera's intrinsics. [2]"), "{text}");
    assert!(!text.contains("Jetson") && !text.contains("```"), "no Jetson path, no code: {text}");
    assert!(pieces > 3, "streamed in pieces");
    // Quotes keep the book's order: passage 1's sentences as they appear, then passage 2.
    let at = |s: &str| text.find(s).expect("quoted");
    assert!(at(DEFINITION) < at(SIMULATION) && at(SIMULATION) < at("[2]"));
}

#[tokio::test]
async fn an_advanced_jetson_reader_gets_the_jetson_path_and_code() {
    let advanced = Background {
        level: Some(Level::Advanced),
        boost_terms: vec!["Jetson".into()],
        ..Default::default()
    };
    let (text, _) = answer(advanced, passages()).await;
    assert!(text.contains(JETSON) && text.contains(CODE), "{text}");
    assert!(!text.contains(DEFINITION) && !text.contains(SIMULATION), "{text}");
}

#[tokio::test]
async fn every_answer_ends_with_numbered_sources_and_is_deterministic() {
    let (text, _) = answer(Background::default(), passages()).await;
    assert!(text.starts_with("Here is what the book says:\n\n"), "{text}");
    assert!(
        text.ends_with(
            "**Sources**\n\n- [1] [Sensors › Cameras](/docs/sensors#cameras)\n- [2] [Sensors › Calibration](/docs/sensors#calibration)\n"
        ),
        "{text}"
    );
    let quotes = text.lines().filter(|l| l.starts_with("> ")).count();
    assert!((2..=4).contains(&quotes), "{quotes} quotes in {text}");
    assert!(
        text.lines()
            .filter(|l| l.starts_with("> "))
            .all(|l| l.ends_with(" [1]") || l.ends_with(" [2]"))
    );
    assert_eq!(text, answer(Background::default(), passages()).await.0);
}

#[tokio::test]
async fn without_passages_it_says_the_book_does_not_cover_it() {
    let (text, _) = answer(Background::default(), Vec::new()).await;
    assert!(text.starts_with("The book doesn't seem to cover this."), "{text}");
}

#[tokio::test]
async fn passages_matched_only_by_their_title_are_still_quoted() {
    let only_title =
        vec![passage("Cameras", "/docs/cameras", "Lenses focus light. Sensors count photons.")];
    let (text, _) = answer(Background::default(), only_title).await;
    assert!(text.contains("> Lenses focus light. [1]"), "{text}");
}

/// "What is a ROS 2 topic?" over the sample book: the sentences that say "ROS 2 topics" most
/// often are about bridges, but the answer is the definition in the best section.
#[tokio::test]
async fn a_what_is_question_gets_the_definition_from_the_best_section() {
    let passages = vec![
        passage(
            "Nodes and Topics › Topics and messages",
            "/docs/ros2/nodes-and-topics#topics-and-messages",
            "A topic is a named channel carrying messages of one type. Nodes publish to topics.",
        ),
        passage(
            "Gazebo › Bridging Gazebo and ROS 2",
            "/docs/simulation/gazebo#bridging",
            "`ros_gz_bridge` translates between Gazebo transport and ROS 2 topics.\n\n```yaml\n\
             - ros_topic_name: \"scan\"\n  gz_topic_name: \"scan\"\n```",
        ),
        passage(
            "Isaac Sim › Isaac Sim and ROS 2",
            "/docs/simulation/isaac-sim#ros",
            "Isaac Sim includes a ROS 2 bridge extension that publishes ROS 2 topics.",
        ),
    ];
    let request =
        AnswerRequest { question: "What is a ROS 2 topic?".into(), passages, ..Default::default() };
    let text = pieces(request).await.concat();
    let definition = "> A topic is a named channel carrying messages of one type. [1]";
    assert!(text.contains(definition), "{text}");
    assert!(text.find(definition) < text.find("[2]"), "the definition comes first: {text}");
}

#[tokio::test]
async fn weak_evidence_is_offered_as_places_to_look_not_quoted() {
    let passages = vec![passage(
        "Communication › Quality of service",
        "/docs/ros2/qos#reliability",
        "Best effort delivery drops messages rather than retrying them.",
    )];
    let request = AnswerRequest {
        question: "What is the best recipe for sourdough bread?".into(),
        passages,
        weak_evidence: true,
        ..Default::default()
    };
    let text = pieces(request).await.concat();
    assert!(text.starts_with("The book doesn't seem to cover this."), "{text}");
    assert!(text.contains("- [Communication › Quality of service](/docs/ros2/qos#reliability)"));
    assert!(!text.contains("Best effort") && !text.contains("[1]"), "nothing quoted: {text}");
}
