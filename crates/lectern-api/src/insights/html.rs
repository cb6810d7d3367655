//! The dashboard's pages as HTML (server-rendered, no script, one inline stylesheet that
//! reflows to a phone's width) and its tables as CSV. Everything written into a page goes
//! through [`escape`]: questions and comments are readers' words.

use std::fmt::Write;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::query::Params;
use crate::profile::{Kind, Questionnaire};

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(i64),
    /// A share in [0, 1], drawn as a bar and written as a percentage.
    Share(f64),
    /// Text linking to a URL (the book's page or section).
    Link {
        text: String,
        url: String,
    },
    /// Milliseconds, or none measured.
    Ms(Option<i64>),
}

impl Cell {
    /// The cell as CSV and as the text of the HTML cell.
    pub fn plain(&self) -> String {
        match self {
            Self::Text(t) | Self::Link { text: t, .. } => t.clone(),
            Self::Count(n) => n.to_string(),
            Self::Share(s) => format!("{:.1}%", s * 100.0),
            Self::Ms(Some(ms)) => ms.to_string(),
            Self::Ms(None) => String::new(),
        }
    }
}

/// A table of a view, exportable as CSV by its `id`.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub id: String,
    pub title: String,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
    /// Said under the title: what the table counts.
    pub note: String,
}

impl Table {
    pub fn new(id: &str, title: &str, columns: &[&'static str], note: &str) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            columns: columns.to_vec(),
            rows: Vec::new(),
            note: note.into(),
        }
    }

    /// The table as CSV (RFC 4180), with a header row.
    pub fn csv(&self) -> String {
        let mut out = String::new();
        let line = |cells: Vec<String>| {
            cells.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(",") + "\r\n"
        };
        out.push_str(&line(self.columns.iter().map(|c| (*c).to_owned()).collect()));
        for row in &self.rows {
            out.push_str(&line(row.iter().map(Cell::plain).collect()));
        }
        out
    }
}

/// A field quoted when it must be; a leading `=`, `+`, `-` or `@` is defused so a
/// spreadsheet never runs a reader's question as a formula.
fn csv_field(field: &str) -> String {
    let field = if field.starts_with(['=', '+', '-', '@']) && field.parse::<f64>().is_err() {
        format!("'{field}")
    } else {
        field.to_owned()
    };
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

/// What a page shows, in order.
#[derive(Debug, Clone)]
pub enum Block {
    Table(Table),
    /// HTML made here, its text already escaped.
    Html(String),
}

/// A dashboard page.
#[derive(Debug, Clone)]
pub struct Page {
    /// The path under `/admin` (`""` for the overview).
    pub path: &'static str,
    pub title: &'static str,
    pub intro: String,
    pub blocks: Vec<Block>,
}

impl Page {
    /// The table with this id, for `format=csv`.
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.blocks.iter().find_map(|b| match b {
            Block::Table(t) if t.id == id => Some(t),
            _ => None,
        })
    }
}

/// The views, as the navigation lists them.
pub const VIEWS: [(&str, &str); 6] = [
    ("", "Overview"),
    ("/readers", "Readers"),
    ("/backgrounds", "Backgrounds"),
    ("/questions", "Questions"),
    ("/failures", "Where the book fails"),
    ("/health", "Tutor health"),
];

pub use lectern_tutor::render::escape;

