//! Exit codes of the `conform` binary.

/// Everything selected passed (or the command did what it was asked).
pub const SUCCESS: u8 = 0;
/// The run happened and something deviates: failing cases, lint errors, drift.
pub const FAILURES: u8 = 1;
/// The run could not happen: bad flags, unreadable folders, broken schemas.
pub const USAGE: u8 = 2;
