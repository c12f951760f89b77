//! `batch run`: the three input forms, results in input order whatever order the server answers
//! in, a server that refuses bursts (429 + Retry-After), resume after SIGKILL, bad input named by
//! line and nothing sent, and stdout that holds nothing but result lines.

use std::collections::HashMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::api_server::{Answer, ApiServer};
use crate::harness::{KEY, live, run, with_key};

fn temp(name: &str, content: &str) -> PathBuf {
    let dir = crate::harness::fresh_home();
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write");
    path
}

/// The last user message of a chat request.
fn prompt_of(body: &Value) -> String {
    body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// A completion whose answer names the prompt, so each result can be matched to its request.
fn echo(body: &Value) -> Value {
    json!({
        "model": body["model"], "choices": [{"message": {"content": format!("answer to {}", prompt_of(body))}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 7}
    })
}

/// A pseudo-random delay from the prompt's text: 0-40 ms, so answers come back shuffled.
fn jitter(body: &Value) -> Duration {
    let h = prompt_of(body).bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    Duration::from_millis(h % 41)
}

fn result_lines(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l:?}"))).collect()
}

#[test]
fn all_three_forms_give_results_in_input_order_while_answers_come_shuffled() {
    let server =
        ApiServer::start(|a| Answer::json(200, echo(&a.body)).after(jitter(&a.body)).header("x-request-id", "req_b"));
    let prompts: Vec<String> = (0..40).map(|i| format!("question {i}")).collect();
    let text = prompts.join("\n") + "\n";
    let shorthand: String = prompts.iter().map(|p| format!("{}\n", json!({"prompt": p}))).collect();
    let openai: String = prompts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let body = json!({"model": "m-x", "messages": [{"role": "user", "content": p}]});
            format!(
                "{}\n",
                json!({"custom_id": format!("t-{i}"), "method": "POST", "url": "/v1/chat/completions", "body": body})
            )
        })
        .collect();
    for (file, extra, first_id) in [
        (temp("q.txt", &text), &["--lines"][..], "1"),
        (temp("short.jsonl", &shorthand), &[][..], "1"),
        (temp("batch.jsonl", &openai), &[][..], "t-0"),
    ] {
        let (code, stdout, stderr) =
            run(with_key(&server.base()).args(["batch", "run", "-j", "8"]).args(extra).arg(&file));
        assert_eq!(code, 0, "{stderr}");
        let lines = result_lines(&stdout);
        assert_eq!(lines.len(), 40, "{stdout}");
        assert_eq!(lines[0]["custom_id"], json!(first_id));
        for (i, line) in lines.iter().enumerate() {
            assert_eq!(line["response"]["status_code"], json!(200));
            assert_eq!(line["response"]["request_id"], json!("req_b"));
            assert_eq!(line["error"], Value::Null);
            assert_eq!(
                line["response"]["body"]["choices"][0]["message"]["content"],
                json!(format!("answer to question {i}")),
                "in input order"
            );
            assert!(line["id"].as_str().is_some_and(|id| id.starts_with("batch_req_")));
        }
        assert!(stderr.starts_with("tokenfactory: sent 40 requests in "), "{stderr}");
        assert!(stderr.contains(": 40 answered, 0 failed; tokens 200 in, 280 out\n"), "{stderr}");
    }
    let first = &server.arrivals()[0];
    assert_eq!(first.path, "/v1/chat/completions");
}

#[test]
fn options_apply_to_lines_that_do_not_say_otherwise() {
    let server = ApiServer::start(|a| Answer::json(200, echo(&a.body)));
    let file = temp(
        "opts.jsonl",
        "{\"prompt\":\"a\"}\n{\"prompt\":\"b\",\"system\":\"own\",\"temperature\":1.5,\"model\":\"other\",\"id\":\"x\"}\n",
    );
    let (code, _, stderr) = run(with_key(&server.base())
        .args(["batch", "run", "-m", "chosen", "-s", "sys", "--temperature", "0.2", "--max-tokens", "9"])
        .arg(&file));
    assert_eq!(code, 0, "{stderr}");
    let mut bodies: Vec<Value> = server.arrivals().into_iter().map(|a| a.body).collect();
    bodies.sort_by_key(prompt_of);
    assert_eq!(
        bodies[0],
        json!({"model": "chosen", "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": "a"}], "temperature": 0.2, "max_tokens": 9})
    );
    assert_eq!(
        bodies[1],
        json!({"model": "other", "messages": [{"role": "system", "content": "own"}, {"role": "user", "content": "b"}], "temperature": 1.5, "max_tokens": 9})
    );
}

