//! `chat --schema`: answers that must be JSON valid against a JSON Schema, on any server. The
//! schema is stated in the system message (servers may ignore `response_format`, Token Factory's
//! does), sent as `response_format` too for servers that constrain decoding, and every answer is
//! checked here: a Markdown fence around it is taken off, then the JSON is validated (boon).

use std::path::Path;

use serde_json::Value;

/// A compiled schema for answers.
pub struct AnswerSchema {
    value: Value,
    name: String,
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

/// Why an answer is not what the schema asks for: one line per problem, each with its JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub problems: Vec<String>,
}

impl Invalid {
    pub fn summary(&self) -> String {
        self.problems.join("; ")
    }
}

/// The answer did not match the schema after every retry: exit 1, saying where it fails.
#[derive(Debug, thiserror::Error)]
#[error("the answer does not match the schema: {}", .0.summary())]
pub struct Mismatch(pub Invalid);

impl AnswerSchema {
    /// Reads a schema given inline (JSON text starting with `{`) or as a file path, and compiles
    /// it. The error says what is wrong, for a usage error.
    pub fn load(arg: &str) -> Result<AnswerSchema, String> {
        let inline = arg.trim_start().starts_with('{');
        let (text, location) = if inline {
            (arg.to_string(), "https://tokenfactory.invalid/schema.json".to_string())
        } else {
            let path = Path::new(arg);
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the schema file {arg}: {e}"))?;
            let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
            (text, absolute.display().to_string())
        };
        let value: Value = serde_json::from_str(&text).map_err(|e| {
            let source = if inline { "the inline schema".to_string() } else { format!("the schema file {arg}") };
            format!("{source} is not JSON: {e}")
        })?;
        if !value.is_object() && !value.is_boolean() {
            return Err("a JSON Schema is an object (or true/false)".into());
        }
        let mut compiler = boon::Compiler::new();
        let mut schemas = boon::Schemas::new();
        compiler.add_resource(&location, value.clone()).map_err(|e| format!("the schema cannot be used: {e}"))?;
        let index = compiler.compile(&location, &mut schemas).map_err(|e| format!("the schema is not valid: {e}"))?;
        Ok(AnswerSchema { name: schema_name(&value), value, schemas, index })
    }

    /// What the system message says, after the user's own system prompt.
    pub fn instruction(&self) -> String {
        format!(
            "Answer with a single JSON value that is valid against the JSON Schema below, and nothing else: \
             no explanation, no Markdown code fence.\n\n{}",
            self.value
        )
    }

    /// The `response_format` field, for servers that constrain decoding to the schema.
    pub fn response_format(&self) -> Value {
        serde_json::json!({
            "type": "json_schema",
            "json_schema": {"name": self.name, "schema": self.value, "strict": true},
        })
    }

    /// The answer's JSON text (without a fence around it) when it is valid.
    pub fn check<'a>(&self, answer: &'a str) -> Result<&'a str, Invalid> {
        let json = unfence(answer);
        let value: Value = serde_json::from_str(json)
            .map_err(|e| Invalid { problems: vec![format!("the answer is not JSON ({e})")] })?;
        match self.schemas.validate(&value, self.index) {
            Ok(()) => Ok(json),
            Err(e) => {
                let mut problems = Vec::new();
                leaves(&e, &mut problems);
                Err(Invalid { problems })
            }
        }
    }
}

/// The most specific errors: each leaf of boon's error tree, as `at /path: rule`.
fn leaves(e: &boon::ValidationError, out: &mut Vec<String>) {
    if e.causes.is_empty() {
        let at = e.instance_location.to_string();
        let at = if at.is_empty() { "/".to_string() } else { at };
        out.push(format!("at {at}: {}", e.kind));
    }
    for cause in &e.causes {
        leaves(cause, out);
    }
}

/// The answer without a Markdown code fence around it (```json … ``` or ``` … ```), trimmed.
pub fn unfence(answer: &str) -> &str {
    let text = answer.trim();
    let Some(rest) = text.strip_prefix("```") else { return text };
    let Some(body) = rest.strip_suffix("```") else { return text };
    // The opening line may name the language.
    match body.split_once('\n') {
        Some((lang, inner)) if !lang.contains(['{', '[', '"']) => inner.trim(),
        _ => body.trim(),
    }
}

/// `response_format` needs a name: the schema's title as an identifier, else `answer`.
fn schema_name(value: &Value) -> String {
    let title = value.get("title").and_then(Value::as_str).unwrap_or("");
    let name: String =
        title.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).take(64).collect();
    if name.trim_matches('_').is_empty() { "answer".into() } else { name }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERSON: &str = r#"{"title":"A person","type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0}},"required":["name","age"]}"#;

    #[test]
    fn valid_answers_pass_and_fences_come_off() {
        let schema = AnswerSchema::load(PERSON).expect("compiles");
        assert_eq!(schema.check(r#"{"name":"Ada","age":36}"#), Ok(r#"{"name":"Ada","age":36}"#));
        assert_eq!(schema.check("```json\n{\"name\":\"Ada\",\"age\":36}\n```\n"), Ok(r#"{"name":"Ada","age":36}"#));
        assert_eq!(schema.check("```\n{\"name\":\"Ada\",\"age\":36}\n```"), Ok(r#"{"name":"Ada","age":36}"#));
    }

    #[test]
    fn invalid_answers_name_the_path_and_the_rule() {
        let schema = AnswerSchema::load(PERSON).expect("compiles");
        let invalid = schema.check(r#"{"name":7,"age":-1}"#).expect_err("invalid");
        assert!(
            invalid.problems.iter().any(|p| p.starts_with("at /name: ") && p.contains("want string")),
            "{invalid:?}"
        );
        assert!(invalid.problems.iter().any(|p| p == "at /age: must be >=0, but got -1"), "{invalid:?}");
        let missing = schema.check(r#"{"name":"Ada"}"#).expect_err("invalid");
        assert!(missing.summary().contains("at /: missing properties 'age'"), "{missing:?}");
        let prose = schema.check("Sure! Here it is.").expect_err("not JSON");
        assert!(prose.summary().starts_with("the answer is not JSON (expected value at line 1 column 1)"), "{prose:?}");
    }

    #[test]
    fn names_and_bad_schemas() {
        assert_eq!(AnswerSchema::load(PERSON).expect("ok").response_format()["json_schema"]["name"], "A_person");
        assert!(AnswerSchema::load("{\"type\": 12}").is_err());
        let error = |arg: &str| AnswerSchema::load(arg).err().unwrap_or_default();
        assert!(error("{nope").starts_with("the inline schema is not JSON"));
        assert!(error("/nonexistent/schema.json").starts_with("cannot read the schema file"));
    }
}
