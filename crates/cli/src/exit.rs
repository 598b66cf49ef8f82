//! The exit codes scripts can branch on. Documented in `dynasync --help` and docs/cli.md; a code,
//! once released, keeps its meaning.

use std::process::ExitCode;

use dynasync_engine::EngineError;

/// Why `dynasync` stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[expect(
    dead_code,
    reason = "quota, partial, stopped and unreachable are what `dynasync sync` reports"
)]
pub(crate) enum Exit {
    Ok = 0,
    /// Something unexpected; the message says what.
    Internal = 1,
    // 2 is clap's: the command line itself is wrong.
    /// Not set up, a bad setup file, a field that is wrong or gone.
    Config = 3,
    /// A side refuses the credentials, or the keychain cannot give them.
    Auth = 4,
    /// Marketo's daily quota (less the reserve) is used up.
    Quota = 5,
    /// The run ended but some records failed (`dynasync errors` lists them).
    Partial = 6,
    /// Another process syncs this data directory.
    Busy = 7,
    /// A guard stopped the sync: the org or instance changed, or the circuit breaker tripped.
    Stopped = 8,
    /// A side cannot be reached.
    Unreachable = 9,
}

impl Exit {
    pub(crate) fn code(self) -> ExitCode {
        ExitCode::from(self as u8)
    }
}

/// The exit codes, as `--help` shows them.
pub(crate) const HELP: &str = "\
Exit codes:
  0  success
  1  unexpected error
  2  wrong command line
  3  configuration error (not set up, bad setup file, a field wrong or deleted)
  4  authentication error (credentials refused, keychain unavailable)
  5  Marketo daily quota exhausted
  6  partial failure (some records failed: see `dynasync errors`)
  7  another process is syncing this data directory
  8  stopped by a guard (organization or instance changed, circuit breaker)
  9  a system cannot be reached";

impl From<&EngineError> for Exit {
    fn from(error: &EngineError) -> Exit {
        match error {
            EngineError::Invalid(_) | EngineError::NotConfigured | EngineError::Setup(_) => {
                Exit::Config
            }
            EngineError::Keychain(_) => Exit::Auth,
            EngineError::Locked(_) => Exit::Busy,
            EngineError::Store(_) | EngineError::Internal(_) => Exit::Internal,
        }
    }
}