#[test]
fn a_server_that_refuses_bursts_gets_every_request_once_and_no_burst_again() {
    const LIMIT: usize = 3;
    let server = ApiServer::start(|a| {
        if a.in_flight > LIMIT {
            Answer::json(
                429,
                json!({"error": {"message": "too many requests in flight", "code": "rate_limit_exceeded"}}),
            )
            .header("retry-after", "1")
        } else {
            Answer::json(200, echo(&a.body)).after(Duration::from_millis(60))
        }
    });
    let file = temp("burst.txt", &(0..30).map(|i| format!("q{i}\n")).collect::<String>());
    let out = file.with_file_name("burst-results.jsonl");
    let (code, _, stderr) =
        run(with_key(&server.base()).args(["batch", "run", "--lines", "-j", "12", "-o"]).arg(&out).arg(&file));
    assert_eq!(code, 0, "{stderr}");
    let lines = result_lines(&std::fs::read_to_string(&out).expect("results"));
    let mut ids: Vec<&str> = lines.iter().map(|l| l["custom_id"].as_str().expect("id")).collect();
    assert!(lines.iter().all(|l| l["response"]["status_code"] == json!(200)), "every request ends answered");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 30, "every id once");
    let first_refusal = *server.refusals().first().expect("the burst was refused");
    // Requests sent in the first burst may still be arriving as the first 429 leaves; after the
    // client has seen it (it waits the server's second), no arrival finds more than LIMIT in flight.
    let later: Vec<usize> = server
        .arrivals()
        .iter()
        .filter(|a| a.at > first_refusal + Duration::from_millis(500))
        .map(|a| a.in_flight)
        .collect();
    assert!(!later.is_empty());
    assert!(later.iter().all(|&n| n <= LIMIT), "in flight after the first 429: {later:?}");
}

/// A server that allows `per_window` requests in each window of `window` and refuses (429) a
/// request that arrives while the window's allowance is spent; every answer says how many are
/// left and when the window resets.
fn windowed_server(per_window: usize, window: Duration) -> ApiServer {
    let state = std::sync::Mutex::new((std::time::Instant::now(), 0usize));
    ApiServer::start(move |a| {
        let mut state = state.lock().expect("lock");
        if state.0.elapsed() >= window {
            *state = (std::time::Instant::now(), 0);
        }
        let reset = window.saturating_sub(state.0.elapsed());
        // Rounded up: a client that waits this long never comes back before the window ends.
        let reset = format!("{}ms", reset.as_millis() + 1);
        if state.1 >= per_window {
            return Answer::json(
                429,
                json!({"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}}),
            )
            .header("x-ratelimit-remaining-requests", "0")
            .header("x-ratelimit-reset-requests", &reset);
        }
        state.1 += 1;
        Answer::json(200, echo(&a.body))
            .header("x-ratelimit-remaining-requests", &(per_window - state.1).to_string())
            .header("x-ratelimit-reset-requests", &reset)
    })
}

#[test]
fn rate_limit_headers_pause_before_the_server_refuses() {
    let server = windowed_server(5, Duration::from_millis(400));
    let file = temp("headers.txt", &(0..12).map(|i| format!("q{i}\n")).collect::<String>());
    let (code, stdout, stderr) = run(with_key(&server.base()).args(["batch", "run", "--lines", "-j", "1"]).arg(&file));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(result_lines(&stdout).len(), 12);
    assert!(server.refusals().is_empty(), "the client paused at zero left, so the server never had to refuse");
    assert_eq!(server.arrivals().len(), 12);
}

#[test]
fn failed_requests_are_written_with_their_error_and_the_run_goes_on() {
    let server = ApiServer::start(|a| {
        if prompt_of(&a.body).contains("bad") {
            Answer::json(400, json!({"error": {"message": "the prompt is rude", "type": "invalid_request_error"}}))
        } else {
            Answer::json(200, echo(&a.body))
        }
    });
    let file = temp(
        "mixed.jsonl",
        "{\"prompt\":\"good\",\"id\":\"g1\"}\n{\"prompt\":\"bad\",\"id\":\"b1\"}\n{\"prompt\":\"good too\",\"id\":\"g2\"}\n",
    );
    let (code, stdout, stderr) = run(with_key(&server.base()).args(["batch", "run", "--retries", "0"]).arg(&file));
    assert_eq!(code, 1, "{stderr}");
    let lines = result_lines(&stdout);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1]["custom_id"], json!("b1"));
    assert_eq!(lines[1]["response"]["status_code"], json!(400));
    assert_eq!(lines[1]["response"]["body"]["error"]["message"], json!("the prompt is rude"));
    assert_eq!(lines[1]["error"]["code"], json!("400"));
    assert!(
        lines[1]["error"]["message"].as_str().is_some_and(|m| m.starts_with("400 Bad Request from http://127.0.0.1:")),
        "{}",
        lines[1]
    );
    assert!(stderr.contains(": 2 answered, 1 failed;"), "{stderr}");
    assert!(stderr.contains("tokenfactory: failed (1 × 400): b1; its result line holds each error\n"), "{stderr}");
}

