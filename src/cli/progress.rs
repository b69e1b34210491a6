//! The terminal side of `conform run`: the progress bar (hidden until the run has taken half a
//! second, only on a terminal, counting failing cases as it goes) and the colour choice.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use conform::outcome::CaseOutcome;
use conform::report::Style;

pub struct Progress {
    bar: Option<ProgressBar>,
    shown: AtomicBool,
    failing: AtomicUsize,
    started: Instant,
}

impl Progress {
    /// A bar for `total` cases when `wanted` and stderr is a terminal.
    pub fn new(wanted: bool, total: usize) -> Progress {
        let bar = (wanted && std::io::stderr().is_terminal()).then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
            if let Ok(style) =
                ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Progress {
            bar,
            shown: AtomicBool::new(false),
            failing: AtomicUsize::new(0),
            started: Instant::now(),
        }
    }

    pub fn case_done(&self, outcome: &CaseOutcome) {
        let Some(bar) = &self.bar else {
            return;
        };
        if !self.shown.load(Ordering::Relaxed)
            && self.started.elapsed() > Duration::from_millis(500)
        {
            self.shown.store(true, Ordering::Relaxed);
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(200));
        }
        if !outcome.passed() {
            let n = self.failing.fetch_add(1, Ordering::Relaxed) + 1;
            bar.set_message(format!("{n} failing"));
        }
        bar.inc(1);
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// `auto` colours a terminal unless `NO_COLOR` is set.
    pub fn style(self) -> Style {
        let color = match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Style { color }
    }
}
