//! The tokenizer and the encoder against the reference implementations: token ids from
//! Hugging Face's `tokenizers` with the model's own `tokenizer.json`, and embeddings from
//! sentence-transformers' computation in NumPy (`tools/static-embeddings/distill.py`'s
//! `encode`, mean-pooled, normalised). Needs `scripts/fetch-model`.

use super::Embedder;

fn model() -> Embedder {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../", "models/all-MiniLM-L6-v2");
    Embedder::load(dir).unwrap_or_else(|e| panic!("{e}: run scripts/fetch-model"))
}

#[test]
fn tokens_are_those_of_the_reference_tokenizer() {
    let model = model();
    let cases: [(&str, &[u32]); 5] = [
        (
            "How do I flash a Jetson Orin?",
            &[2129, 2079, 1045, 5956, 1037, 9924, 2239, 2030, 2378, 1029],
        ),
        (
            "Café naïve—über, résumé! [test] 3.14",
            &[7668, 15743, 1517, 19169, 1010, 13746, 999, 1031, 3231, 1033, 1017, 1012, 2403],
        ),
        (
            "ros2 launch nav2_bringup tb3_simulation_launch.py",
            &[
                20996, 2015, 2475, 4888, 6583, 2615, 2475, 1035, 3288, 6279, 26419, 2509, 1035,
                12504, 1035, 4888, 1012, 1052, 2100,
            ],
        ),
        ("日本語のテキスト", &[1864, 1876, 1950, 1671, 30239, 30227, 30233, 30240]),
        (
            "supercalifragilisticexpialidocious",
            &[3565, 9289, 10128, 29181, 24411, 4588, 10288, 19312, 21273, 10085, 6313],
        ),
    ];
    for (text, ids) in cases {
        assert_eq!(model.tokenizer.tokens(text), ids, "{text}");
    }
}

#[test]
fn embeddings_are_those_of_the_reference_encoder() {
    let model = model();
    let cases: [(&str, [f32; 6]); 2] = [
        (
            "How do I flash a Jetson Orin?",
            [
                -0.092_602_86,
                -0.058_503_94,
                -0.035_796_84,
                -0.033_034_19,
                0.048_493_72,
                0.008_756_98,
            ],
        ),
        (
            "How do I tell the robot to drive to a pose from a script?",
            [
                0.012_047_24,
                -0.000_923_89,
                -0.039_202_08,
                -0.053_979_59,
                -0.003_331_05,
                0.014_854_37,
            ],
        ),
    ];
    for (text, start) in cases {
        let embedding = model.embed(text);
        assert_eq!(embedding.len(), 384);
        let norm: f32 = embedding.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "unit length, not {norm}");
        for (got, want) in embedding.iter().zip(start) {
            assert!((got - want).abs() < 1e-4, "{text}: {got} is not {want}");
        }
    }
}

#[test]
fn a_long_section_is_embedded_in_windows_each_headed_by_its_title() {
    let model = model();
    let text = "The robot follows the line. ".repeat(200);
    let windows = model.embed_section("Line following", &text);
    assert!(windows.len() >= 4, "{} windows", windows.len());
    assert_eq!(model.embed_section("Empty", "").len(), 1, "a section without text has its title");
    let close: f32 = windows[0].iter().zip(&windows[1]).map(|(a, b)| a * b).sum();
    assert!(close > 0.9, "windows of the same text are close: {close}");
}