#[test]
fn retry_failed_sends_the_failed_requests_again_and_keeps_the_rest() {
    let server = ApiServer::start(|a| {
        if prompt_of(&a.body).starts_with("flaky") {
            Answer::json(503, json!({"error": {"message": "overloaded"}}))
        } else {
            Answer::json(200, echo(&a.body))
        }
    });
    let prompts: Vec<String> =
        (0..20).map(|i| if i % 5 == 2 { format!("flaky {i}") } else { format!("fine {i}") }).collect();
    let file = temp("flaky.txt", &(prompts.join("\n") + "\n"));
    let out = file.with_file_name("flaky.jsonl");
    let args = ["batch", "run", "--lines", "--retries", "0", "-o"];
    let (code, _, stderr) = run(with_key(&server.base()).args(args).arg(&out).arg(&file));
    assert_eq!(code, 1, "{stderr}");
    let first = std::fs::read_to_string(&out).expect("results");
    assert_eq!(result_lines(&first).iter().filter(|l| !l["error"].is_null()).count(), 4);

    // A plain rerun sends nothing, but does not hide the failures: it counts them and exits 1.
    let healthy = ApiServer::start(|a| Answer::json(200, echo(&a.body)));
    let (code, _, stderr) = run(with_key(&healthy.base()).args(args).arg(&out).arg(&file));
    assert_eq!(code, 1, "{stderr}");
    assert!(healthy.arrivals().is_empty(), "{stderr}");
    assert!(stderr.contains(" holds 16 requests answered, 4 failed; 0 missing\n"), "{stderr}");
    assert!(stderr.contains("run the same command with --retry-failed to send the failed ones again"), "{stderr}");
    // --retry-failed sends exactly those four again, and the file ends in input order.
    let (code, _, stderr) = run(with_key(&healthy.base()).args(args).arg(&out).arg(&file).arg("--retry-failed"));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("retrying: 4 failed lines taken out of "), "{stderr}");
    assert!(stderr.contains("holds 16 of 20 requests already"), "{stderr}");
    let sent: Vec<String> = healthy.arrivals().iter().map(|a| prompt_of(&a.body)).collect();
    assert_eq!(sent.len(), 4, "{sent:?}");
    assert!(sent.iter().all(|p| p.starts_with("flaky")), "{sent:?}");
    let now = std::fs::read_to_string(&out).expect("results");
    let kept: Vec<&str> = first.lines().filter(|l| l.ends_with("\"error\":null}")).collect();
    assert!(kept.iter().all(|l| now.contains(&format!("{l}\n"))), "the successes kept as they were");
    let all = result_lines(&now);
    assert!(all.iter().all(|l| l["error"].is_null()), "no failure left");
    let ids: Vec<u64> = all.iter().filter_map(|l| l["custom_id"].as_str()?.parse().ok()).collect();
    assert_eq!(ids, (1..=20).collect::<Vec<u64>>(), "every request once, in input order");
    for line in &all {
        let n: usize = line["custom_id"].as_str().and_then(|s| s.parse().ok()).expect("id");
        assert_eq!(
            line["response"]["body"]["choices"][0]["message"]["content"],
            json!(format!("answer to {}", prompts[n - 1]))
        );
    }
}

