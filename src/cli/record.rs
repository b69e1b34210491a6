//! `conform record`: a recording proxy that writes what passes through as a case file.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Args;

use super::exit;
use conform::record::journal::{recover, Finished, Session};
use conform::record::proxy::{run_proxy, ProxyOptions};
use conform::secrets::without_credentials;

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Base URL of the API to record.
    #[arg(long, value_name = "URL", required_unless_present = "recover")]
    pub upstream: Option<String>,
    /// Write the journal an interrupted session left for `--out` as case files, and exit.
    #[arg(long)]
    pub recover: bool,
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
    /// Stop after this many seconds without a request (counted from the start, and from every
    /// request received, refused ones included).
    #[arg(long, value_name = "SECONDS")]
    pub idle_timeout: Option<f64>,
    /// Largest request body forwarded, in bytes (413 above it).
    #[arg(long, value_name = "BYTES", default_value_t = conform::listener::MAX_BODY_BYTES)]
    pub max_body: usize,
    /// Seconds to wait for the upstream.
    #[arg(long, default_value_t = 30.0)]
    pub timeout: f64,
}

pub fn record_command(args: RecordArgs) -> Result<ExitCode, exit::Error> {
    if args.recover {
        let finished =
            recover(&args.out, args.force).map_err(|e| exit::Error::Usage(e.to_string()))?;
        return Ok(report(&finished));
    }
    let Some(upstream) = args.upstream.clone() else {
        return Err(exit::Error::Usage(
            "--upstream is required (or --recover)".to_string(),
        ));
    };
    if !(upstream.starts_with("http://") || upstream.starts_with("https://")) {
        return Err(exit::Error::Usage(
            "--upstream must be an http:// or https:// URL".to_string(),
        ));
    }
    // Where the cases go is checked before anything is forwarded.
    let session = Session::start(&args.out, args.split, args.force, &upstream)
        .map_err(|e| exit::Error::Usage(e.to_string()))?;
    let options = ProxyOptions {
        upstream: upstream.clone(),
        listen: format!("127.0.0.1:{}", args.port),
        timeout: Duration::from_secs_f64(args.timeout.max(0.001)),
        max_requests: args.max_requests,
        idle: args
            .idle_timeout
            .map(|s| Duration::from_secs_f64(s.max(0.0))),
        max_body: args.max_body,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    if let Err(err) = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst)) {
        eprintln!("warning: cannot handle SIGINT/SIGTERM: {err}");
    }
    let shared = Arc::new(Mutex::new(session));
    let sink = Arc::clone(&shared);
    let ran = run_proxy(
        &options,
        &stop,
        |addr| {
            let _ = writeln!(
                std::io::stdout(),
                "recording on http://{addr} -> {}",
                without_credentials(&upstream)
            );
            let _ = std::io::stdout().flush();
        },
        move |exchange| {
            sink.lock()
                .unwrap_or_else(|e| e.into_inner())
                .add(&exchange)
        },
    );
    let session = match Arc::try_unwrap(shared) {
        Ok(mutex) => mutex.into_inner().unwrap_or_else(|e| e.into_inner()),
        Err(_) => return Err(exit::Error::Usage("the proxy did not stop".to_string())),
    };
    if let Err(err) = ran {
        // Nothing was forwarded: finishing only removes the empty journal.
        let _ = session.finish();
        return Err(exit::Error::Usage(err.to_string()));
    }
    let journal = session.journal_path().to_path_buf();
    match session.finish() {
        Ok(finished) => Ok(report(&finished)),
        Err(err) => {
            eprintln!(
                "error: {err}; the journal {} keeps every recorded exchange: run `conform record --recover --out {}`",
                journal.display(),
                args.out.display()
            );
            Ok(exit::failing_if(true))
        }
    }
}

/// Prints what a session wrote and refused; fails when an exchange was refused.
fn report(finished: &Finished) -> ExitCode {
    for (path, steps) in &finished.written {
        outln!("wrote {} ({steps} request(s))", path.display());
    }
    if finished.unreadable > 0 {
        eprintln!(
            "warning: {} journal line(s) cut short (the session was killed mid-write) were left out",
            finished.unreadable
        );
    }
    for refused in &finished.refused {
        eprintln!(
            "error: exchange {} ({} {}) could not be recorded: {}",
            refused.index, refused.method, refused.url, refused.reason
        );
    }
    if finished.written.is_empty() && finished.refused.is_empty() {
        eprintln!("nothing recorded; no file written");
    }
    if finished.refused.is_empty() {
        exit::success()
    } else {
        let written: usize = finished.written.iter().map(|(_, n)| n).sum();
        eprintln!(
            "error: {} exchange(s) could not be recorded; the {written} others were written",
            finished.refused.len()
        );
        exit::failing_if(true)
    }
}
