use super::*;
use clap::Parser;
use std::ffi::OsString;

fn resolve_argv(argv: &[&str], vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let cli = crate::cli::Cli::try_parse_from(argv).expect("valid flags");
    let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Settings::resolve(&cli, |n| vars.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()), Display::default())
}

/// `tokenfactory chat FLAGS hi`.
fn resolve(flags: &[&str], vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let mut argv = vec!["tokenfactory", "chat"];
    argv.extend_from_slice(flags);
    argv.push("hi");
    resolve_argv(&argv, vars)
}

#[test]
fn defaults_apply_without_flags_or_env() {
    let s = resolve(&[], &[]).expect("settings");
    assert_eq!(s.base_url.as_str(), "https://api.tokenfactory.omniva.com/v1");
    assert_eq!(s.model, "Omniva/Kimi-K2.6");
    assert_eq!(s.timeout, Duration::from_secs(600));
    assert_eq!(s.connect_timeout, Duration::from_secs(10));
}

#[test]
fn flags_beat_env_and_env_beats_defaults() {
    let env = [("OMNIVA_MODEL", "env/model"), ("OMNIVA_BASE_URL", "http://env:1/v1/"), ("OMNIVA_TIMEOUT", "5")];
    let s = resolve(&[], &env).expect("settings");
    assert_eq!(
        (s.model.as_str(), s.base_url.as_str(), s.timeout),
        ("env/model", "http://env:1/v1", Duration::from_secs(5))
    );
    let s = resolve(&["-m", "flag/model", "--base-url", "http://flag:2/v1", "--timeout", "7"], &env).expect("settings");
    assert_eq!(
        (s.model.as_str(), s.base_url.as_str(), s.timeout),
        ("flag/model", "http://flag:2/v1", Duration::from_secs(7))
    );
}

#[test]
fn options_after_the_command_beat_those_before_it() {
    let s = resolve_argv(&["tokenfactory", "--timeout", "3", "--retries", "4", "chat", "--timeout", "5", "hi"], &[])
        .expect("settings");
    assert_eq!((s.timeout, s.retries), (Duration::from_secs(5), 4));
}

#[test]
fn embed_takes_its_own_model_never_omniva_model() {
    let env = [("OMNIVA_MODEL", "chat/model"), ("OMNIVA_EMBEDDING_MODEL", "embed/model")];
    assert_eq!(resolve_argv(&["tokenfactory", "embed", "x"], &env).expect("settings").model, "embed/model");
    assert_eq!(resolve_argv(&["tokenfactory", "embed", "x"], &[]).expect("settings").model, defaults::EMBEDDING_MODEL);
    let flag = resolve_argv(&["tokenfactory", "embed", "-m", "e/flag", "x"], &env).expect("settings");
    assert_eq!((flag.model.as_str(), flag.embedding_model.as_str()), ("e/flag", "embed/model"));
}

#[test]
fn fallbacks_come_from_the_flag_else_the_variable_without_the_model_or_repeats() {
    let env = [("OMNIVA_FALLBACK_MODELS", " a, b ,a,,Omniva/Kimi-K2.6")];
    assert_eq!(resolve(&[], &env).expect("settings").fallback_models, ["a", "b"]);
    let s = resolve(&["--fallback-model", "c", "--fallback-model", "c"], &env).expect("settings");
    assert_eq!(s.model_chain().collect::<Vec<_>>(), ["Omniva/Kimi-K2.6", "c"]);
    let doctor = resolve_argv(&["tokenfactory", "doctor"], &env).expect("settings");
    assert!(doctor.fallback_models.is_empty(), "doctor never falls back");
}

#[test]
fn invalid_values_are_config_errors() {
    assert!(matches!(resolve(&[], &[("OMNIVA_TIMEOUT", "soon")]), Err(ConfigError::Env { var: "OMNIVA_TIMEOUT", .. })));
    assert!(matches!(resolve(&["--base-url", "ftp://x/v1"], &[]), Err(ConfigError::BaseUrl { .. })));
    assert!(matches!(
        resolve(&[], &[("OMNIVA_BASE_URL", "not a url")]),
        Err(ConfigError::BaseUrl { source_name: "OMNIVA_BASE_URL", .. })
    ));
    assert!(matches!(resolve(&["--ca-bundle", "/nonexistent/ca.pem"], &[]), Err(ConfigError::CaBundle { .. })));
}

#[test]
fn an_omniva_variable_that_is_not_utf8_is_named_with_its_offset() {
    use std::os::unix::ffi::OsStringExt;
    let vars = vec![
        (OsString::from("PATH"), OsString::from_vec(b"\xff".to_vec())),
        (OsString::from("OMNIVA_MODEL"), OsString::from_vec(b"ab\xffc".to_vec())),
    ];
    let err = check_unicode(vars.into_iter()).expect_err("not UTF-8");
    assert_eq!(
        err.to_string(),
        "OMNIVA_MODEL is not valid UTF-8 (invalid byte at offset 2); set it again as plain text"
    );
}

proptest::proptest! {
    #[test]
    fn any_bytes_in_the_key_variable_give_a_clean_error_or_a_checked_key(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
        use std::os::unix::ffi::OsStringExt;
        let value = OsString::from_vec(bytes.clone());
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        let message = match check_unicode(std::iter::once((OsString::from("OMNIVA_API_KEY"), value))) {
            Err(e) => e.to_string(),
            Ok(()) => match resolve(&[], &[("OMNIVA_API_KEY", &lossy)]).map(|s| s.require_key().map(|_| ()).err()) {
                Ok(Some(e)) => e.to_string(),
                _ => String::new(),
            },
        };
        if lossy.chars().count() >= 10 {
            proptest::prop_assert!(!message.contains(&lossy), "{}", message);
        }
    }
}
