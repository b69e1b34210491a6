//! `conform record`: a recording proxy that writes what passes through as a case file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use super::exit;
use conform::record::case_files;
use conform::record::proxy::{run_proxy, ProxyOptions};
use conform::secrets::{redact_text, without_credentials};
use conform::write::write_atomic;

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Base URL of the API to record.
    #[arg(long, value_name = "URL")]
    pub upstream: String,
    /// The case file to write (`cases/recorded/NAME.json`).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Port to listen on, on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 12112)]
    pub port: u16,
    /// Write one case file per request (`NAME_01.json`, ...).
    #[arg(long)]
    pub split: bool,
    /// Replace existing files.
    #[arg(long)]
    pub force: bool,
    /// Stop after this many requests.
    #[arg(long)]
    pub max_requests: Option<usize>,
    /// Stop after this many seconds without a request.
    #[arg(long, value_name = "SECONDS")]
    pub idle_timeout: Option<f64>,
    /// Seconds to wait for the upstream.
    #[arg(long, default_value_t = 30.0)]
    pub timeout: f64,
}

pub fn record_command(args: RecordArgs) -> Result<ExitCode, exit::Error> {
    if !(args.upstream.starts_with("http://") || args.upstream.starts_with("https://")) {
        return Err(exit::Error::Usage(
            "--upstream must be an http:// or https:// URL".to_string(),
        ));
    }
    let Some(name) = args
        .out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
    else {
        return Err(exit::Error::Usage("--out must name a file".to_string()));
    };
    let dir = args
        .out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    if !args.force && !args.split && args.out.exists() {
        return Err(exit::Error::Usage(format!(
            "{} exists; pass --force to replace it",
            args.out.display()
        )));
    }
    let options = ProxyOptions {
        upstream: args.upstream.clone(),
        listen: format!("127.0.0.1:{}", args.port),
        timeout: Duration::from_secs_f64(args.timeout.max(0.001)),
        max_requests: args.max_requests,
        idle: args
            .idle_timeout
            .map(|s| Duration::from_secs_f64(s.max(0.0))),
    };
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    if let Err(err) = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst)) {
        eprintln!("warning: cannot handle SIGINT/SIGTERM: {err}");
    }
    let exchanges = match run_proxy(&options, &stop, |addr| {
        let _ = writeln!(
            std::io::stdout(),
            "recording on http://{addr} -> {}",
            without_credentials(&args.upstream)
        );
        let _ = std::io::stdout().flush();
    }) {
        Ok(exchanges) => exchanges,
        Err(message) => {
            return Err(exit::Error::Usage(message.to_string()));
        }
    };
    if exchanges.is_empty() {
        eprintln!("nothing recorded; no file written");
        return Ok(ExitCode::from(exit::SUCCESS));
    }
    let bad: Vec<(usize, &str)> = exchanges
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.problem.as_deref().map(|p| (i + 1, p)))
        .collect();
    if !bad.is_empty() {
        for (i, problem) in &bad {
            let e = &exchanges[i - 1];
            eprintln!(
                "error: exchange {i} ({} {}): {problem}",
                e.method,
                redact_text(&e.url)
            );
        }
        eprintln!(
            "error: {} of {} exchange(s) could not be recorded; no file written",
            bad.len(),
            exchanges.len()
        );
        return Ok(ExitCode::from(exit::FAILURES));
    }
    let files = case_files(&exchanges, &args.upstream, &name, args.split);
    for (file, text) in &files {
        if !args.force && dir.join(file).exists() {
            return Err(exit::Error::Usage(format!(
                "{} exists; pass --force to replace it",
                dir.join(file).display()
            )));
        }
        match write_atomic(&dir, file, text.as_bytes()) {
            Ok(path) => println!(
                "wrote {} ({} request(s))",
                path.display(),
                if args.split { 1 } else { exchanges.len() }
            ),
            Err(err) => {
                return Err(exit::Error::Usage(format!("{err}")));
            }
        }
    }
    Ok(ExitCode::from(exit::SUCCESS))
}