#[test]
fn a_key_refused_midway_stops_the_run_instead_of_writing_the_error_for_every_request() {
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = served.clone();
    let server = ApiServer::start(move |a| {
        if count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 10 {
            Answer::json(200, echo(&a.body))
        } else {
            Answer::json(401, json!({"error": {"message": "Invalid API key", "code": "invalid_api_key"}}))
        }
    });
    let prompts: Vec<String> = (0..100).map(|i| format!("question {i}")).collect();
    let file = temp("midway.txt", &(prompts.join("\n") + "\n"));
    let out = file.with_file_name("midway.jsonl");
    let args = ["batch", "run", "--lines", "-j", "1", "-o"];
    let (code, stdout, stderr) = run(with_key(&server.base()).args(args).arg(&out).arg(&file));
    assert_eq!(code, 4, "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("401 Unauthorized from "), "{stderr}");
    let kept = result_lines(&std::fs::read_to_string(&out).expect("results"));
    let answers: Vec<&str> =
        kept.iter().filter_map(|l| l["response"]["body"]["choices"][0]["message"]["content"].as_str()).collect();
    let expected: Vec<String> = prompts[..10].iter().map(|p| format!("answer to {p}")).collect();
    assert_eq!(answers, expected, "the ten answers, and no line for the refused request");
    assert_eq!(server.arrivals().len(), 11, "nothing sent after the 401");

    let healthy = ApiServer::start(|a| Answer::json(200, echo(&a.body)));
    let (code, _, stderr) = run(with_key(&healthy.base()).args(args).arg(&out).arg(&file));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("midway.jsonl holds 10 of 100 requests already"), "{stderr}");
    let all = result_lines(&std::fs::read_to_string(&out).expect("results"));
    let ids: Vec<&str> = all.iter().filter_map(|l| l["custom_id"].as_str()).collect();
    let expected: Vec<String> = (1..=100).map(|n| n.to_string()).collect();
    assert_eq!(ids, expected);
    assert_eq!(healthy.arrivals().len(), 90, "only the 90 missing requests");
}

#[test]
fn a_full_disk_keeps_the_results_written_says_so_and_a_rerun_finishes() {
    let server = ApiServer::start(|a| Answer::json(200, echo(&a.body)));
    let prompts: Vec<String> = (0..300).map(|i| format!("question {i}")).collect();
    let file = temp("full.txt", &(prompts.join("\n") + "\n"));
    let out = file.with_file_name("full.jsonl");
    let home = file.parent().expect("dir").to_path_buf();
    let args = ["batch", "run", "--lines", file.to_str().expect("path"), "-o", out.to_str().expect("path")];
    // 40 × 512 bytes: room for about a hundred result lines.
    let (code, stdout, stderr) = run(&mut crate::harness::with_key_on_a_full_disk(&server.base(), &home, 40, &args));
    assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");
    let expected = format!(
        "tokenfactory: error: could not write the results to {} (File too large (os error 27)); the results written so \
         far are kept: once there is room, run the same command again to send the rest\n",
        out.display()
    );
    assert_eq!(stderr, expected);
    let written = std::fs::read_to_string(&out).expect("results");
    assert_eq!(written.len(), 40 * 512, "filled to the limit");
    let whole = written.lines().filter(|l| serde_json::from_str::<Value>(l).is_ok()).count();
    assert!(whole > 50, "{whole} whole lines");

    let (code, _, stderr) = run(with_key(&server.base()).args(args));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("was cut off (a crash, or a full disk?); that input is sent again"), "{stderr}");
    assert!(stderr.contains(&format!("full.jsonl holds {whole} of 300 requests already")), "{stderr}");
    let ids: Vec<String> = result_lines(&std::fs::read_to_string(&out).expect("results"))
        .iter()
        .filter_map(|l| l["custom_id"].as_str().map(str::to_string))
        .collect();
    let expected: Vec<String> = (1..=300).map(|n| n.to_string()).collect();
    assert_eq!(ids, expected, "every request exactly once, in order");
}

