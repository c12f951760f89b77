//! `embed`: the request bodies (one text, lines in batches, --dimensions, the model precedence),
//! vectors matched by `index` whatever order the server sends them in, requests too large split
//! until they pass, resume after SIGKILL, model errors with the embeddings hint, empty input, and
//! `batch run` and `doctor --embeddings` on the embeddings endpoint.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::api_server::{Answer, ApiServer, Arrival};
use crate::harness::{KEY, assert_no_key, live, run, tokenfactory, with_key};

fn temp(name: &str, content: &[u8]) -> PathBuf {
    let path = crate::harness::fresh_home().join(name);
    std::fs::write(&path, content).expect("write");
    path
}

/// The inputs of a request, whether one string or an array.
fn inputs_of(body: &Value) -> Vec<String> {
    match &body["input"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().map(|i| i.as_str().expect("a string input").to_string()).collect(),
        other => panic!("input is {other}"),
    }
}

/// A vector that tells which text it is for: its length and its byte sum.
fn vector_of(text: &str) -> Value {
    json!([text.len(), text.bytes().map(u64::from).sum::<u64>(), 0.5])
}

/// An embeddings reply with `data` in reversed index order (a server may send any order).
fn reversed_reply(arrival: &Arrival) -> Answer {
    let inputs = inputs_of(&arrival.body);
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .rev()
        .map(|(i, t)| json!({"object": "embedding", "index": i, "embedding": vector_of(t)}))
        .collect();
    let tokens = inputs.len() * 3;
    Answer::json(
        200,
        json!({"object": "list", "data": data, "model": arrival.body["model"], "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}),
    )
}

/// A pseudo-random delay from the request's first input, so requests finish out of order.
fn jitter(arrival: &Arrival) -> Duration {
    let first = inputs_of(&arrival.body).into_iter().next().unwrap_or_default();
    Duration::from_millis(first.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))) % 31)
}

fn result_lines(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l:?}"))).collect()
}

/// Checks that `lines` are `texts` in order, each with its own vector.
fn assert_in_order(lines: &[Value], texts: &[String]) {
    assert_eq!(lines.len(), texts.len());
    for (i, (line, text)) in lines.iter().zip(texts).enumerate() {
        assert_eq!(line, &json!({"index": i, "text": text, "embedding": vector_of(text)}), "line {i}");
    }
}

