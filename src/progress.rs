//! Progress bars for long stages, drawn on standard error only when it is a terminal and logs
//! are for people (`--log-format text`); a scheduled run's output stays clean.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turns the bars on when standard error is a terminal and `wanted` (text logs) is true.
pub fn enable(wanted: bool) {
    use std::io::IsTerminal;
    ENABLED.store(wanted && std::io::stderr().is_terminal(), Ordering::Relaxed);
}

/// The bar of one stage; a no-op when bars are off. Cheap to clone across threads.
#[derive(Clone)]
pub struct Stage(Option<ProgressBar>);

/// Starts a bar for `total` steps of a stage (files, measures, tables).
pub fn stage(name: &str, total: u64, unit: &str) -> Stage {
    if !ENABLED.load(Ordering::Relaxed) {
        return Stage(None);
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(&format!("{{prefix:>10}} [{{bar:30}}] {{pos}}/{{len}} {unit} ({{elapsed}})"))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style.progress_chars("=> "));
    bar.set_prefix(name.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    Stage(Some(bar))
}

impl Stage {
    /// One step done.
    pub fn inc(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    /// Removes the bar (the stage's log line follows).
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
