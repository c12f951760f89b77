//! The shared test harness: a command builder with a scrubbed environment, the test key, and
//! helpers to check outputs.

use assert_cmd::Command;

/// A key of realistic shape. Every test asserts it never appears in any output.
pub const KEY: &str = "sk-oaTESTKEY0123456789abcdef25xx";

/// Environment variables that could change behaviour, all scrubbed (the process starts from an
/// empty environment; these are listed so a reader sees what matters).
pub const SCRUBBED: &[&str] = &[
    "OMNIVA_API_KEY",
    "OMNIVA_BASE_URL",
    "OMNIVA_MODEL",
    "OMNIVA_TIMEOUT",
    "OMNIVA_CA_BUNDLE",
    "OMNIVA_FALLBACK_MODELS",
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "TERM",
    "HOME",
    "COLUMNS",
];

/// The binary under test: the one cargo built, or the one `TOKENFACTORY_TEST_BINARY` names (an
/// installed release, a static musl build), so the same tests check what users install.
pub fn binary() -> std::path::PathBuf {
    match std::env::var_os("TOKENFACTORY_TEST_BINARY") {
        Some(path) if !path.is_empty() => std::path::PathBuf::from(path),
        _ => assert_cmd::cargo::cargo_bin("tokenfactory"),
    }
}

/// `tokenfactory` with a clean environment: nothing from the developer's shell leaks in. HOME is
/// a fresh empty directory, so the history (and anything else kept per user) starts empty and
/// never touches the machine's real home.
pub fn tokenfactory() -> Command {
    let mut cmd = Command::new(binary());
    cmd.env_clear();
    for var in SCRUBBED {
        cmd.env_remove(var);
    }
    cmd.env("PATH", "/usr/bin:/bin").env("HOME", fresh_home());
    cmd
}

/// A new empty directory under the target directory, unique to this call.
pub fn fresh_home() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("home-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp home");
    dir
}

/// `tokenfactory ARGS` with the test key and `base`, HOME at `home`, under a file size limit of
/// `blocks` × 512 bytes with SIGXFSZ ignored: past the limit a write fails (EFBIG) as on a full
/// disk. stdout and stderr are pipes, which the limit does not touch.
pub fn with_key_on_a_full_disk(base: &str, home: &std::path::Path, blocks: u32, args: &[&str]) -> Command {
    let mut limited = std::process::Command::new("/bin/sh");
    limited
        .args(["-c", &format!("trap '' XFSZ; ulimit -f {blocks} && exec \"$0\" \"$@\"")])
        .arg(binary())
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home)
        .env("OMNIVA_API_KEY", KEY)
        .env("OMNIVA_BASE_URL", base);
    Command::from_std(limited)
}

/// `tokenfactory` with the test key set and the base URL pointed at `base`.
pub fn with_key(base: &str) -> Command {
    let mut cmd = tokenfactory();
    cmd.env("OMNIVA_API_KEY", KEY).env("OMNIVA_BASE_URL", base);
    cmd
}

/// Runs the command and returns (exit code, stdout, stderr), checking the key leaked nowhere.
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let output = cmd.timeout(std::time::Duration::from_secs(30)).output().expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_no_key(&stdout);
    assert_no_key(&stderr);
    (output.status.code().unwrap_or(-1), stdout, stderr)
}

/// Fails when any run of 8 characters of the key appears in `text`: the whole key, a truncated
/// echo and a prefixed one alike.
pub fn assert_no_key(text: &str) {
    for start in 0..=KEY.len() - 8 {
        let run = &KEY[start..start + 8];
        assert!(!text.contains(run), "8 characters of the key ({run}) leaked:\n{text}");
    }
}

/// A chat completion body with `content`.
pub fn completion(content: &str) -> serde_json::Value {
    serde_json::json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1764000000, "model": "Omniva/Kimi-K2.6",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}
    })
}

/// The same clean environment for a `std::process::Command`, for tests that read the child's
/// output while it runs. Stdin is null, stdout and stderr are piped.
pub fn live(base: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(binary());
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", fresh_home())
        .env("OMNIVA_API_KEY", KEY)
        .env("OMNIVA_BASE_URL", base)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    cmd
}