#[test]
fn one_text_prints_its_vector_as_sent_and_the_body_has_the_text_and_dimensions() {
    let raw = r#"{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1, -2.5e-3, 3]}],"model":"BAAI/bge-large-en-v1.5","usage":{"prompt_tokens":4,"total_tokens":4}}"#;
    let server =
        ApiServer::start(move |_| Answer { status: 200, headers: Vec::new(), body: raw.into(), delay: Duration::ZERO });
    let (code, stdout, stderr) = run(with_key(&server.base()).args(["embed", "hello", "world", "--dimensions", "256"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "[0.1, -2.5e-3, 3]\n", "the numbers as the server wrote them");
    assert_eq!(stderr, "");
    let arrival = &server.arrivals()[0];
    assert_eq!(arrival.path, "/v1/embeddings");
    assert_eq!(arrival.body, json!({"model": "BAAI/bge-large-en-v1.5", "input": "hello world", "dimensions": 256}));

    let (code, stdout, _) = run(with_key(&server.base()).args(["embed", "--json", "hi"]));
    assert_eq!(code, 0);
    assert_eq!(stdout, format!("{raw}\n"), "--json: the server's object as received");

    let (code, _, stderr) =
        run(with_key(&server.base()).args(["embed", "summarize:", "--stats"]).write_stdin("a passage\n"));
    assert_eq!(code, 0);
    assert_eq!(server.arrivals()[2].body["input"], json!("a passage\n\nsummarize:"), "stdin first, as in chat");
    assert!(
        stderr.starts_with("model: BAAI/bge-large-en-v1.5; vectors: 1; dimensions: 3; tokens: 4; time: "),
        "{stderr}"
    );
}

#[test]
fn the_model_is_the_flag_then_omniva_embedding_model_then_the_default_never_omniva_model() {
    let server = ApiServer::start(reversed_reply);
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 3] = [
        (&["-m", "flag-model"], &[("OMNIVA_EMBEDDING_MODEL", "env-model")], "flag-model"),
        (&[], &[("OMNIVA_EMBEDDING_MODEL", "env-model"), ("OMNIVA_MODEL", "chat-model")], "env-model"),
        (&[], &[("OMNIVA_MODEL", "chat-model")], "BAAI/bge-large-en-v1.5"),
    ];
    for (i, (flags, env, _)) in cases.iter().enumerate() {
        let mut cmd = with_key(&server.base());
        cmd.arg("embed").args(*flags).arg("text");
        for (k, v) in *env {
            cmd.env(k, v);
        }
        let (code, _, stderr) = run(&mut cmd);
        assert_eq!(code, 0, "case {i}: {stderr}");
    }
    let models: Vec<Value> = server.arrivals().iter().map(|a| a.body["model"].clone()).collect();
    let expected: Vec<Value> = cases.iter().map(|(_, _, m)| json!(m)).collect();
    assert_eq!(models, expected);
}

#[test]
fn lines_go_in_batches_of_batch_size_and_come_out_in_input_order_whatever_the_server_order() {
    let server = ApiServer::start(|a| reversed_reply(a).after(jitter(a)));
    let texts: Vec<String> = (0..23).map(|i| format!("passage number {i}")).collect();
    // Empty and blank lines are not inputs; CRLF line ends are not part of the text.
    let mut file = String::new();
    for (i, t) in texts.iter().enumerate() {
        file.push_str(t);
        file.push_str(if i % 5 == 0 { "\r\n\n  \n" } else { "\n" });
    }
    let file = temp("passages.txt", file.as_bytes());
    let (code, stdout, stderr) = run(with_key(&server.base())
        .args(["embed", "--batch-size", "5", "-j", "3", "--dimensions", "64", "--stats", "--lines"])
        .arg(&file));
    assert_eq!(code, 0, "{stderr}");
    assert_in_order(&result_lines(&stdout), &texts);
    let mut bodies: Vec<Value> = server.arrivals().into_iter().map(|a| a.body).collect();
    bodies.sort_by_key(|b| inputs_of(b)[0].split(' ').nth(2).and_then(|n| n.parse::<u32>().ok()));
    let expected: Vec<Value> = texts
        .chunks(5)
        .map(|chunk| json!({"model": "BAAI/bge-large-en-v1.5", "input": chunk, "dimensions": 64}))
        .collect();
    assert_eq!(bodies, expected, "23 inputs in requests of 5, 5, 5, 5 and 3");
    assert!(stderr.starts_with("tokenfactory: sent 23 inputs in "), "{stderr}");
    assert!(stderr.contains(": 23 answered, 0 failed; tokens 69 in, 0 out\n"), "{stderr}");
    assert!(
        stderr.contains("model: BAAI/bge-large-en-v1.5; vectors: 23; dimensions: 3; tokens: 69; time: "),
        "{stderr}"
    );

    let (code, stdout, _) =
        run(with_key(&server.base()).args(["embed", "--lines", "-", "--no-text"]).write_stdin("one\n\ntwo\n"));
    assert_eq!(code, 0);
    assert_eq!(
        result_lines(&stdout),
        [json!({"index": 0, "embedding": vector_of("one")}), json!({"index": 1, "embedding": vector_of("two")})]
    );
}

#[test]
fn a_request_too_large_is_split_until_it_passes_and_every_line_is_answered_once() {
    const MOST: usize = 3;
    let server = ApiServer::start(|a| {
        if inputs_of(&a.body).len() > MOST {
            Answer::json(
                413,
                json!({"error": {"message": "request entity too large", "type": "invalid_request_error"}}),
            )
        } else {
            reversed_reply(a)
        }
    });
    let texts: Vec<String> = (0..20).map(|i| format!("line {i}")).collect();
    let file = temp("large.txt", (texts.join("\n") + "\n").as_bytes());
    let (code, stdout, stderr) =
        run(with_key(&server.base()).args(["embed", "--batch-size", "8", "-j", "2", "--lines"]).arg(&file));
    assert_eq!(code, 0, "{stderr}");
    assert_in_order(&result_lines(&stdout), &texts);
    let mut answered: Vec<String> =
        server.arrivals().iter().map(|a| inputs_of(&a.body)).filter(|inputs| inputs.len() <= MOST).flatten().collect();
    answered.sort();
    let mut want = texts.clone();
    want.sort();
    assert_eq!(answered, want, "each line in exactly one accepted request");
}

#[test]
fn a_line_longer_than_the_model_reads_fails_alone_and_its_error_is_written_without_the_key() {
    let server = ApiServer::start(|a| {
        if inputs_of(&a.body).iter().any(|t| t.contains("LONG")) {
            Answer::json(
                400,
                json!({"error": {"message": format!("input is too long for key {KEY}"), "code": "context_length_exceeded"}}),
            )
        } else {
            reversed_reply(a)
        }
    });
    let texts: Vec<String> =
        (0..10).map(|i| if i == 6 { "a LONG line".to_string() } else { format!("t{i}") }).collect();
    let file = temp("long.txt", (texts.join("\n") + "\n").as_bytes());
    let out = file.with_file_name("long.jsonl");
    let (code, stdout, stderr) =
        run(with_key(&server.base()).args(["embed", "--batch-size", "4", "-o"]).arg(&out).arg("--lines").arg(&file));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "");
    let written = std::fs::read_to_string(&out).expect("results");
    assert_no_key(&written);
    assert_no_key(&stderr);
    let lines = result_lines(&written);
    assert_eq!(lines.len(), 10);
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["index"], json!(i));
        if i == 6 {
            assert_eq!(line["text"], json!("a LONG line"));
            assert_eq!(line["error"]["code"], json!("context"));
            assert!(line.get("embedding").is_none());
            let message = line["error"]["message"].as_str().expect("message");
            assert!(message.contains("input is too long for key sk-o"), "{message}");
        } else {
            assert_eq!(line["embedding"], vector_of(&texts[i]));
        }
    }
    assert!(stderr.contains(": 9 answered, 1 failed; "), "{stderr}");
    assert!(stderr.contains("failed (1 × context): 6; the results file holds each error\n"), "{stderr}");

    // Once the line is shortened, --retry-failed sends it alone again.
    let texts: Vec<String> = texts.iter().map(|t| t.replace("LONG", "short")).collect();
    std::fs::write(&file, texts.join("\n") + "\n").expect("rewrite");
    let healthy = ApiServer::start(reversed_reply);
    let args = ["embed", "--batch-size", "4", "--retry-failed", "-o"];
    let (code, _, stderr) = run(with_key(&healthy.base()).args(args).arg(&out).arg("--lines").arg(&file));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("retrying: 1 failed line taken out of "), "{stderr}");
    let arrivals = healthy.arrivals();
    assert_eq!(arrivals.len(), 1);
    assert_eq!(inputs_of(&arrivals[0].body), ["a short line"]);
    let lines = result_lines(&std::fs::read_to_string(&out).expect("results"));
    let indexes: Vec<u64> = lines.iter().filter_map(|l| l["index"].as_u64()).collect();
    assert_eq!(indexes, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "the retried line back in its place");
    assert_eq!(lines[6]["embedding"], vector_of("a short line"));
}

