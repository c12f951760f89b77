//! Dying of SIGINT after Ctrl-C, as the design asks: the shell must see a death by signal (130)
//! so that a `while` loop around tokenfactory stops too.

/// Restores the default SIGINT action and raises it. Returns only if the signal did not end us.
#[allow(unsafe_code)]
pub fn die_of_sigint() {
    #[cfg(unix)]
    // SAFETY: `signal` and `raise` are async-signal-safe libc calls with valid constant arguments;
    // no Rust state is touched.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
        libc::raise(libc::SIGINT);
    }
}
