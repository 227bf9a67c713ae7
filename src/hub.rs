//! Many local authorities in one process, as a regional or national hub runs them: each LA is
//! its own run (its own input folder, warehouse, run lock, manifest and exit status, exactly as
//! `csc run` would make it), and several LAs run at once so both cores stay busy while one LA
//! waits on a query or a commit. The reference data every run needs (DfE published figures,
//! populations) is built once for the whole process.

use tracing::{info, info_span, Instrument};

use crate::config::{Overrides, RunConfig};
use crate::manifest::RunStatus;
use crate::run::{run, ExitStatus, RunOptions, RunOutcome};
use crate::storage::Location;
use crate::{Error, Result};

/// Placeholder for the LA code in `--input` and `--warehouse`; without it the code is appended as
/// a folder (`ROOT` → `ROOT/852`).
pub const LA_PLACEHOLDER: &str = "{la}";

/// Where one LA's input or warehouse is: `{la}` replaced by its code, or the code appended.
pub fn la_location(template: &str, la_code: &str) -> String {
    if template.contains(LA_PLACEHOLDER) {
        template.replace(LA_PLACEHOLDER, la_code)
    } else {
        format!("{}/{la_code}", template.trim_end_matches('/'))
    }
}

/// The LAs with a folder in the input: every folder directly below the part of `input` before
/// `{la}` (or below `input`) whose name is a DfE LA code, in code order.
pub async fn discover(input: &str) -> Result<Vec<String>> {
    let root = input.split(LA_PLACEHOLDER).next().unwrap_or(input).trim_end_matches('/');
    let location = Location::parse(root, false)?;
    let mut codes: Vec<String> = location.folders().await?.into_iter().filter(|c| crate::reference::la_name(c).is_some()).collect();
    codes.sort();
    if codes.is_empty() {
        return Err(Error::Input(format!("no folder below {root} is named by a DfE local authority code (e.g. {root}/852)")));
    }
    Ok(codes)
}

/// One LA's result.
#[derive(Debug)]
pub struct LaOutcome {
    pub la_code: String,
    /// The run's configuration, when it could be resolved.
    pub config: Option<RunConfig>,
    pub outcome: Result<RunOutcome>,
    pub elapsed: std::time::Duration,
}

/// Runs every LA in `las`, `jobs` at a time (default: one per core). `flags` are the command line's, with `input` and
/// `warehouse` as templates ([`la_location`]); each LA's configuration is resolved from them as
/// `csc run --la CODE` resolves it. Results come back in the order of `las`; one LA failing does
/// not stop the others.
pub async fn run_all(
    flags: &Overrides,
    las: &[String],
    jobs: Option<usize>,
    opts: &RunOptions,
    today: chrono::NaiveDate,
) -> Vec<LaOutcome> {
    let cores = crate::work_queue::cores(1);
    let jobs = jobs.unwrap_or(cores).max(1);
    let partitions = (cores / jobs).max(1);
    // One thread per job, each taking the next LA in order and driving its run on the shared
    // runtime, so the runs really proceed side by side (their queries' own tasks go to the
    // runtime's workers) rather than taking turns on one task.
    let runtime = tokio::runtime::Handle::current();
    crate::run::cpu_bound(|| {
        crate::work_queue::map_ordered(las, jobs, |la_code| {
            let started = std::time::Instant::now();
            // A panic in one LA's run is that LA's failure; the others go on.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                runtime.block_on(run_one(flags, la_code.clone(), opts, today, partitions))
            }))
            .unwrap_or_else(|panic| LaOutcome {
                la_code: la_code.clone(),
                config: None,
                outcome: Err(Error::Internal(crate::run::panic_message(&*panic))),
                elapsed: started.elapsed(),
            })
        })
    })
}

