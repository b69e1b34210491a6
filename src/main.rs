//! The `conform` binary: everything happens in the library.

fn main() -> std::process::ExitCode {
    conform::cli::main()
}
