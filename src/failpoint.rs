//! Fault injection for crash tests: named points in the run where a test can make the process
//! die (as `kill -9` would) or pause (so it can stop a storage service underneath the run).
//!
//! Configured only through the environment, never by the pipeline file:
//! `CSC_FAILPOINT=<point>[:<nth>]:<action>`, where `action` is `abort` (the process ends at once,
//! with no cleanup, like `kill -9`), `panic` (a bug: the thread unwinds) or `sleep=<ms>`. `<nth>` (default 1) picks which hit of the
//! point acts. With the variable unset, [`hit`] is a cheap no-op.
//!
//! Compiled in only with the `failpoints` feature (the test build: `scripts/test.sh` builds and
//! tests with it); without it [`hit`] does nothing and `CSC_FAILPOINT` is ignored, so a release
//! build cannot be made to abort or stall from its environment.

// Without the feature only the parser (tested either way) remains.
#![cfg_attr(not(feature = "failpoints"), allow(dead_code))]

#[cfg(feature = "failpoints")]
use std::sync::atomic::{AtomicUsize, Ordering};
#[cfg(feature = "failpoints")]
use std::sync::OnceLock;
use std::time::Duration;

/// The environment variable that arms a failpoint.
pub const ENV: &str = "CSC_FAILPOINT";

#[derive(Debug, Clone, PartialEq)]
enum Act {
    Abort,
    Panic,
    Sleep(Duration),
}

#[derive(Debug, Clone, PartialEq)]
struct Armed {
    point: String,
    nth: usize,
    act: Act,
}

fn parse(text: &str) -> Option<Armed> {
    let mut parts: Vec<&str> = text.split(':').collect();
    let act = match parts.pop()? {
        "abort" => Act::Abort,
        "panic" => Act::Panic,
        a => Act::Sleep(Duration::from_millis(a.strip_prefix("sleep=")?.parse().ok()?)),
    };
    let nth = match parts.len() {
        2 => parts.pop()?.parse().ok()?,
        1 => 1,
        _ => return None,
    };
    Some(Armed { point: parts.pop()?.to_string(), nth, act })
}

#[cfg(feature = "failpoints")]
fn armed() -> Option<&'static Armed> {
    static ARMED: OnceLock<Option<Armed>> = OnceLock::new();
    ARMED
        .get_or_init(|| {
            let text = std::env::var(ENV).ok()?;
            let parsed = parse(&text);
            if parsed.is_none() {
                tracing::warn!(value = %text, "{ENV} is not <point>[:<nth>]:abort|panic|sleep=<ms>; ignored");
            }
            parsed
        })
        .as_ref()
}

/// Marks a point in the run. Acts when `CSC_FAILPOINT` names this point and this is its nth hit.
#[cfg(feature = "failpoints")]
pub fn hit(point: &str) {
    static HITS: AtomicUsize = AtomicUsize::new(0);
    let Some(armed) = armed() else { return };
    if armed.point != point || HITS.fetch_add(1, Ordering::SeqCst) + 1 != armed.nth {
        return;
    }
    match armed.act {
        Act::Abort => {
            eprintln!("failpoint {point}: aborting");
            std::process::abort();
        }
        Act::Panic => panic!("failpoint {point}: panicking"),
        Act::Sleep(d) => {
            eprintln!("failpoint {point}: pausing {} ms", d.as_millis());
            std::thread::sleep(d);
        }
    }
}

/// Marks a point in the run: nothing happens in a build without the `failpoints` feature.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn hit(_point: &str) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_point_count_and_action() {
        assert_eq!(parse("publish.table:3:abort"), Some(Armed { point: "publish.table".into(), nth: 3, act: Act::Abort }));
        assert_eq!(
            parse("normalise.file:sleep=250"),
            Some(Armed { point: "normalise.file".into(), nth: 1, act: Act::Sleep(Duration::from_millis(250)) })
        );
        assert_eq!(parse("normalise.file:2:panic"), Some(Armed { point: "normalise.file".into(), nth: 2, act: Act::Panic }));
        assert_eq!(parse("x:y:z:abort"), None);
        assert_eq!(parse("x:explode"), None);
        assert_eq!(parse("x:two:abort"), None);
    }
}
