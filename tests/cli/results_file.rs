//! Results files a user can trust (`batch run -o`, `embed --lines -o`): bound to their input,
//! never the input itself or a device, one writer at a time, failures never hidden by a rerun;
//! and runs the rate limit or the quota stops, which keep what was paid for.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::api_server::{Answer, ApiServer};
use crate::harness::{live, run, with_key};

fn temp(name: &str, content: &str) -> PathBuf {
    let path = crate::harness::fresh_home().join(name);
    std::fs::write(&path, content).expect("write");
    path
}

fn prompt_of(body: &Value) -> String {
    body["messages"].as_array().and_then(|m| m.last()).and_then(|m| m["content"].as_str()).unwrap_or_default().into()
}

fn echo(body: &Value) -> Value {
    json!({"choices": [{"message": {"content": format!("answer to {}", prompt_of(body))}, "finish_reason": "stop"}],
           "usage": {"prompt_tokens": 5, "completion_tokens": 7}})
}

fn lines_of(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path).expect("results").lines().map(|l| serde_json::from_str(l).expect("JSON")).collect()
}

fn batch(base: &str, input: &Path, out: &Path) -> (i32, String, String) {
    run(with_key(base).args(["batch", "run", "--lines"]).arg(input).arg("-o").arg(out))
}

#[test]
fn results_of_another_input_are_refused_naming_the_line_and_restart_replaces_them() {
    let server = ApiServer::start(|a| Answer::json(200, echo(&a.body)));
    let a = temp("a.txt", "first\nsecond\nthird\n");
    let out = a.with_file_name("r.jsonl");
    assert_eq!(batch(&server.base(), &a, &out).0, 0);
    let kept = std::fs::read_to_string(&out).expect("results");
    for (name, content) in
        [("b.txt", "other\nquestions\nhere\n"), ("inserted.txt", "new first\nfirst\nsecond\nthird\n")]
    {
        let b = a.with_file_name(name);
        std::fs::write(&b, content).expect("write");
        let (code, stdout, stderr) = batch(&server.base(), &b, &out);
        assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
        assert!(
            stderr.starts_with(&format!(
                "tokenfactory: error: line 1 answered another request than line 1 of {} now holds (id \"1\")",
                b.display()
            )),
            "{stderr}"
        );
        assert!(stderr.contains("hint: give -o a new file, or --restart to replace this one"), "{stderr}");
        assert_eq!(std::fs::read_to_string(&out).expect("results"), kept, "untouched");
    }
    assert_eq!(server.arrivals().len(), 3, "nothing sent for the refused runs");
    // Fewer lines than the results hold: the extra result is named.
    let shorter = temp("shorter.txt", "first\nsecond\n");
    let (code, _, stderr) = batch(&server.base(), &shorter, &out);
    assert_eq!(code, 2);
    assert!(stderr.contains("line 3 holds the result of id \"3\", which "), "{stderr}");
    // --restart replaces the results with the new input's.
    let b = a.with_file_name("b.txt");
    let (code, _, stderr) =
        run(with_key(&server.base()).args(["batch", "run", "--restart", "--lines"]).arg(&b).arg("-o").arg(&out));
    assert_eq!(code, 0, "{stderr}");
    let answers: Vec<Value> =
        lines_of(&out).iter().map(|l| l["response"]["body"]["choices"][0]["message"]["content"].clone()).collect();
    assert_eq!(answers, [json!("answer to other"), json!("answer to questions"), json!("answer to here")]);
}

#[test]
fn the_input_itself_or_an_input_file_is_never_taken_as_results() {
    let server = ApiServer::start(|a| Answer::json(200, echo(&a.body)));
    let requests = "{\"custom_id\":\"t-1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n";
    let same = temp("same.jsonl", requests);
    let (code, _, stderr) = run(with_key(&server.base()).args(["batch", "run"]).arg(&same).arg("-o").arg(&same));
    assert_eq!(code, 2);
    assert!(stderr.contains("it is the input file itself"), "{stderr}");
    // A questions file given to --lines, and a tickets file (batch input) given as -o.
    let questions = same.with_file_name("q.txt");
    std::fs::write(&questions, "what is RAG?\n").expect("write");
    let tickets = same.with_file_name("tickets.jsonl");
    std::fs::write(&tickets, requests).expect("write");
    for out in [&tickets, &questions] {
        let input = if out == &questions { &tickets } else { &questions };
        let mut cmd = with_key(&server.base());
        cmd.args(["batch", "run"]);
        if input == &questions {
            cmd.arg("--lines");
        }
        let (code, _, stderr) = run(cmd.arg(input).arg("-o").arg(out));
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("error: it is not a results file: line 1 is not a result"), "{stderr}");
        assert!(stderr.contains("hint: give -o a new file: the results are written there"), "{stderr}");
    }
    assert_eq!(std::fs::read_to_string(&tickets).expect("read"), requests, "the input file untouched");
    assert!(server.arrivals().is_empty());
}

