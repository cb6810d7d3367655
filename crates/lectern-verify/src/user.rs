//! Better Auth's user object (`packages/core/src/db/schema/user.ts`, 1.7.x) as it reaches a
//! verifier: inside a JWT payload, in a `get-session` answer, or as a `"user"` row.
//!
//! The three disagree on details, so parsing is lenient where it is harmless: dates come as
//! ISO strings with `Z` (JavaScript's `JSON.stringify`), with `+00:00` (PostgreSQL's
//! `to_jsonb`) or as epoch milliseconds, and `isAnonymous` is `null` for users created
//! before the anonymous plugin was enabled.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// The user fields Better Auth defines, plus everything else it put next to them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserFields {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "null_as_false")]
    pub email_verified: bool,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default, deserialize_with = "optional_date")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "optional_date")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "null_as_false")]
    pub is_anonymous: bool,
    /// `user.additionalFields` and plugin fields, e.g. `softwareBackground`.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn null_as_false<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(deserializer)?.unwrap_or(false))
}

pub(crate) fn optional_date<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(value) => {
            parse_date(&value).map(Some).ok_or_else(|| serde::de::Error::custom("invalid date"))
        }
    }
}

pub(crate) fn required_date<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<DateTime<Utc>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    parse_date(&value).ok_or_else(|| serde::de::Error::custom("invalid date"))
}

fn parse_date(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::String(text) => DateTime::parse_from_rfc3339(text)
            .map(|date| date.with_timezone(&Utc))
            .ok()
            // A `timestamp` column without time zone: Better Auth writes UTC into it.
            .or_else(|| {
                NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                    .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f"))
                    .ok()
                    .map(|naive| naive.and_utc())
            }),
        Value::Number(millis) => millis.as_i64().and_then(DateTime::from_timestamp_millis),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(json: &str) -> UserFields {
        serde_json::from_str(json).expect("user fields parse")
    }

    #[test]
    fn dates_parse_in_every_shape_better_auth_stores_them() {
        let expected = DateTime::parse_from_rfc3339("2026-11-22T05:58:52.436Z")
            .expect("valid")
            .with_timezone(&Utc);
        for shape in [
            r#""2026-11-22T05:58:52.436Z""#,
            r#""2026-11-22T05:58:52.436+00:00""#,
            r#""2026-11-22T05:58:52.436""#,
            r#""2026-11-22 05:58:52.436""#,
            "1795327132436",
        ] {
            let parsed = user(&format!(r#"{{"createdAt": {shape}}}"#));
            assert_eq!(parsed.created_at, Some(expected), "{shape}");
        }
    }

    #[test]
    fn nulls_and_unknown_fields_are_kept_apart() {
        let parsed = user(
            r#"{"id":"u1","isAnonymous":null,"image":null,"softwareBackground":"rust","hardwareBackground":null}"#,
        );
        assert!(!parsed.is_anonymous);
        assert_eq!(parsed.image, None);
        assert_eq!(parsed.extra.get("softwareBackground"), Some(&Value::from("rust")));
        assert_eq!(parsed.extra.get("hardwareBackground"), Some(&Value::Null));
        assert!(!parsed.extra.contains_key("id"));
    }

    #[test]
    fn a_date_that_is_not_one_is_an_error() {
        assert!(serde_json::from_str::<UserFields>(r#"{"createdAt":"yesterday"}"#).is_err());
        assert!(serde_json::from_str::<UserFields>(r#"{"createdAt":true}"#).is_err());
    }
}