/// Runs `embed --lines` into `out` as a child, killing it once the file holds `lines` lines.
fn killed_after(base: &str, file: &Path, out: &Path, lines: usize) -> std::process::ExitStatus {
    let mut child = live(base)
        .args(["embed", "--batch-size", "5", "-j", "2", "-o"])
        .arg(out)
        .arg("--lines")
        .arg(file)
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::fs::read(out).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count()) < lines {
        assert!(std::time::Instant::now() < deadline, "{lines} lines never arrived");
        std::thread::sleep(Duration::from_millis(2));
    }
    crate::harness::send_signal(&child, libc::SIGKILL);
    child.wait().expect("exit")
}

#[test]
fn killed_at_any_moment_a_rerun_ends_with_every_line_once_in_input_order() {
    let server = ApiServer::start(|a| reversed_reply(a).after(jitter(a)));
    let texts: Vec<String> = (0..200).map(|i| format!("text {i}")).collect();
    let file = temp("kill.txt", (texts.join("\n") + "\n").as_bytes());
    for (round, lines) in [5usize, 60, 150].into_iter().enumerate() {
        let out = file.with_file_name(format!("kill-{round}.jsonl"));
        let status = killed_after(&server.base(), &file, &out, lines);
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        let partial = std::fs::read_to_string(&out).unwrap_or_default().lines().filter(|l| l.ends_with('}')).count();
        let (code, _, stderr) = run(with_key(&server.base())
            .args(["embed", "--batch-size", "5", "-j", "2", "-o"])
            .arg(&out)
            .arg("--lines")
            .arg(&file));
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains(&format!("holds {partial} of 200 inputs already")), "{stderr}");
        // Row i pairs with passage i: what the README's numpy recipe relies on.
        assert_in_order(&result_lines(&std::fs::read_to_string(&out).expect("results")), &texts);
    }
}

