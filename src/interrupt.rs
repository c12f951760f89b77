//! Dying of SIGINT after Ctrl-C, as the design asks: the shell must see a death by signal (130)
//! so that a `while` loop around tokenfactory stops too.

/// Restores the default SIGINT action and raises it. Returns only if the signal did not end us.
///
/// tokio's handler stays installed once `ctrl_c()` was awaited, so a plain `raise` would be
/// swallowed; signal-hook resets the action, unblocks the signal and raises it.
pub fn die_of_sigint() {
    #[cfg(unix)]
    let _ = signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGINT);
}
