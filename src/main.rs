//! The `conform` binary: parses the command line and maps the result to an exit code; the
//! engine is the library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
