//! Decodes an OpenAI chat-completions event stream: `data: {chunk}` events separated by
//! blank lines, each chunk's `choices[0].delta.content` being the next piece of text, and
//! `data: [DONE]` at the end. Bytes arrive in arbitrary pieces, so lines are reassembled
//! before decoding (a UTF-8 character may straddle two pieces).

use serde::Deserialize;

use crate::error::{Result, TutorError};

/// A line longer than this is not an event stream.
const MAX_LINE: usize = 1 << 20;

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Event {
    Text(String),
    Done,
}

#[derive(Debug, Default)]
pub(super) struct Decoder {
    line: Vec<u8>,
    data: Option<String>,
    /// A chunk carried a `finish_reason`: the answer is complete even if `[DONE]` is missing.
    pub finished: bool,
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Delta,
    finish_reason: Option<String>,
}

#[derive(Default, Deserialize)]
struct Delta {
    content: Option<String>,
}

impl Decoder {
    /// The events completed by `bytes`.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<Event>> {
        let mut events = Vec::new();
        for &byte in bytes {
            if byte != b'\n' {
                if self.line.len() >= MAX_LINE {
                    return Err(TutorError::LlmStream("event line too long".into()));
                }
                self.line.push(byte);
                continue;
            }
            let line = std::mem::take(&mut self.line);
            events.extend(self.line_done(&line)?);
        }
        Ok(events)
    }

    /// The events left when the stream ends: an unterminated last event still counts.
    pub fn finish(&mut self) -> Result<Vec<Event>> {
        let line = std::mem::take(&mut self.line);
        let mut events: Vec<Event> = self.line_done(&line)?.into_iter().collect();
        events.extend(self.line_done(b"")?);
        Ok(events)
    }

    fn line_done(&mut self, line: &[u8]) -> Result<Option<Event>> {
        let line = std::str::from_utf8(line.strip_suffix(b"\r").unwrap_or(line))
            .map_err(|_| TutorError::LlmStream("event stream is not UTF-8".into()))?;
        if line.is_empty() {
            return match self.data.take() {
                Some(data) => self.event(&data),
                None => Ok(None),
            };
        }
        if let Some(value) = line.strip_prefix("data:") {
            let value = value.strip_prefix(' ').unwrap_or(value);
            match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            }
        }
        // Comments (`: keep-alive`) and the `event:`, `id:`, `retry:` fields carry no text.
        Ok(None)
    }

    fn event(&mut self, data: &str) -> Result<Option<Event>> {
        if data.trim() == "[DONE]" {
            return Ok(Some(Event::Done));
        }
        let chunk: Chunk = serde_json::from_str(data)
            .map_err(|e| TutorError::LlmStream(format!("malformed chunk: {e}")))?;
        if let Some(error) = chunk.error {
            let message = error
                .get("message")
                .and_then(|m| m.as_str())
                .map_or_else(|| error.to_string(), str::to_owned);
            return Err(TutorError::LlmStream(format!("the model reported an error: {message}")));
        }
        let Some(choice) = chunk.choices.into_iter().next() else { return Ok(None) };
        self.finished |= choice.finish_reason.is_some();
        Ok(choice.delta.content.filter(|c| !c.is_empty()).map(Event::Text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(content: &str) -> String {
        format!(
            "data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":{content:?}}},\"finish_reason\":null}}]}}\n\n"
        )
    }

    #[test]
    fn reassembles_events_split_anywhere() {
        let wire = format!(
            ": ping\n\n{}{}data: {{\"choices\":[{{\"delta\":{{}},\"finish_reason\":\"stop\"}}]}}\r\n\r\ndata: [DONE]\n\n",
            chunk("Hé"),
            chunk("llo")
        );
        for split in 1..wire.len() {
            let mut decoder = Decoder::default();
            let (a, b) = wire.as_bytes().split_at(split);
            let mut events = decoder.feed(a).expect("valid");
            events.extend(decoder.feed(b).expect("valid"));
            assert_eq!(
                events,
                [Event::Text("Hé".into()), Event::Text("llo".into()), Event::Done],
                "split at {split}"
            );
            assert!(decoder.finished);
        }
    }

    #[test]
    fn malformed_and_error_chunks_are_errors() {
        assert!(matches!(
            Decoder::default().feed(b"data: {nope\n\n"),
            Err(TutorError::LlmStream(_))
        ));
        let err = Decoder::default().feed(b"data: {\"error\":{\"message\":\"overloaded\"}}\n\n");
        assert!(matches!(err, Err(TutorError::LlmStream(m)) if m.contains("overloaded")));
    }

    #[test]
    fn an_unterminated_last_event_is_kept() {
        let mut decoder = Decoder::default();
        assert!(decoder.feed(b"data: [DONE]").expect("valid").is_empty());
        assert_eq!(decoder.finish().expect("valid"), [Event::Done]);
    }
}
