//! The `conform` command line: owns [`Cli`] and dispatches each subcommand to its file. Only
//! this module, `report/` and `harness.rs` print or read the environment.

// First: its output macros (`outln!`, `out!`) serve every module below.
#[macro_use]
pub mod exit;
mod bless;
pub mod common;
mod explore;
mod lint;
mod list;
mod matrix;
mod progress;
mod record;
mod run;
mod schemas;
mod serve;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use common::Dirs;

/// Offline conformance harness and fixture replayer for Stripe-compatible APIs.
#[derive(Debug, Parser)]
#[command(
    name = "conform",
    version,
    about,
    propagate_version = true,
    after_help = exit::HELP
)]
pub struct Cli {
    #[command(flatten)]
    pub dirs: Dirs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run cases against a target (the built-in replay target by default).
    #[command(after_help = exit::HELP)]
    Run(run::RunArgs),
    /// List the cases, grouped by resource.
    List(list::ListArgs),
    /// Write golden files from the recordings or from a live target.
    Bless(bless::BlessArgs),
    /// Check case files and golden files without running them.
    Lint(lint::LintArgs),
    /// Derive, check and measure the JSON Schemas of `schemas/`.
    #[command(subcommand)]
    Schemas(schemas::SchemasCommand),
    /// Validate JSON documents against the schemas.
    Validate(validate::ValidateArgs),
    /// Serve the recordings over HTTP, answering like the recorded API.
    Serve(serve::ServeArgs),
    /// Record exchanges through a proxy into a case file.
    Record(record::RecordArgs),
    /// Render a conformance matrix of cases against implementations.
    Matrix(matrix::MatrixArgs),
    /// Generate flows against a target, check them with the model, the schemas and the
    /// invariants, and shrink what they find to minimal cases.
    #[command(after_help = exit::HELP)]
    Explore(explore::ExploreArgs),
}

/// Parses the arguments and runs the command; the exit code says how it went.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => exit::finish(run::run_command(&cli.dirs, args)),
        Command::List(args) => exit::finish(list::list_command(&cli.dirs, args)),
        Command::Bless(args) => exit::finish(bless::bless_command(&cli.dirs, args)),
        Command::Lint(args) => exit::finish(lint::lint_command(&cli.dirs, args)),
        Command::Schemas(command) => exit::finish(schemas::schemas_command(command)),
        Command::Validate(args) => exit::finish(validate::validate_command(&cli.dirs, args)),
        Command::Serve(args) => exit::finish(serve::serve_command(&cli.dirs, args)),
        Command::Record(args) => exit::finish(record::record_command(args)),
        Command::Matrix(args) => exit::finish(matrix::matrix_command(&cli.dirs, args)),
        Command::Explore(args) => exit::finish(explore::explore_command(&cli.dirs, args)),
    }
}