const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1f24;background:#f6f7f9}
header{background:#1f3a5f;color:#fff;padding:.75rem 1rem}
header .brand{margin:0;font-weight:700;font-size:1.05rem}
main>h1{font-size:1.4rem;margin:.25rem 0}
nav{display:flex;flex-wrap:wrap;gap:.25rem .75rem;margin-top:.4rem}
nav a{color:#dbe7ff;text-decoration:none;padding:.1rem 0}
nav a[aria-current]{color:#fff;border-bottom:2px solid #fff}
main{max-width:72rem;margin:0 auto;padding:1rem}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;background:#fff;padding:.75rem;border-radius:8px;border:1px solid #dde1e6}
form.filters label{display:flex;flex-direction:column;font-size:.8rem;color:#4a5562}
form.filters input,form.filters select,form.filters button{font:inherit;padding:.3rem .4rem;min-height:2.2rem}
form.filters button{background:#1f3a5f;color:#fff;border:0;border-radius:6px;padding:.3rem 1rem}
section{background:#fff;border:1px solid #dde1e6;border-radius:8px;margin:1rem 0;padding:.75rem}
section h2{font-size:1rem;margin:0 0 .25rem}
.note{color:#4a5562;font-size:.85rem;margin:0 0 .5rem}
.notice{background:#fff4d6;border:1px solid #e8c660;padding:.6rem .75rem;border-radius:8px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eceff2;vertical-align:top}
th{font-weight:600;color:#4a5562;white-space:nowrap}
td:first-child{min-width:11rem}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.bar{display:flex;align-items:center;gap:.4rem;min-width:9rem}
.bar span{display:inline-block;height:.7rem;background:#3d7bd9;border-radius:2px}
a.csv{font-size:.8rem;float:right}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.75rem}
.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:.75rem}
.card b{display:block;font-size:1.5rem}
.card a{color:inherit;text-decoration:none;display:block}
.cards{margin:1rem 0}
.toc ol{list-style:none;padding:0;margin:0}
.toc li{margin:.2rem 0}
.toc a{display:flex;justify-content:space-between;gap:.5rem;padding:.25rem .5rem;border-radius:4px;color:#1b1f24;text-decoration:none}
.toc ol ol{padding-left:1rem}
@media (max-width:40rem){main{padding:.5rem}form.filters label{flex:1 1 45%}}
"#;

/// The whole page, with the navigation, the filter form and a notice when collection is off.
pub fn render(
    page: &Page,
    params: &Params,
    questionnaire: &Questionnaire,
    collecting: bool,
) -> Response {
    let mut html = String::with_capacity(16 * 1024);
    let query = params.query();
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><meta name=\"robots\" content=\"noindex\"><title>{} · Lectern insights</title><style>{STYLE}</style></head><body><header><p class=\"brand\">Lectern · what readers ask</p><nav aria-label=\"Views\">",
        escape(page.title)
    );
    for (path, name) in VIEWS {
        let current = if path == page.path { " aria-current=\"page\"" } else { "" };
        let _ = write!(html, "<a href=\"/admin{path}?{}\"{current}>{name}</a>", escape(&query));
    }
    let _ = write!(
        html,
        "</nav></header><main><h1>{}</h1><p class=\"note\">{}</p>",
        escape(page.title),
        escape(&page.intro)
    );
    if !collecting {
        html.push_str("<p class=\"notice\" role=\"status\">Collection is off (<code>LECTERN_INSIGHTS=off</code>): no new retrieval scores, cited sections, answer times or conversions are being recorded. What is shown was recorded before.</p>");
    }
    filters(&mut html, page.path, params, questionnaire);
    for block in &page.blocks {
        match block {
            Block::Html(h) => html.push_str(h),
            Block::Table(t) => table(&mut html, page.path, t, &query),
        }
    }
    html.push_str("</main></body></html>");
    let mut res = axum::response::Html(html).into_response();
    secure(&mut res);
    res
}

/// One table as a CSV download.
pub fn csv(table: &Table, view: &str) -> Response {
    let name = format!(
        "lectern-{}-{}.csv",
        if view.is_empty() { "overview" } else { view.trim_start_matches('/') },
        table.id
    );
    let mut res = table.csv().into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    secure(&mut res);
    res
}

/// Never cached, never framed, no script, no referrer leaving with a reader's question.
fn secure(res: &mut Response) {
    let headers = res.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
}

fn filters(html: &mut String, path: &str, params: &Params, questionnaire: &Questionnaire) {
    let _ = write!(
        html,
        "<form class=\"filters\" method=\"get\" action=\"/admin{path}\"><label>From<input type=\"date\" name=\"from\" value=\"{}\"></label><label>To<input type=\"date\" name=\"to\" value=\"{}\"></label><label>By<select name=\"period\"><option value=\"day\"{}>day</option><option value=\"week\"{}>week</option></select></label><label>Readers<select name=\"background\"><option value=\"\">everyone</option>",
        params.from,
        params.to,
        if params.period == lectern_store::Period::Day { " selected" } else { "" },
        if params.period == lectern_store::Period::Week { " selected" } else { "" },
    );
    for q in questionnaire.questions.iter().filter(|q| q.kind != Kind::Text) {
        let label = q.summary_label.as_deref().unwrap_or(&q.label);
        let _ = write!(html, "<optgroup label=\"{}\">", escape(label));
        for o in &q.options {
            let value = format!("{}:{}", q.id, o.value);
            let selected =
                params.background.as_ref().is_some_and(|(bq, bv)| bq == &q.id && bv == &o.value);
            let _ = write!(
                html,
                "<option value=\"{}\"{}>{}</option>",
                escape(&value),
                if selected { " selected" } else { "" },
                escape(&o.label)
            );
        }
        html.push_str("</optgroup>");
    }
    html.push_str("</select></label><button type=\"submit\">Show</button></form>");
}

fn table(html: &mut String, path: &str, t: &Table, query: &str) {
    let _ = write!(
        html,
        "<section id=\"{id}\"><a class=\"csv\" href=\"/admin{path}?{q}&amp;format=csv&amp;table={id}\">CSV</a><h2>{}</h2><p class=\"note\">{}</p>",
        escape(&t.title),
        escape(&t.note),
        id = t.id,
        q = escape(query),
    );
    if t.rows.is_empty() {
        html.push_str("<p>Nothing in this range.</p></section>");
        return;
    }
    html.push_str("<div class=\"scroll\"><table><thead><tr>");
    for c in &t.columns {
        let _ = write!(html, "<th scope=\"col\">{}</th>", escape(c));
    }
    html.push_str("</tr></thead><tbody>");
    for row in &t.rows {
        html.push_str("<tr>");
        for cell in row {
            match cell {
                Cell::Text(text) => {
                    let _ = write!(html, "<td>{}</td>", escape(text));
                }
                Cell::Link { text, url } => {
                    let _ =
                        write!(html, "<td><a href=\"{}\">{}</a></td>", escape(url), escape(text));
                }
                Cell::Count(_) | Cell::Ms(_) => {
                    let _ = write!(html, "<td class=\"n\">{}</td>", cell.plain());
                }
                Cell::Share(s) => {
                    let width = (s.clamp(0.0, 1.0) * 100.0).round();
                    let _ = write!(
                        html,
                        "<td><div class=\"bar\"><span style=\"width:{width}%\" aria-hidden=\"true\"></span>{}</div></td>",
                        cell.plain()
                    );
                }
            }
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table></div></section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses() {
        let mut t = Table::new("t", "T", &["question", "readers"], "");
        t.rows.push(vec![Cell::Text("a, \"b\"".into()), Cell::Count(3)]);
        t.rows.push(vec![Cell::Text("=HYPERLINK(1)".into()), Cell::Share(0.25)]);
        t.rows.push(vec![Cell::Text("-3".into()), Cell::Ms(None)]);
        assert_eq!(
            t.csv(),
            "question,readers\r\n\"a, \"\"b\"\"\",3\r\n'=HYPERLINK(1),25.0%\r\n-3,\r\n"
        );
    }

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            escape("<script>\"x\"&'y'</script>"),
            "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;"
        );
    }
}
