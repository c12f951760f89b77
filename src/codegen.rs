//! `chat --print`: the request chat would send, written as a runnable program (curl, Python or
//! TypeScript with the official `openai` SDKs) or a raw `.http` request. The key is always a
//! reference to `OMNIVA_API_KEY`, never its value; the body is the one chat sends, to the byte as a
//! JSON value, whatever the prompt holds.

use reqwest::Url;
use serde_json::Value;

use crate::api::wire::ChatRequest;

pub use crate::language::Language;

/// Bodies longer than this go to curl through a here-document: a single argument may hold at
/// most 128 KiB on Linux (MAX_ARG_STRLEN).
const ARGUMENT_LIMIT: usize = 64 * 1024;

/// The program for `request` to the API at `base` (the SDKs take the base URL; curl and the
/// `.http` request the endpoint's).
pub fn program(language: Language, base: &Url, request: &ChatRequest<'_>) -> String {
    // Serialised from the request itself, as the client serialises it: the same fields in the
    // same order.
    let compact = serde_json::to_string(request).unwrap_or_default();
    let pretty = serde_json::to_string_pretty(request).unwrap_or_default();
    let endpoint = crate::api::endpoint(base, "chat/completions");
    let base = base.as_str().trim_end_matches('/');
    match language {
        Language::Curl => curl(&endpoint, &compact, request.stream),
        Language::Python => python(base, &pretty, request.stream),
        Language::Typescript => typescript(base, &pretty, request.stream),
        Language::Http => http(&endpoint, &pretty),
    }
}

/// A POSIX shell word: single quotes, each `'` written as `'\''`. Nothing inside is expanded.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn curl(url: &str, json: &str, stream: bool) -> String {
    let mut out = String::from("curl -sS");
    if stream {
        out.push_str(" -N");
    }
    out.push_str(&format!(
        " {} \\\n  -H \"Authorization: Bearer $OMNIVA_API_KEY\" \\\n  -H 'Content-Type: application/json' \\\n",
        shell_quote(url)
    ));
    if json.len() <= ARGUMENT_LIMIT {
        out.push_str(&format!("  -d {}\n", shell_quote(json)));
    } else {
        // A quoted here-document delimiter: the shell expands nothing in the body. The body is
        // one line of JSON, so no line of it can be the delimiter.
        out.push_str(&format!("  --data-binary @- <<'TOKENFACTORY_JSON'\n{json}\nTOKENFACTORY_JSON\n"));
    }
    out
}

fn http(url: &str, pretty: &str) -> String {
    format!(
        "# VS Code REST Client; in JetBrains IDEs write {{{{$env.OMNIVA_API_KEY}}}} instead\n\
         POST {url}\n\
         Authorization: Bearer {{{{$processEnv OMNIVA_API_KEY}}}}\n\
         Content-Type: application/json\n\n\
         {pretty}\n"
    )
}

fn python(url: &str, pretty: &str, stream: bool) -> String {
    let mut out = format!(
        "import os\n\nfrom openai import OpenAI\n\nclient = OpenAI(base_url={}, api_key=os.environ[\"OMNIVA_API_KEY\"])\n\n",
        json_string(url)
    );
    let call = if stream { "stream" } else { "response" };
    out.push_str(&format!("{call} = client.chat.completions.create(\n{}\n)\n", python_arguments(pretty)));
    if stream {
        out.push_str(
            "for chunk in stream:\n    if chunk.choices and chunk.choices[0].delta.content:\n        \
             print(chunk.choices[0].delta.content, end=\"\", flush=True)\nprint()\n",
        );
    } else {
        out.push_str("print(response.choices[0].message.content)\n");
    }
    out
}

/// The request's fields as Python keyword arguments: the pretty JSON object's own lines (two
/// spaces in, `"key": value`) become `key=value`, indentation doubles to Python's four spaces,
/// and JSON's `true`, `false` and `null` become Python's. (JSON strings and numbers are Python
/// literals.) The JSON text is indented by spaces outside strings only, so this never touches a
/// string's content: a string never spans lines in JSON.
fn python_arguments(pretty: &str) -> String {
    let body = pretty.trim().strip_prefix('{').and_then(|b| b.strip_suffix('}')).unwrap_or_default();
    let lines: Vec<String> = body
        .trim_matches('\n')
        .lines()
        .map(|line| {
            let text = line.trim_start_matches(' ');
            let indent = " ".repeat(2 * (line.len() - text.len()));
            match text.strip_prefix('"').and_then(|l| l.split_once("\": ")) {
                Some((key, value)) if indent.len() == 4 && !key.contains('"') => format!("{indent}{key}={value}"),
                _ => format!("{indent}{text}"),
            }
        })
        .collect();
    let mut text = lines.join("\n");
    if !text.ends_with(',') {
        text.push(',');
    }
    python_literals(&text)
}