#[test]
fn devices_and_pipes_are_refused_and_a_dash_writes_to_stdout() {
    let server = ApiServer::start(|a| Answer::json(200, echo(&a.body)));
    let input = temp("q.txt", "one\ntwo\n");
    for device in ["/dev/full", "/dev/null", "/dev/stdout"] {
        let started = Instant::now();
        let (code, stdout, stderr) = batch(&server.base(), &input, Path::new(device));
        assert!(started.elapsed() < Duration::from_secs(10), "{device}: refused at once");
        assert_eq!((code, stdout.as_str()), (2, ""), "{device}: {stderr}");
        assert!(stderr.contains("it is not a regular file"), "{device}: {stderr}");
        assert!(stderr.contains("leave -o out (or give -o -) to write the results to stdout"), "{stderr}");
    }
    let (code, stdout, stderr) = batch(&server.base(), &input, Path::new("-"));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 2);
    assert!(!Path::new("-").exists() && !input.with_file_name("-").exists(), "no file named -");
}

#[test]
fn a_second_run_on_the_same_results_file_is_refused_while_the_first_writes() {
    let server = ApiServer::start(|a| Answer::json(200, echo(&a.body)).after(Duration::from_millis(40)));
    let input = temp("slow.txt", &(0..40).map(|i| format!("q{i}\n")).collect::<String>());
    let out = input.with_file_name("shared.jsonl");
    let mut first = live(&server.base())
        .args(["batch", "run", "--lines", "-j", "2", "-o"])
        .arg(&out)
        .arg(&input)
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read(&out).map_or(0, |b| b.len()) == 0 {
        assert!(Instant::now() < deadline, "the first run never wrote");
        std::thread::sleep(Duration::from_millis(5));
    }
    let (code, stdout, stderr) = batch(&server.base(), &input, &out);
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert!(stderr.contains("another tokenfactory run is writing these results"), "{stderr}");
    assert!(first.wait().expect("first run").success());
    let ids: Vec<String> = lines_of(&out).iter().map(|l| l["custom_id"].as_str().expect("id").to_string()).collect();
    assert_eq!(ids, (1..=40).map(|n| n.to_string()).collect::<Vec<_>>(), "one writer: every id once");
    assert_eq!(server.arrivals().len(), 40, "nothing paid for twice");
}

#[test]
fn a_text_file_without_lines_says_so_and_both_spellings_of_lines_work() {
    let server = ApiServer::start(|a| Answer::json(200, echo(&a.body)));
    let questions = temp("questions.txt", &(0..50).map(|i| format!("question number {i}?\n")).collect::<String>());
    let (code, _, stderr) = run(with_key(&server.base()).args(["batch", "run"]).arg(&questions));
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        format!(
            "tokenfactory: error: {0} looks like a text file: none of its lines is a JSON request\n  \
             hint: to send each line as a prompt: tokenfactory batch run --lines {0}\n",
            questions.display()
        )
    );
    for args in [&["batch", "run", "--lines", "F"][..], &["batch", "run", "F", "--lines"]] {
        let args: Vec<&str> =
            args.iter().map(|a| if *a == "F" { questions.to_str().expect("path") } else { a }).collect();
        let (code, stdout, stderr) = run(with_key(&server.base()).args(&args));
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert_eq!(stdout.lines().count(), 50);
    }
    let passages = temp("passages.txt", "alpha\nbeta\n");
    let embed = ApiServer::start(|a| {
        let n = a.body["input"].as_array().map_or(0, Vec::len);
        let data: Vec<Value> = (0..n).map(|i| json!({"index": i, "embedding": [1.0, 2.0]})).collect();
        Answer::json(200, json!({"data": data}))
    });
    for args in [&["embed", "--lines", "F"][..], &["embed", "F", "--lines"]] {
        let args: Vec<&str> =
            args.iter().map(|a| if *a == "F" { passages.to_str().expect("path") } else { a }).collect();
        let (code, stdout, stderr) = run(with_key(&embed.base()).args(&args));
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert_eq!(stdout.lines().count(), 2);
    }
}

#[test]
fn replies_that_hold_no_answer_are_failures_a_retry_sends_again() {
    let bodies =
        [json!({"error": {"message": "model overloaded, try later"}}), json!({}), json!([]), json!({"choices": []})];
    let server = ApiServer::start(move |a| {
        let n: usize = prompt_of(&a.body).trim_start_matches('q').parse().unwrap_or(0);
        match bodies.get(n) {
            Some(body) => Answer::json(200, body.clone()),
            None => Answer::json(200, echo(&a.body)),
        }
    });
    let input = temp("q.txt", "q0\nq1\nq2\nq3\nq4\n");
    let out = input.with_file_name("r.jsonl");
    let (code, _, stderr) = batch(&server.base(), &input, &out);
    assert_eq!(code, 1, "{stderr}");
    let lines = lines_of(&out);
    for (line, lacks) in lines.iter().zip([
        "it holds an error instead: model overloaded, try later",
        "it has no choices",
        "it is not a JSON object",
        "its choices list is empty",
    ]) {
        assert_eq!(line["error"]["code"], json!("no_answer"), "{line}");
        assert_eq!(line["error"]["message"], json!(format!("the server's chat completion holds no answer: {lacks}")));
        assert_eq!(line["response"]["status_code"], json!(200));
    }
    assert!(lines[4]["error"].is_null());
    assert!(stderr.contains(": 1 answered, 4 failed; "), "{stderr}");
    assert!(stderr.contains("failed (4 × no_answer): 1, 2, 3, 4; the results file holds each error"), "{stderr}");
    let healthy = ApiServer::start(|a| Answer::json(200, echo(&a.body)));
    let (code, _, stderr) = run(with_key(&healthy.base())
        .args(["batch", "run", "--retry-failed", "--lines"])
        .arg(&input)
        .arg("-o")
        .arg(&out));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(healthy.arrivals().len(), 4, "the four non-answers sent again");
    assert!(lines_of(&out).iter().all(|l| l["error"].is_null()));
}

