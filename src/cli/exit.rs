//! Exit codes and the one place that turns errors and run ends into them and into messages;
//! and the one way commands write to stdout ([`out`], behind `outln!` and `out!`), which takes
//! a closed stdout (`conform lint | head -1`) as the end of the output, never as a panic.

/// Writes a formatted line to stdout through [`out`].
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::exit::out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Writes formatted text to stdout through [`out`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::exit::out(format_args!($($arg)*))
    };
}

use std::io::Write;
use std::process::ExitCode;

use super::common::Reported;
use conform::session::RunEnd;

/// Everything selected passed (or the command did what it was asked).
pub const SUCCESS: u8 = 0;
/// The run happened and something deviates: failing or blocked cases, regressions against the
/// expectations file, lint errors, drift.
pub const FAILURES: u8 = 1;
/// The run could not happen: bad flags, an invalid corpus, unreadable folders, broken schemas.
pub const USAGE: u8 = 2;
/// The target could not be used: connection refused, every request timing out, TLS failure.
/// Expectations never turn this into success.
pub const TARGET_UNUSABLE: u8 = 3;

/// The exit codes as `--help` shows them.
pub const HELP: &str = "Exit codes:\n  0  everything is as expected\n  1  deviations: failing or blocked cases, regressions against --expect, lint errors\n  2  the run could not happen: bad flags, an invalid corpus, broken schemas\n  3  the target could not be used: connection refused, every request timing out";

/// Why a command stopped early.
#[derive(Debug)]
pub enum Error {
    /// A usage or input problem, not yet printed.
    Usage(String),
    /// Already printed where it happened.
    Reported,
}

impl From<Reported> for Error {
    fn from(_: Reported) -> Error {
        Error::Reported
    }
}

/// Exit code 0.
pub fn success() -> ExitCode {
    ExitCode::from(SUCCESS)
}

/// Exit code 1 when `deviates`, else 0.
pub fn failing_if(deviates: bool) -> ExitCode {
    ExitCode::from(if deviates { FAILURES } else { SUCCESS })
}

/// Exit code 2 when the input could not be used, else 1 when `deviates`, else 0.
pub fn unusable_or_failing_if(unusable: bool, deviates: bool) -> ExitCode {
    if unusable {
        ExitCode::from(USAGE)
    } else {
        failing_if(deviates)
    }
}

/// The exit code of a command's result, printing the error if it was not printed yet.
pub fn finish(result: Result<ExitCode, Error>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(Error::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(USAGE)
        }
        Err(Error::Reported) => ExitCode::from(USAGE),
    }
}

/// The exit code of a finished run (`--update-expect` passes when the file was written).
pub fn for_run(end: RunEnd, updating: bool) -> ExitCode {
    ExitCode::from(match end {
        RunEnd::TargetUnusable => TARGET_UNUSABLE,
        RunEnd::Passed => SUCCESS,
        RunEnd::Deviations if updating => SUCCESS,
        RunEnd::Deviations => FAILURES,
    })
}

/// Set once stdout is found closed: later output is dropped.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes `text` to stdout. A closed stdout ends the output: this and later writes are dropped,
/// and the command goes on to the exit code it would have had. Any other write error is
/// reported once on stderr.
pub fn out(text: std::fmt::Arguments<'_>) {
    use std::sync::atomic::Ordering;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = stdout.write_fmt(text).and_then(|()| stdout.flush()) {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
        if err.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write to stdout: {err}");
        }
    }
}

/// Writes to stdout; a closed stdout (`conform list | head -1`) is not an error, so the
/// command ends quietly with the exit code it would have had.
pub fn print_stdout(text: &str) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(Error::Usage(format!("cannot write to stdout: {err}"))),
    }
}
