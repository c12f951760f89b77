//! An interactive terminal for tests: tokenfactory on a pseudo-terminal of its own (it is the
//! session leader, so Ctrl-C typed on the terminal reaches it as SIGINT, as in a shell), keys
//! sent as a user types them, and the screen read as it arrives.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long `expect` waits for text before the test fails.
const PATIENCE: Duration = Duration::from_secs(20);

pub struct Terminal {
    master: std::fs::File,
    child: Child,
    /// Everything the program wrote, as raw bytes.
    raw: Arc<Mutex<Vec<u8>>>,
    /// How far `expect` has read in the cleaned screen.
    seen: usize,
}

impl Terminal {
    /// Starts tokenfactory `args` on a new 100×30 terminal, with a clean environment plus `env`
    /// and HOME at `home`.
    pub fn start(args: &[&str], env: &[(&str, &str)], home: &std::path::Path) -> Terminal {
        let (master, slave) = open_pty();
        let mut cmd = Command::new(crate::harness::binary());
        cmd.env_clear().env("PATH", "/usr/bin:/bin").env("HOME", home).args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let io = |fd: &OwnedFd| Stdio::from(fd.try_clone().expect("dup the terminal"));
        cmd.stdin(io(&slave)).stdout(io(&slave)).stderr(io(&slave));
        // SAFETY: between fork and exec only async-signal-safe calls: setsid(2) and ioctl(2).
        #[allow(unsafe_code)]
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("start tokenfactory on the terminal");
        drop(slave);
        let raw = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().expect("dup the master");
        let sink = raw.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            // EIO once the program and every copy of the terminal are gone.
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("lock").extend_from_slice(&buf[..n]);
            }
        });
        Terminal { master, child, raw, seen: 0 }
    }

    /// Types `keys` (`\r` is Enter, `\x03` Ctrl-C, `\x04` Ctrl-D, `\t` TAB).
    pub fn send(&mut self, keys: &str) {
        self.master.write_all(keys.as_bytes()).expect("type on the terminal");
        self.master.flush().expect("flush");
    }

    /// The screen so far, escape sequences and carriage returns taken out.
    pub fn screen(&self) -> String {
        clean(&self.raw.lock().expect("lock"))
    }

    /// Waits until `text` appears after what earlier calls found; returns the screen between.
    pub fn expect(&mut self, text: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let screen = self.screen();
            if let Some(at) = screen.get(self.seen..).and_then(|rest| rest.find(text)) {
                let between = screen[self.seen..self.seen + at].to_string();
                self.seen += at + text.len();
                return between;
            }
            if Instant::now() > deadline {
                panic!("{text:?} never appeared; after what was seen:\n{}", screen.get(self.seen..).unwrap_or(&screen));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits for the program to end; returns its exit code and the whole screen.
    pub fn finish(mut self) -> (i32, String) {
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("tokenfactory did not end; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        // The reader drains what is left once the program is gone.
        std::thread::sleep(Duration::from_millis(100));
        let screen = self.screen();
        crate::harness::assert_no_key(&screen);
        (status.code().unwrap_or(-1), screen)
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A new pseudo-terminal, 100 columns by 30 rows: (master, slave).
#[allow(unsafe_code)]
fn open_pty() -> (std::fs::File, OwnedFd) {
    // SAFETY: plain libc calls on descriptors this function owns; every result is checked, and
    // the name ptsname returns is copied before any other call.
    unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(master >= 0, "posix_openpt");
        assert_eq!(libc::grantpt(master), 0, "grantpt");
        assert_eq!(libc::unlockpt(master), 0, "unlockpt");
        let name = libc::ptsname(master);
        assert!(!name.is_null(), "ptsname");
        let path = std::ffi::CStr::from_ptr(name).to_owned();
        let size = libc::winsize { ws_row: 30, ws_col: 100, ws_xpixel: 0, ws_ypixel: 0 };
        assert_eq!(libc::ioctl(master, libc::TIOCSWINSZ, &size), 0, "TIOCSWINSZ");
        let slave = libc::open(path.as_ptr(), libc::O_RDWR | libc::O_NOCTTY);
        assert!(slave >= 0, "open the slave side");
        let master = std::fs::File::from_raw_fd(master);
        assert!(master.as_raw_fd() >= 0);
        (master, OwnedFd::from_raw_fd(slave))
    }
}

/// Terminal output as text: escape sequences (CSI, OSC and two-byte ones) and `\r` removed.
pub fn clean(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}
