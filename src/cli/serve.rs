//! `conform serve`: the fixture replayer over HTTP, until SIGINT or SIGTERM.

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use super::common::Dirs;
use super::exit;
use conform::listener::{Limits, MAX_BODY_BYTES};
use conform::server::{start, Index, Prepared};
use conform::suite::Suite;
use rayon::prelude::*;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Folder of cases to serve (repeatable; default: the global --cases).
    #[arg(long = "from", value_name = "DIR")]
    pub from: Vec<PathBuf>,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 12111)]
    pub port: u16,
    /// Address to bind; anything other than loopback must be asked for here explicitly.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Log one line per request (method, path, status, recording) on stderr.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Largest request body accepted, in bytes (413 above it).
    #[arg(long, default_value_t = MAX_BODY_BYTES, value_name = "BYTES")]
    pub max_body: usize,
    /// Connections held at once (default: what the open-file limit, raised to its hard limit,
    /// leaves room for; at least 256). When all are taken, the oldest idle one is closed.
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
}

pub fn serve_command(dirs: &Dirs, args: ServeArgs) -> Result<ExitCode, exit::Error> {
    let folders = if args.from.is_empty() {
        vec![dirs.cases.clone()]
    } else {
        args.from.clone()
    };
    let mut suites = Vec::new();
    for folder in &folders {
        match Suite::discover(folder) {
            Ok(suite) => suites.push(suite),
            Err(err) => {
                return Err(exit::Error::Usage(format!("{err}")));
            }
        }
    }
    // Cases are read and prepared in parallel, each dropped once prepared: the index keeps only
    // the prepared answers. Errors are shown in the suite's order.
    let items: Vec<_> = suites.iter().flat_map(|s| &s.items).collect();
    let prepared: Vec<_> = items
        .par_iter()
        .map(|item| item.case().map(|case| Prepared::of(&case)))
        .collect();
    let mut ready = Vec::with_capacity(prepared.len());
    for result in prepared {
        match result {
            Ok(prepared) => ready.push(prepared),
            Err(error) => eprintln!("error: not served: {error}"),
        }
    }
    let served = ready.len();
    let index = Arc::new(Index::from_prepared(ready));
    drop(suites);
    if !args.bind.is_loopback() {
        eprintln!(
            "warning: serving on {} makes the recordings reachable from other machines",
            args.bind
        );
    }
    let addr = format!("{}:{}", args.bind, args.port);
    let limits = Limits {
        max_body: args.max_body,
        max_connections: args.max_connections.unwrap_or_else(|| {
            conform::listener::raise_file_limit();
            conform::listener::connection_cap()
        }),
        // The replayer only computes: no blocking thread per request.
        blocking: false,
        ..Limits::default()
    };
    let log: Option<conform::server::Log> = args
        .verbose
        .then(|| Arc::new(|line: &str| eprintln!("{line}")) as conform::server::Log);
    let running = match start(Arc::clone(&index), &addr, log, limits) {
        Ok(running) => running,
        Err(message) => {
            return Err(exit::Error::Usage(message.to_string()));
        }
    };
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    if let Err(err) = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst)) {
        eprintln!("warning: cannot handle SIGINT/SIGTERM: {err}");
    }
    outln!(
        "listening on http://{} ({} cases, {} recordings)",
        running.addr,
        served,
        index.recordings.len()
    );
    let _ = std::io::stdout().flush();
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
    }
    running.shutdown();
    eprintln!("stopped");
    Ok(exit::success())
}