/// Replaces JSON's `true`, `false` and `null` outside strings with Python's words.
fn python_literals(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = json;
    while let Some(c) = rest.chars().next() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if c == '"' {
            in_string = true;
        } else if let Some((word, python)) =
            [("true", "True"), ("false", "False"), ("null", "None")].iter().find(|(w, _)| rest.starts_with(w))
        {
            out.push_str(python);
            rest = &rest[word.len()..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn typescript(url: &str, pretty: &str, stream: bool) -> String {
    // JSON is an object literal in JavaScript and TypeScript, passed inline so that the SDK's
    // types check it.
    let mut out = format!(
        "import OpenAI from \"openai\";\n\nconst client = new OpenAI({{\n  baseURL: {},\n  apiKey: process.env.OMNIVA_API_KEY,\n}});\n\n",
        json_string(url)
    );
    if stream {
        out.push_str(&format!("const stream = await client.chat.completions.create({pretty});\n"));
        out.push_str(
            "for await (const chunk of stream) {\n  process.stdout.write(chunk.choices[0]?.delta?.content ?? \"\");\n}\nprocess.stdout.write(\"\\n\");\n",
        );
    } else {
        out.push_str(&format!("const response = await client.chat.completions.create({pretty});\n"));
        out.push_str("console.log(response.choices[0].message.content);\n");
    }
    out
}

fn json_string(s: &str) -> String {
    Value::from(s).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::wire::{Message, Role};

    fn request(prompt: &str, stream: bool) -> ChatRequest<'_> {
        ChatRequest {
            model: "Omniva/Kimi-K2.6".into(),
            messages: vec![Message::new(Role::User, prompt)],
            temperature: Some(0.2),
            max_tokens: None,
            stream,
            stream_options: None,
            response_format: None,
        }
    }

    fn base() -> Url {
        Url::parse("http://h/v1").expect("url")
    }

    #[test]
    fn shell_quoting_leaves_nothing_to_expand() {
        assert_eq!(shell_quote("it's $HOME `x`"), r"'it'\''s $HOME `x`'");
    }

    #[test]
    fn curl_names_the_key_by_reference_and_streams_with_no_buffer() {
        let text = program(Language::Curl, &base(), &request("hi", true));
        assert_eq!(
            text,
            "curl -sS -N 'http://h/v1/chat/completions' \\\n  -H \"Authorization: Bearer $OMNIVA_API_KEY\" \\\n  \
             -H 'Content-Type: application/json' \\\n  \
             -d '{\"model\":\"Omniva/Kimi-K2.6\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":0.2,\"stream\":true}'\n"
        );
        let long = program(Language::Curl, &base(), &request(&"x".repeat(70_000), false));
        assert!(long.contains("--data-binary @- <<'TOKENFACTORY_JSON'\n{\"model\""), "{}", &long[..200]);
        assert!(long.ends_with("}\nTOKENFACTORY_JSON\n"));
    }

    #[test]
    fn python_keyword_arguments_and_literals() {
        assert_eq!(
            python_literals(r#"[true, null, "a \"true\" null", false]"#),
            r#"[True, None, "a \"true\" null", False]"#
        );
        let text = program(Language::Python, &base(), &request("say \"null\"", false));
        assert!(text.contains("OpenAI(base_url=\"http://h/v1\", "), "{text}");
        assert!(
            text.contains(
                "response = client.chat.completions.create(\n    model=\"Omniva/Kimi-K2.6\",\n    messages=[\n        {\n            \"role\": \"user\",\n            \"content\": \"say \\\"null\\\"\"\n        }\n    ],\n    temperature=0.2,\n)\n"
            ),
            "{text}"
        );
    }
}