#[test]
fn bad_input_names_each_line_and_sends_nothing() {
    let server = ApiServer::start(|a| Answer::json(200, echo(&a.body)));
    let file = temp(
        "bad.jsonl",
        "{\"custom_id\":\"a\",\"url\":\"/v1/chat/completions\",\"body\":{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}\n\
         {not json\n\
         {\"url\":\"/v1/chat/completions\",\"body\":{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}\n\
         {\"custom_id\":\"a\",\"url\":\"/v1/chat/completions\",\"body\":{\"messages\":[{\"role\":\"user\",\"content\":\"y\"}]}}\n\
         {\"custom_id\":\"b\",\"url\":\"/v1/images/generations\",\"body\":{}}\n",
    );
    for check in [false, true] {
        let mut cmd = with_key(&server.base());
        cmd.args(["batch", "run"]);
        if check {
            cmd.arg("--check");
        }
        let (code, stdout, stderr) = run(cmd.arg(&file));
        assert_eq!((code, stdout.as_str()), (2, ""));
        assert_eq!(
            stderr,
            format!(
                "tokenfactory: error: {} has lines batch run cannot send\n  \
                 line 2: not JSON (key must be a string at line 1 column 2)\n  \
                 line 3: custom_id is missing\n  \
                 line 4: the id \"a\" was used before (ids must be unique)\n  \
                 line 5: url \"/v1/images/generations\" is not one batch run sends (/v1/chat/completions, /v1/embeddings)\n",
                file.display()
            )
        );
    }
    let good = temp("good.jsonl", "{\"prompt\":\"a\"}\n\n{\"prompt\":\"b\"}\n");
    let (code, stdout, stderr) = run(with_key(&server.base()).args(["batch", "run", "--check"]).arg(&good));
    assert_eq!((code, stdout.as_str()), (0, ""));
    assert_eq!(stderr, format!("tokenfactory: {}: 2 requests, all valid; nothing sent (--check)\n", good.display()));
    assert!(server.arrivals().is_empty(), "nothing was sent");
}

#[test]
fn stdin_works_as_input() {
    let server = ApiServer::start(|a| Answer::json(200, echo(&a.body)));
    let (code, stdout, stderr) =
        run(with_key(&server.base()).args(["batch", "run", "--lines", "-"]).write_stdin("one\ntwo\n"));
    assert_eq!(code, 0, "{stderr}");
    let contents: Vec<Value> = result_lines(&stdout)
        .iter()
        .map(|l| l["response"]["body"]["choices"][0]["message"]["content"].clone())
        .collect();
    assert_eq!(contents, [json!("answer to one"), json!("answer to two")]);
}

/// Runs `batch run` on `file` into `out` as a child and sends it `signal` once the results file
/// holds `lines` whole lines (a moment chosen by the run's progress, not by the clock).
fn stopped_after(base: &str, file: &Path, out: &Path, signal: i32, lines: usize) -> std::process::ExitStatus {
    let mut child =
        live(base).args(["batch", "run", "--lines", "-j", "4", "-o"]).arg(out).arg(file).spawn().expect("spawn");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::fs::read(out).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count()) < lines {
        assert!(std::time::Instant::now() < deadline, "{lines} lines never arrived");
        std::thread::sleep(Duration::from_millis(2));
    }
    crate::harness::send_signal(&child, signal);
    child.wait().expect("exit")
}

fn ids_in(out: &Path) -> HashMap<String, usize> {
    let text = std::fs::read_to_string(out).expect("results");
    let mut ids = HashMap::new();
    for line in result_lines(&text) {
        *ids.entry(line["custom_id"].as_str().expect("id").to_string()).or_default() += 1;
    }
    ids
}

/// Asserts that `out` holds the answers to `prompts` (one a line of the input, IDs from 1): every
/// ID once, in input order, each answer belonging to its own request.
fn assert_complete_in_order(out: &Path, prompts: &[String]) {
    let lines = result_lines(&std::fs::read_to_string(out).expect("results"));
    let ids: Vec<String> = lines.iter().map(|l| l["custom_id"].as_str().expect("id").to_string()).collect();
    let expected: Vec<String> = (1..=prompts.len()).map(|n| n.to_string()).collect();
    assert_eq!(ids, expected, "every id once, in input order");
    for (line, prompt) in lines.iter().zip(prompts) {
        let answer = &line["response"]["body"]["choices"][0]["message"]["content"];
        assert_eq!(answer, &json!(format!("answer to {prompt}")), "{line}");
    }
}

