//! One line of a results file, read for what identifies it: the input it answered (its ID and a
//! fingerprint of what was sent) and whether it holds an error. The rest (a response, a vector)
//! is skipped without being built: resuming a file of vectors reads gigabytes of numbers.

use serde::Deserialize;

use super::super::fingerprint;

/// Which command's results a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `batch run`: OpenAI batch-output lines, `{"id","custom_id","response","error"}`; the `id`
    /// is `batch_req_` and the request's fingerprint.
    Batch,
    /// `embed --lines`: `{"index","text"|"hash","embedding"|"error"}`.
    Embed,
}

/// What a result line answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// The input's ID (`custom_id`, or the `index` as text).
    pub id: String,
    /// The fingerprint of what was sent for it.
    pub binding: u64,
    pub failed: bool,
}

/// A field that may be missing, `null`, or hold a value (its value is not kept).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Field {
    #[default]
    Missing,
    Null,
    Value,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Field, D::Error> {
        let value: Option<serde::de::IgnoredAny> = Option::deserialize(d)?;
        Ok(if value.is_some() { Field::Value } else { Field::Null })
    }
}

#[derive(Deserialize)]
struct Fields {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    custom_id: Option<String>,
    #[serde(default)]
    index: Option<u64>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    hash: Option<String>,
    #[serde(default)]
    response: Field,
    #[serde(default)]
    embedding: Field,
    #[serde(default)]
    error: Field,
    /// A batch input line has these, and no response.
    #[serde(default)]
    body: Field,
}

/// The `id` of a batch result line for a request of fingerprint `binding`.
pub fn batch_id(binding: u64) -> String {
    format!("batch_req_{binding:016x}")
}

/// The fingerprint an embed line carries instead of its text (`--no-text`), as text.
pub fn text_hash(text: &str) -> String {
    format!("{:016x}", fingerprint(text.as_bytes()))
}

/// What `line` answered, or why it is not a result line of `kind`.
pub fn read(line: &[u8], kind: Kind) -> Result<Answered, &'static str> {
    let fields: Fields = serde_json::from_slice(line).map_err(|_| "not JSON")?;
    match kind {
        Kind::Batch => {
            let id = fields.custom_id.ok_or("it has no custom_id")?;
            if fields.response == Field::Missing && fields.error == Field::Missing {
                return Err(if fields.body == Field::Value {
                    "a request, not a result (it has a body and no response)"
                } else {
                    "it has neither a response nor an error"
                });
            }
            let binding = fields
                .id
                .as_deref()
                .and_then(|id| id.strip_prefix("batch_req_"))
                .and_then(|hex| u64::from_str_radix(hex, 16).ok())
                .ok_or("its id is not one this version of tokenfactory wrote")?;
            Ok(Answered { id, binding, failed: fields.error == Field::Value })
        }
        Kind::Embed => {
            let index = fields.index.ok_or("it has no index")?;
            if fields.embedding == Field::Missing && fields.error == Field::Missing {
                return Err("it has neither an embedding nor an error");
            }
            let binding = match (fields.text, fields.hash) {
                (Some(text), _) => fingerprint(text.as_bytes()),
                (None, Some(hash)) => {
                    u64::from_str_radix(&hash, 16).map_err(|_| "its hash is not one tokenfactory wrote")?
                }
                (None, None) => return Err("it has neither a text nor a hash"),
            };
            Ok(Answered { id: index.to_string(), binding, failed: fields.error == Field::Value })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_lines_carry_their_id_binding_and_outcome() {
        let ok =
            format!(r#"{{"id":"{}","custom_id":"t-1","response":{{"status_code":200}},"error":null}}"#, batch_id(42));
        assert_eq!(read(ok.as_bytes(), Kind::Batch), Ok(Answered { id: "t-1".into(), binding: 42, failed: false }));
        let failed =
            format!(r#"{{"id":"{}","custom_id":"t-2","response":null,"error":{{"code":"503"}}}}"#, batch_id(7));
        assert!(read(failed.as_bytes(), Kind::Batch).expect("a result").failed);
        let request = r#"{"custom_id":"t-1","method":"POST","url":"/v1/chat/completions","body":{}}"#;
        assert_eq!(
            read(request.as_bytes(), Kind::Batch),
            Err("a request, not a result (it has a body and no response)")
        );
        assert_eq!(read(b"what is RAG?", Kind::Batch), Err("not JSON"));
        let old = r#"{"id":"batch_req_x","custom_id":"1","response":{},"error":null}"#;
        assert_eq!(read(old.as_bytes(), Kind::Batch), Err("its id is not one this version of tokenfactory wrote"));
    }

    #[test]
    fn embed_lines_are_bound_by_their_text_or_its_hash() {
        let with_text = read(br#"{"index":3,"text":"hello","embedding":[1,2]}"#, Kind::Embed).expect("a result");
        let hashed = format!(r#"{{"index":3,"hash":"{}","embedding":[1,2]}}"#, text_hash("hello"));
        assert_eq!(read(hashed.as_bytes(), Kind::Embed), Ok(with_text.clone()));
        assert_eq!(with_text, Answered { id: "3".into(), binding: fingerprint(b"hello"), failed: false });
        assert!(read(br#"{"index":1,"text":"x","error":{"code":"400"}}"#, Kind::Embed).expect("a result").failed);
        assert!(read(br#"{"index":1,"text":"x"}"#, Kind::Embed).is_err());
    }
}