/// Reads a child's stdout on a thread, passing on each read as it arrives.
pub fn stdout_reader(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<Vec<u8>> {
    reader(child.stdout.take().expect("piped stdout"))
}

/// Reads `stream` (a child's stdout or stderr) on a thread, passing on each read as it arrives.
pub fn reader(mut stream: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stream.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    rx
}

/// Collects from `rx` until `want` has been seen; panics after a generous 20 s.
pub fn read_until(rx: &std::sync::mpsc::Receiver<Vec<u8>>, seen: &mut Vec<u8>, want: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !String::from_utf8_lossy(seen).contains(want) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(bytes) => seen.extend_from_slice(&bytes),
            Err(_) => panic!("{want:?} never arrived; got {:?}", String::from_utf8_lossy(seen)),
        }
    }
}

/// Runs tokenfactory on a pseudo-terminal (through util-linux `script`), so stdout and stderr are
/// real terminals, as a user sees them. Returns the exit code and the screen text (stdout and
/// stderr interleaved, CRLF turned into LF).
pub fn run_in_terminal(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    terminal_run(args, env, None)
}

/// `run_in_terminal`, with stdout sent to `stdout` (a file) while stderr stays on the terminal.
pub fn run_in_terminal_with_stdout_in(args: &[&str], env: &[(&str, &str)], stdout: &std::path::Path) -> (i32, String) {
    terminal_run(args, env, Some(stdout))
}

fn terminal_run(args: &[&str], env: &[(&str, &str)], stdout: Option<&std::path::Path>) -> (i32, String) {
    let binary = self::binary();
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut line = quote(&binary.to_string_lossy());
    for a in args {
        line.push(' ');
        line.push_str(&quote(a));
    }
    if let Some(file) = stdout {
        line.push_str(" > ");
        line.push_str(&quote(&file.to_string_lossy()));
    }
    let mut cmd = std::process::Command::new("script");
    cmd.env_clear().env("PATH", "/usr/bin:/bin").env("HOME", fresh_home()).args(["-qec", &line, "/dev/null"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd.stdin(std::process::Stdio::null()).output().expect("script(1) from util-linux runs");
    let screen = String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n");
    assert_no_key(&screen);
    (output.status.code().unwrap_or(-1), screen)
}

/// Sends `signal` (e.g. `libc::SIGINT`) to a child this test started.
pub fn send_signal(child: &std::process::Child, signal: i32) {
    // SAFETY: kill(2) on the pid of our own child; it has not been waited for, so the pid is its.
    #[allow(unsafe_code)]
    unsafe {
        libc::kill(child.id() as i32, signal);
    }
}

/// A listener whose accept queue is full: further connection attempts get no answer, as from a
/// firewall that drops packets. Returns the port and the sockets that must stay open.
#[allow(unsafe_code)]
pub fn unanswered_port() -> (u16, std::net::TcpListener, Vec<std::net::TcpStream>) {
    // SAFETY: plain libc socket calls on a socket this function owns; every return value is checked.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        assert!(fd >= 0, "socket");
        let mut addr: libc::sockaddr_in = std::mem::zeroed();
        addr.sin_family = libc::AF_INET as libc::sa_family_t;
        addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
        let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        assert_eq!(libc::bind(fd, &addr as *const _ as *const libc::sockaddr, len), 0, "bind");
        assert_eq!(libc::listen(fd, 0), 0, "listen");
        let mut bound: libc::sockaddr_in = std::mem::zeroed();
        let mut bound_len = len;
        assert_eq!(libc::getsockname(fd, &mut bound as *mut _ as *mut libc::sockaddr, &mut bound_len), 0);
        let port = u16::from_be(bound.sin_port);
        // Fill the queue (backlog 0 admits one or two) without ever accepting.
        let mut held = Vec::new();
        for _ in 0..4 {
            match std::net::TcpStream::connect_timeout(
                &([127, 0, 0, 1], port).into(),
                std::time::Duration::from_millis(200),
            ) {
                Ok(s) => held.push(s),
                Err(_) => break,
            }
        }
        let listener = <std::net::TcpListener as std::os::fd::FromRawFd>::from_raw_fd(fd);
        (port, listener, held)
    }
}