#[test]
fn a_spent_quota_stops_the_run_at_once_and_a_rerun_sends_the_rest() {
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = served.clone();
    let server = ApiServer::start(move |a| {
        if count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 3 {
            return Answer::json(200, echo(&a.body));
        }
        Answer::json(
            429,
            json!({"error": {"message": "You exceeded your current quota, please check your plan and billing details.",
                             "type": "insufficient_quota", "code": "insufficient_quota"}}),
        )
    });
    let input = temp("q.txt", &(0..40).map(|i| format!("q{i}\n")).collect::<String>());
    let out = input.with_file_name("r.jsonl");
    let started = Instant::now();
    let (code, _, stderr) =
        run(with_key(&server.base()).args(["batch", "run", "-j", "1", "--lines"]).arg(&input).arg("-o").arg(&out));
    assert!(started.elapsed() < Duration::from_secs(10), "stopped at once, not retried");
    assert_eq!(code, 6, "{stderr}");
    assert!(stderr.contains("the workspace's quota or balance is spent"), "{stderr}");
    assert!(stderr.contains("run the same command again to send the 37 missing"), "{stderr}");
    assert_eq!(server.arrivals().len(), 4, "nothing sent after the quota 429");
    assert_eq!(lines_of(&out).len(), 3, "the answers paid for are kept");
}

#[test]
fn a_run_that_is_refused_without_end_stops_after_give_up_after() {
    let server = ApiServer::start(|_| {
        Answer::json(429, json!({"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}}))
            .header("retry-after-ms", "100")
    });
    let input = temp("q.txt", "a\nb\nc\nd\n");
    let started = Instant::now();
    let (code, stdout, stderr) =
        run(with_key(&server.base()).args(["batch", "run", "--give-up-after", "1.5", "--lines"]).arg(&input));
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    assert_eq!((code, stdout.as_str()), (6, ""), "{stderr}");
    assert!(stderr.contains("error: no request was answered for 1.5 s: the server kept refusing them"), "{stderr}");
}

#[test]
fn a_rate_limit_that_resets_later_than_max_wait_stops_the_run_and_says_when() {
    for reset in ["23h59m", "1e19", "99999999999999999999h"] {
        let server = ApiServer::start(move |a| {
            Answer::json(200, echo(&a.body))
                .header("x-ratelimit-remaining-requests", "0")
                .header("x-ratelimit-reset-requests", reset)
        });
        let input = temp("q.txt", "a\nb\nc\n");
        let out = input.with_file_name("r.jsonl");
        let started = Instant::now();
        let (code, _, stderr) =
            run(with_key(&server.base()).args(["batch", "run", "-j", "1", "--lines"]).arg(&input).arg("-o").arg(&out));
        assert!(started.elapsed() < Duration::from_secs(10), "{reset}: not slept");
        assert_eq!(code, 6, "{reset}: {stderr}");
        assert!(stderr.contains("error: the server's rate limit resets in "), "{reset}: {stderr}");
        assert!(stderr.contains("later than --max-wait allows"), "{stderr}");
        if reset == "23h59m" {
            assert!(stderr.contains("resets in 23 h 59 min (at 20"), "{stderr}");
        }
        // The first answer's headers are heard before anything more is sent.
        assert_eq!(lines_of(&out).len(), 1, "{reset}: the answer that came is kept");
        assert_eq!(server.arrivals().len(), 1, "{reset}: nothing sent after the headers said to wait");
    }
}

#[test]
fn a_pause_of_the_rate_limit_is_announced() {
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = served.clone();
    let server = ApiServer::start(move |a| {
        let first = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0;
        let answer = Answer::json(200, echo(&a.body));
        if first {
            answer.header("x-ratelimit-remaining-requests", "0").header("x-ratelimit-reset-requests", "3.5s")
        } else {
            answer
        }
    });
    let input = temp("q.txt", "a\nb\n");
    let started = Instant::now();
    let (code, _, stderr) = run(with_key(&server.base()).args(["batch", "run", "-j", "1", "--lines"]).arg(&input));
    assert_eq!(code, 0, "{stderr}");
    assert!(started.elapsed() >= Duration::from_secs(3), "paused as the server said");
    assert!(stderr.contains("tokenfactory: the server's rate limit pauses new requests for 3.5 s\n"), "{stderr}");
}
