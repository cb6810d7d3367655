//! The dashboard's query string: `from` and `to` (days, `YYYY-MM-DD`, both included; the
//! last 30 days by default), `period` (`day` or `week`), `background` (`question:value`, a
//! questionnaire option: only those readers), `format=csv` with `table` (one table as CSV).
//! A mistake is a 400 `{"code","message"}`, never a 500.

use axum::http::StatusCode;
use chrono::{Days, NaiveDate, Utc};
use lectern_store::{InsightFilter, Period};

use crate::error::{ApiError, ApiResult};
use crate::profile::{Kind, Questionnaire};

/// The longest range a page aggregates over.
const MAX_DAYS: u64 = 366;
/// The range when none is given.
const DEFAULT_DAYS: u64 = 30;

/// The filters of a dashboard page, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    pub from: NaiveDate,
    /// The last day included.
    pub to: NaiveDate,
    pub period: Period,
    pub background: Option<(String, String)>,
    /// `Some(table id)` for `format=csv`.
    pub csv: Option<String>,
}

impl Params {
    /// Parses `query` (the raw query string) against the questionnaire; `today` ends the
    /// default range.
    pub fn parse(
        query: Option<&str>,
        questionnaire: &Questionnaire,
        today: NaiveDate,
    ) -> ApiResult<Self> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or(""))
            .map_err(|_| bad("INVALID_QUERY", "The query string could not be read"))?;
        let get = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
        };
        let day = |name: &str| -> ApiResult<Option<NaiveDate>> {
            get(name)
                .map(|v| {
                    NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                        bad("INVALID_DATE", &format!("`{name}` must be a day as YYYY-MM-DD"))
                    })
                })
                .transpose()
        };
        let to = day("to")?.unwrap_or(today);
        let from = match day("from")? {
            Some(from) => from,
            None => to.checked_sub_days(Days::new(DEFAULT_DAYS - 1)).unwrap_or(to),
        };
        if from > to {
            return Err(bad("INVALID_DATE", "`from` must not be after `to`"));
        }
        if to.signed_duration_since(from).num_days() >= MAX_DAYS as i64 {
            return Err(bad("INVALID_DATE", &format!("A range is at most {MAX_DAYS} days")));
        }
        let period = match get("period") {
            None | Some("day") => Period::Day,
            Some("week") => Period::Week,
            Some(_) => return Err(bad("INVALID_PERIOD", "`period` is `day` or `week`")),
        };
        let background = get("background")
            .map(|v| {
                let (question, value) = v.split_once(':').unwrap_or((v, ""));
                let known = questionnaire.question(question).is_some_and(|q| {
                    q.kind != Kind::Text && q.options.iter().any(|o| o.value == value)
                });
                if !known {
                    return Err(bad(
                        "INVALID_BACKGROUND",
                        "`background` is `question:option`, an option of the questionnaire",
                    ));
                }
                Ok((question.to_owned(), value.to_owned()))
            })
            .transpose()?;
        let csv = match get("format") {
            None | Some("html") => None,
            Some("csv") => Some(get("table").unwrap_or_default().to_owned()),
            Some(_) => return Err(bad("INVALID_FORMAT", "`format` is `html` or `csv`")),
        };
        Ok(Self { from, to, period, background, csv })
    }

    /// The store's filter: from the first day's start to the end of the last.
    pub fn filter(&self) -> InsightFilter {
        let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        let after = self.to.checked_add_days(Days::new(1)).unwrap_or(self.to);
        InsightFilter {
            from: start(self.from),
            to: start(after),
            background: self.background.clone(),
        }
    }

    /// This page's filters as a query string (without `format`), for links and forms.
    pub fn query(&self) -> String {
        let mut pairs = vec![
            ("from", self.from.to_string()),
            ("to", self.to.to_string()),
            ("period", if self.period == Period::Week { "week" } else { "day" }.to_owned()),
        ];
        if let Some((q, v)) = &self.background {
            pairs.push(("background", format!("{q}:{v}")));
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// Today, in UTC.
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn bad(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> ApiResult<Params> {
        let today = NaiveDate::from_ymd_opt(2026, 12, 8).expect("day");
        Params::parse(Some(query), &Questionnaire::default(), today)
    }

    fn code(result: ApiResult<Params>) -> &'static str {
        match result {
            Err(ApiError::Client { status, code, .. }) if status == StatusCode::BAD_REQUEST => code,
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_the_last_thirty_days_by_day() {
        let p = parse("").expect("valid");
        assert_eq!(
            (p.from.to_string(), p.to.to_string()),
            ("2026-11-09".into(), "2026-12-08".into())
        );
        assert_eq!(p.period, Period::Day);
        assert_eq!(p.background, None);
        let f = p.filter();
        assert_eq!(f.to.to_rfc3339(), "2026-12-09T00:00:00+00:00");
    }

    #[test]
    fn filters_are_read_and_written_back() {
        let p = parse("from=2026-12-01&to=2026-12-07&period=week&background=softwareExperience%3Anone&format=csv&table=signups")
            .expect("valid");
        assert_eq!(p.background, Some(("softwareExperience".into(), "none".into())));
        assert_eq!(p.csv.as_deref(), Some("signups"));
        assert_eq!(
            p.query(),
            "from=2026-12-01&to=2026-12-07&period=week&background=softwareExperience%3Anone"
        );
    }

    #[test]
    fn mistakes_are_400s() {
        assert_eq!(code(parse("from=yesterday")), "INVALID_DATE");
        assert_eq!(code(parse("from=2026-12-08&to=2026-12-01")), "INVALID_DATE");
        assert_eq!(code(parse("from=2020-01-01&to=2026-12-01")), "INVALID_DATE");
        assert_eq!(code(parse("period=month")), "INVALID_PERIOD");
        assert_eq!(code(parse("background=softwareExperience:wizard")), "INVALID_BACKGROUND");
        assert_eq!(code(parse("background=learningGoals:walk")), "INVALID_BACKGROUND");
        assert_eq!(code(parse("format=xml")), "INVALID_FORMAT");
        assert_eq!(code(parse("from=%ZZ")), "INVALID_DATE");
    }
}