#[test]
fn a_results_file_of_another_input_is_refused_and_restart_replaces_it() {
    let server = ApiServer::start(reversed_reply);
    let first = temp("a.txt", b"alpha\nbeta\n");
    let out = first.with_file_name("vectors.jsonl");
    let (code, _, stderr) = run(with_key(&server.base()).args(["embed", "-o"]).arg(&out).arg("--lines").arg(&first));
    assert_eq!(code, 0, "{stderr}");
    let kept = std::fs::read_to_string(&out).expect("results");
    // Another input (a line inserted at the top) against the same results: refused, untouched.
    let second = temp("b.txt", b"gamma\nalpha\nbeta\n");
    let (code, stdout, stderr) =
        run(with_key(&server.base()).args(["embed", "-o"]).arg(&out).arg("--lines").arg(&second));
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert!(
        stderr.contains("line 1 answered another request than line 1 of ")
            && stderr.contains("the results belong to another input, or the input changed"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: give -o a new file, or --restart to replace this one"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).expect("results"), kept);
    assert_eq!(server.arrivals().len(), 1, "nothing sent for the refused run");
    let (code, _, stderr) =
        run(with_key(&server.base()).args(["embed", "--restart", "-o"]).arg(&out).arg("--lines").arg(&second));
    assert_eq!(code, 0, "{stderr}");
    let texts: Vec<String> = ["gamma", "alpha", "beta"].iter().map(|s| s.to_string()).collect();
    assert_in_order(&result_lines(&std::fs::read_to_string(&out).expect("results")), &texts);
}

#[test]
fn without_text_the_lines_carry_a_hash_that_binds_them_to_their_input() {
    let server = ApiServer::start(reversed_reply);
    let file = temp("plain.txt", b"one\ntwo\n");
    let out = file.with_file_name("hashed.jsonl");
    let args = ["embed", "--no-text", "-o"];
    let (code, _, stderr) = run(with_key(&server.base()).args(args).arg(&out).arg("--lines").arg(&file));
    assert_eq!(code, 0, "{stderr}");
    let lines = result_lines(&std::fs::read_to_string(&out).expect("results"));
    assert!(lines.iter().all(|l| l.get("text").is_none() && l["hash"].as_str().is_some_and(|h| h.len() == 16)));
    std::fs::write(&file, "one\nTWO\n").expect("change a line");
    let (code, _, stderr) = run(with_key(&server.base()).args(args).arg(&out).arg("--lines").arg(&file));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("line 2 answered another request than line 2 of "), "{stderr}");
}

#[test]
fn an_unknown_model_or_a_chat_model_exits_5_with_the_embeddings_hint_and_nothing_written() {
    let server = ApiServer::start(|a| match a.body["model"].as_str() {
        Some("Omniva/Kimi-K2.6") => Answer::json(
            400,
            json!({"error": {"message": "Model Omniva/Kimi-K2.6 does not support embeddings", "type": "invalid_request_error"}}),
        ),
        _ => Answer::json(
            404,
            json!({"error": {"message": "The model `no-such` does not exist", "code": "model_not_found"}}),
        ),
    });
    let file = temp("m.txt", (0..400).map(|i| format!("l{i}\n")).collect::<String>().as_bytes());
    for (flags, model) in [
        (&["embed", "-m", "no-such", "x"][..], "no-such"),
        (&["embed", "-m", "Omniva/Kimi-K2.6", "x"][..], "Omniva/Kimi-K2.6"),
        (&["embed", "-m", "no-such", "--batch-size", "4", "--lines"][..], "no-such"),
    ] {
        let before = server.arrivals().len();
        let mut cmd = with_key(&server.base());
        cmd.args(flags);
        if flags.contains(&"--lines") {
            cmd.arg(&file);
        }
        let (code, stdout, stderr) = run(&mut cmd);
        assert_eq!(code, 5, "{stderr}");
        assert_eq!(stdout, "");
        assert!(
            stderr.contains(&format!(
                "hint: the server does not serve {model} for embeddings: embed needs an embeddings model \
                 (such as BAAI/bge-large-en-v1.5), not a chat model\n"
            )),
            "{stderr}"
        );
        assert!(
            stderr.contains(
                "hint: find one with `tokenfactory models` (servers other than Token Factory may not serve the default) \
                 and pass it with -m or OMNIVA_EMBEDDING_MODEL\n"
            ),
            "{stderr}"
        );
        // The first answer stops the run: only the requests sent beside the first (-j 8 of the 100
        // the file needs) go out.
        let sent = server.arrivals().len() - before;
        assert!((1..=8).contains(&sent), "{sent} requests");
    }
}

#[test]
fn empty_input_is_a_usage_error_and_nothing_is_sent() {
    let server = ApiServer::start(reversed_reply);
    let blank = temp("blank.txt", b"\n  \n\t\n");
    let (code, stdout, stderr) = run(with_key(&server.base()).args(["embed", "--lines"]).arg(&blank));
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert_eq!(stderr, format!("tokenfactory: error: {} holds no input: every line is empty\n", blank.display()));
    let binary = temp("binary.txt", b"fine\n\xff\xfe\nfine too\n");
    let (code, _, stderr) = run(with_key(&server.base()).args(["embed", "--lines"]).arg(&binary));
    assert_eq!(code, 2);
    assert!(stderr.contains("has lines embed cannot read\n"), "{stderr}");
    assert!(stderr.contains("line 2: is not UTF-8 text"), "{stderr}");
    let (code, _, stderr) = run(tokenfactory().env("OMNIVA_API_KEY", KEY).args(["embed", "   "]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.starts_with("tokenfactory: error: the text is blank\n"), "{stderr}");
    let (code, _, stderr) = run(tokenfactory().env("OMNIVA_API_KEY", KEY).args(["embed", "--no-stdin"]));
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        stderr,
        "tokenfactory: error: no text: give it as arguments or pipe it on stdin\n  hint: try: tokenfactory embed \
         \"What is retrieval-augmented generation?\"  or  tokenfactory embed --lines passages.txt\n"
    );
    // Options of --lines are refused with a single text rather than ignored.
    for option in [&["-o", "vectors.jsonl"][..], &["--no-text"], &["-j", "4"], &["--batch-size", "8"]] {
        let (code, _, stderr) = run(tokenfactory().env("OMNIVA_API_KEY", KEY).arg("embed").args(option).arg("hello"));
        assert_eq!(code, 2, "{option:?}: {stderr}");
        assert!(
            stderr.contains("required arguments were not provided") && stderr.contains("--lines"),
            "{option:?}: {stderr}"
        );
    }
    assert!(server.arrivals().is_empty());
}

#[test]
fn batch_run_sends_openai_embeddings_lines_to_the_embeddings_endpoint() {
    let server = ApiServer::start(|a| reversed_reply(a).after(jitter(a)));
    let lines: String = (0..12)
        .map(|i| {
            let mut body = json!({"input": [format!("first {i}"), format!("second {i}")]});
            if i == 3 {
                body["model"] = json!("own-model");
            }
            format!(
                "{}\n",
                json!({"custom_id": format!("e-{i}"), "method": "POST", "url": "/v1/embeddings", "body": body})
            )
        })
        .collect();
    let file = temp("embeddings.jsonl", lines.as_bytes());
    let (code, stdout, stderr) = run(with_key(&server.base()).args(["batch", "run", "-j", "4"]).arg(&file));
    assert_eq!(code, 0, "{stderr}");
    let results = result_lines(&stdout);
    assert_eq!(results.len(), 12);
    for (i, result) in results.iter().enumerate() {
        assert_eq!(result["custom_id"], json!(format!("e-{i}")));
        let data = &result["response"]["body"]["data"];
        assert_eq!(data[1], json!({"object": "embedding", "index": 0, "embedding": vector_of(&format!("first {i}"))}));
    }
    let arrivals = server.arrivals();
    assert!(arrivals.iter().all(|a| a.path == "/v1/embeddings"));
    let models: Vec<&str> = arrivals.iter().filter_map(|a| a.body["model"].as_str()).collect();
    assert_eq!(models.iter().filter(|m| **m == "own-model").count(), 1);
    assert_eq!(models.iter().filter(|m| **m == "BAAI/bge-large-en-v1.5").count(), 11);
}

#[test]
fn a_key_refused_midway_stops_the_run_keeps_what_was_written_and_a_rerun_finishes() {
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = served.clone();
    let server = ApiServer::start(move |a| {
        if count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 6 {
            reversed_reply(a)
        } else {
            Answer::json(401, json!({"error": {"message": "Invalid API key", "code": "invalid_api_key"}}))
        }
    });
    let texts: Vec<String> = (0..200).map(|i| format!("row {i}")).collect();
    let file = temp("midway.txt", (texts.join("\n") + "\n").as_bytes());
    let out = file.with_file_name("midway.jsonl");
    let args = ["embed", "--batch-size", "5", "-j", "1", "-o"];
    let (code, stdout, stderr) = run(with_key(&server.base()).args(args).arg(&out).arg("--lines").arg(&file));
    assert_eq!(code, 4, "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("401 Unauthorized from "), "{stderr}");
    assert_in_order(&result_lines(&std::fs::read_to_string(&out).expect("results")), &texts[..30]);
    assert_eq!(server.arrivals().len(), 7, "nothing sent after the 401");

    let healthy = ApiServer::start(reversed_reply);
    let (code, _, stderr) = run(with_key(&healthy.base()).args(args).arg(&out).arg("--lines").arg(&file));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("midway.jsonl holds 30 of 200 inputs already"), "{stderr}");
    assert_in_order(&result_lines(&std::fs::read_to_string(&out).expect("results")), &texts);
    assert_eq!(healthy.arrivals().len(), 34, "only the 170 missing lines, 5 to a request");
}

#[test]
fn a_progress_bar_on_a_terminal_stderr_and_only_vectors_on_stdout() {
    let server = ApiServer::start(|a| reversed_reply(a).after(Duration::from_millis(30)));
    let file = temp("tty.txt", (0..40).map(|i| format!("line {i}\n")).collect::<String>().as_bytes());
    let out = file.with_file_name("tty-stdout.jsonl");
    let base = server.base();
    // A terminal that says what it is (without TERM, indicatif draws nothing).
    let env = [("OMNIVA_API_KEY", KEY), ("OMNIVA_BASE_URL", base.as_str()), ("TERM", "xterm")];
    for colour in ["auto", "never"] {
        let file_arg = file.to_str().expect("path");
        let args = ["embed", "--color", colour, "--lines", file_arg, "--batch-size", "2", "-j", "2"];
        let (code, terminal) = crate::harness::run_in_terminal_with_stdout_in(&args, &env, &out);
        assert_eq!(code, 0, "{terminal}");
        let stdout = std::fs::read_to_string(&out).expect("stdout");
        assert_eq!(result_lines(&stdout).len(), 40, "only JSON lines on stdout");
        assert!(terminal.contains("/40 inputs · 0 failed · "), "the bar: {terminal:?}");
        assert!(terminal.contains(" in flight (limit 2)"), "the bar: {terminal:?}");
        assert!(terminal.contains("tokenfactory: sent 40 inputs in "), "the summary: {terminal}");
        // Colour only where --color allows it: the bar is cyan by default, plain with never.
        assert_eq!(terminal.contains("\x1b[36m"), colour == "auto", "{colour}: {terminal:?}");
    }
}
