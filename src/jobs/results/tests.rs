use super::*;

/// A results file in a directory of its own.
fn temp(name: &str, content: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("tokenfactory-results-{name}-{}-{}", std::process::id(), crate::id::new()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("results.jsonl");
    std::fs::write(&path, content).expect("write");
    path
}

/// A batch result line for `id`, sent as `binding`.
fn result(id: &str, binding: u64, failed: bool) -> String {
    let error = if failed { r#"{"code":"503"}"# } else { "null" };
    format!("{{\"id\":\"{}\",\"custom_id\":\"{id}\",\"response\":{{}},\"error\":{error}}}\n", batch_id(binding))
}

fn key(id: &str, binding: u64, line: usize) -> InputKey {
    InputKey { id: fingerprint(id.as_bytes()), binding, line }
}

#[test]
fn a_half_written_last_line_is_cut_and_the_rest_kept() {
    let path = temp("cut", &format!("{}{}{{\"custom_id\":\"c\",\"resp", result("a", 1, false), result("b", 2, false)));
    let results = ResultsFile::open(&path, Kind::Batch, false, (None, 0)).expect("opens");
    assert!(results.cut_last_line);
    assert!(results.holds("a") && results.holds("b") && !results.holds("c"));
    let mut writer = results.writer(Redactor::none()).expect("writer");
    writer.write(&result("c", 3, false)).expect("append");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        format!("{}{}{}", result("a", 1, false), result("b", 2, false), result("c", 3, false))
    );
}

#[test]
fn lines_that_answered_other_requests_or_other_ids_are_refused() {
    let path = temp("bound", &format!("{}{}", result("1", 10, false), result("2", 20, false)));
    let results = ResultsFile::open(&path, Kind::Batch, false, (None, 0)).expect("opens");
    let same = results.check(&[key("1", 10, 1), key("2", 20, 2), key("3", 30, 3)], "q.txt", false).expect("matches");
    assert_eq!(same, Tally { answered: 2, failed: 0, missing: 1, in_order: true });
    let changed = results.check(&[key("1", 11, 1), key("2", 20, 2)], "q.txt", false).expect_err("another request");
    assert!(changed.refused);
    assert!(
        changed.to_string().starts_with("line 1 answered another request than line 1 of q.txt now holds (id \"1\")")
    );
    let fewer = results.check(&[key("1", 10, 1)], "q.txt", false).expect_err("another input");
    assert!(fewer.to_string().starts_with("line 2 holds the result of id \"2\", which q.txt does not have"), "{fewer}");
    let shuffled = results.check(&[key("2", 20, 1), key("1", 10, 2)], "q.txt", false).expect("matches");
    assert!(!shuffled.in_order);
}

#[test]
fn a_file_that_is_not_results_is_refused_and_never_emptied_by_restart() {
    let input = "{\"custom_id\":\"t-1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{}}\n";
    for content in [input, "what is RAG?\nand vectors?\n"] {
        let path = temp("input", content);
        let err = ResultsFile::open(&path, Kind::Batch, false, (None, 0)).err().expect("refused");
        assert!(err.refused && err.to_string().starts_with("it is not a results file: line 1"), "{err}");
        assert!(ResultsFile::open(&path, Kind::Batch, true, (None, 0)).is_err(), "--restart refuses it too");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), content, "untouched");
    }
    let path = temp("restart", &result("1", 10, false));
    let results = ResultsFile::open(&path, Kind::Batch, true, (None, 0)).expect("restarted");
    assert!(!results.holds("1"));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "");
}

#[test]
fn devices_the_input_itself_and_a_second_writer_are_refused() {
    let err = ResultsFile::open(Path::new("/dev/null"), Kind::Batch, false, (None, 0)).err().expect("refused");
    assert!(err.to_string().starts_with("it is not a regular file"), "{err}");
    let path = temp("same", "");
    let err = ResultsFile::open(&path, Kind::Batch, false, (Some(&path), 0)).err().expect("refused");
    assert!(err.to_string().starts_with("it is the input file itself"), "{err}");
    let first = ResultsFile::open(&path, Kind::Batch, false, (None, 0)).expect("first writer");
    let err = ResultsFile::open(&path, Kind::Batch, false, (None, 0)).err().expect("second writer");
    assert!(err.refused && err.to_string().starts_with("another tokenfactory run is writing these results"), "{err}");
    drop(first);
    assert!(ResultsFile::open(&path, Kind::Batch, false, (None, 0)).is_ok(), "free again");
}

#[test]
fn failures_are_taken_out_and_a_complete_file_is_put_in_input_order() {
    let path = temp("retry", &format!("{}{}{}", result("b", 2, false), result("a", 1, true), result("c", 3, false)));
    let results = ResultsFile::open(&path, Kind::Batch, false, (None, 0)).expect("opens");
    let (results, taken) = results.take_out_failures().expect("rewrites");
    assert_eq!(taken, 1);
    assert!(!results.holds("a") && results.holds("b"));
    results.writer(Redactor::none()).expect("writer").write(&result("a", 1, false)).expect("append");
    let input = [key("a", 1, 1), key("b", 2, 2), key("c", 3, 3)];
    results.put_in_order(&input).expect("reorders");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        format!("{}{}{}", result("a", 1, false), result("b", 2, false), result("c", 3, false))
    );
    assert!(!path.with_file_name("results.jsonl.rewrite").exists());
}