/// One LA's run, as `csc run --la CODE` with the hub's flags would make it, its queries split
/// into `partitions` (the LAs running at once share the cores, so each query takes its share
/// rather than splitting and re-merging its rows across every core).
async fn run_one(flags: &Overrides, la_code: String, opts: &RunOptions, today: chrono::NaiveDate, partitions: usize) -> LaOutcome {
    let started = std::time::Instant::now();
    let mut mine = flags.clone();
    mine.la = Some(la_code.clone());
    mine.input = flags.input.as_deref().map(|t| la_location(t, &la_code));
    mine.warehouse = Some(la_location(flags.warehouse.as_deref().unwrap_or("warehouse"), &la_code));
    let (config, outcome) = match RunConfig::resolve(&mine, today) {
        Ok(mut cfg) => {
            cfg.session.partitions.get_or_insert(partitions);
            let outcome = run(&cfg, opts).instrument(info_span!("la", code = %la_code)).await;
            (Some(cfg), outcome)
        }
        Err(e) => (None, Err(e)),
    };
    let elapsed = started.elapsed();
    info!(la = %la_code, status = %status(&outcome), elapsed_ms = elapsed.as_millis() as u64, "local authority finished");
    LaOutcome { la_code, config, outcome, elapsed }
}

fn status(outcome: &Result<RunOutcome>) -> RunStatus {
    match outcome {
        Ok(o) => o.manifest.status,
        Err(_) => RunStatus::Failed,
    }
}

/// The exit status of a whole hub run: failed when any LA failed, else too many errors when any
/// published with too many data-quality errors, else, when every LA was skipped (nothing
/// changed), stuck if any LA's input has been unchanged past `[run] unchanged_alert_days` and
/// unchanged if not; else published.
pub fn exit_status(results: &[LaOutcome]) -> ExitStatus {
    let each: Vec<ExitStatus> = results
        .iter()
        .map(|r| match (&r.outcome, &r.config) {
            (Ok(outcome), Some(cfg)) => crate::run::exit_status(cfg, outcome),
            _ => ExitStatus::Failed,
        })
        .collect();
    let skipped = |s: &ExitStatus| matches!(s, ExitStatus::Unchanged | ExitStatus::Stuck);
    if each.contains(&ExitStatus::Failed) {
        ExitStatus::Failed
    } else if each.contains(&ExitStatus::TooManyErrors) {
        ExitStatus::TooManyErrors
    } else if !each.is_empty() && each.iter().all(skipped) {
        if each.contains(&ExitStatus::Stuck) {
            ExitStatus::Stuck
        } else {
            ExitStatus::Unchanged
        }
    } else {
        ExitStatus::Published
    }
}

/// One line per LA: code, name, status, measure rows, error issues, time and warehouse, or the
/// error that stopped it (storage and SQL errors carry no personal data); then the totals.
pub fn summary(out: &mut impl std::io::Write, results: &[LaOutcome]) -> std::io::Result<()> {
    for r in results {
        let name = r.config.as_ref().map(|c| c.la_name.as_str()).unwrap_or("");
        match &r.outcome {
            Ok(o) => writeln!(
                out,
                "{} {name}: {}, {} measure rows, {} error issues, {:.1} s, {}",
                r.la_code,
                o.manifest.status,
                o.manifest.measures.rows,
                o.manifest.issues.by_severity.error,
                r.elapsed.as_secs_f64(),
                o.warehouse
            )?,
            Err(e) => writeln!(out, "{} {name}: failed after {:.1} s: {e}", r.la_code, r.elapsed.as_secs_f64())?,
        }
    }
    let published = results.iter().filter(|r| matches!(&r.outcome, Ok(o) if o.manifest.status != RunStatus::Skipped)).count();
    let failed = results.iter().filter(|r| r.outcome.is_err()).count();
    writeln!(
        out,
        "{} local authorities: {published} published, {} skipped, {failed} failed",
        results.len(),
        results.len() - published - failed
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn la_location_substitutes_or_appends() {
        assert_eq!(la_location("/data/{la}/ssd", "852"), "/data/852/ssd");
        assert_eq!(la_location("/data/", "852"), "/data/852");
        assert_eq!(la_location("az://hub/warehouse", "330"), "az://hub/warehouse/330");
    }

    #[tokio::test]
    async fn discover_keeps_only_la_code_folders() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["852", "330", "notes", "999"] {
            std::fs::create_dir_all(dir.path().join(f).join("ssd")).unwrap();
        }
        let root = dir.path().display().to_string();
        assert_eq!(discover(&root).await.unwrap(), vec!["330", "852"]);
        assert_eq!(discover(&format!("{root}/{{la}}/ssd")).await.unwrap(), vec!["330", "852"]);
        let empty = tempfile::tempdir().unwrap();
        assert!(discover(&empty.path().display().to_string()).await.is_err());
    }
}