#[test]
fn killed_at_any_moment_a_rerun_ends_with_every_id_once_in_input_order() {
    let server = ApiServer::start(|a| Answer::json(200, echo(&a.body)).after(jitter(&a.body)));
    let prompts: Vec<String> = (0..120).map(|i| format!("q{i}")).collect();
    let file = temp("many.txt", &(prompts.join("\n") + "\n"));
    for (round, lines) in [1usize, 17, 60, 101].into_iter().enumerate() {
        let out = file.with_file_name(format!("killed-{round}.jsonl"));
        let status = stopped_after(&server.base(), &file, &out, libc::SIGKILL, lines);
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        let partial = ids_in(&out).len();
        assert!(partial >= lines, "round {round}: {partial} lines kept");
        let (code, _, stderr) =
            run(with_key(&server.base()).args(["batch", "run", "--lines", "-j", "4", "-o"]).arg(&out).arg(&file));
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains(&format!("holds {partial} of 120 requests already")), "{stderr}");
        assert_complete_in_order(&out, &prompts);
    }
}

#[test]
fn ctrl_c_again_and_again_keeps_every_answer_and_the_last_rerun_restores_input_order() {
    let server = ApiServer::start(|a| Answer::json(200, echo(&a.body)).after(jitter(&a.body)));
    let prompts: Vec<String> = (0..100).map(|i| format!("q{i}")).collect();
    let file = temp("ctrl-c.txt", &(prompts.join("\n") + "\n"));
    let out = file.with_file_name("ctrl-c.jsonl");
    for lines in [5usize, 30, 55, 80] {
        let status = stopped_after(&server.base(), &file, &out, libc::SIGINT, lines);
        assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
        assert!(ids_in(&out).values().all(|&n| n == 1), "no id twice after Ctrl-C");
    }
    let (code, _, stderr) = run(with_key(&server.base()).args(["batch", "run", "--lines", "-o"]).arg(&out).arg(&file));
    assert_eq!(code, 0, "{stderr}");
    assert_complete_in_order(&out, &prompts);
    let before = server.arrivals().len();
    assert!(before <= 100 + 4 * 4, "no answer paid for twice beyond what was in flight: {before}");
}

#[test]
fn a_half_written_last_line_is_replaced_on_resume() {
    let server = ApiServer::start(|a| Answer::json(200, echo(&a.body)));
    let prompts: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    let file = temp("three.txt", "a\nb\nc\n");
    let out = file.with_file_name("cut.jsonl");
    let args = ["batch", "run", "--lines", "-o"];
    let (code, _, stderr) = run(with_key(&server.base()).args(args).arg(&out).arg(&file));
    assert_eq!(code, 0, "{stderr}");
    let whole = std::fs::read_to_string(&out).expect("results");
    let second_line_end = whole.match_indices('\n').nth(1).expect("two lines").0;
    std::fs::write(&out, &whole[..second_line_end - 10]).expect("cut the second line");
    let (code, _, stderr) = run(with_key(&server.base()).args(args).arg(&out).arg(&file));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("was cut off (a crash, or a full disk?); that input is sent again"), "{stderr}");
    assert_complete_in_order(&out, &prompts);
    assert_eq!(server.arrivals().len(), 3 + 2, "only the missing two were sent again");
}

#[test]
fn stdout_holds_only_result_lines_while_stderr_is_a_terminal() {
    let server = ApiServer::start(|a| Answer::json(200, echo(&a.body)).after(Duration::from_millis(20)));
    let file = temp("tty.txt", &(0..30).map(|i| format!("q{i}\n")).collect::<String>());
    let out = file.with_file_name("tty-stdout.jsonl");
    let base = server.base();
    // A terminal that says what it is (without TERM, indicatif draws nothing).
    let env = [("OMNIVA_API_KEY", KEY), ("OMNIVA_BASE_URL", base.as_str()), ("TERM", "xterm")];
    let args = ["batch", "run", "--lines", "-j", "2", file.to_str().expect("path")];
    let (code, terminal) = crate::harness::run_in_terminal_with_stdout_in(&args, &env, &out);
    assert_eq!(code, 0, "{terminal}");
    let stdout = std::fs::read_to_string(&out).expect("stdout");
    assert_eq!(result_lines(&stdout).len(), 30, "only JSON lines on stdout");
    assert!(terminal.contains("/30 requests · 0 failed · "), "the bar: {terminal:?}");
    assert!(terminal.contains(" in flight (limit 2)"), "the bar: {terminal:?}");
    assert!(terminal.contains("tokenfactory: sent 30 requests in "), "the summary on the terminal: {terminal}");
}
