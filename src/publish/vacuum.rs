//! Retention and recovery: after a run has published, files that no retained run needs are
//! deleted from the table folders (so a plain Parquet reader of a folder sees exactly the current
//! data); before a run starts, whatever a run that died left behind is undone.
//!
//! The runs whose files are kept are the last `[warehouse] keep_runs` published runs, listed in
//! each published manifest as `retained_runs`, and the runs superseded less than
//! `[warehouse] superseded_grace_secs` ago (`grace_runs`), so a query that started on the
//! previous publish can finish; each run's manifest records the Delta version of
//! every table it published (`delta_versions`). Manifests themselves are never deleted.

use std::collections::{BTreeMap, BTreeSet};

use tracing::{info, warn};

use super::delta::{self, CommitInfo};
use super::{staging_root, STAGING};
use crate::manifest::Manifest;
use crate::storage::Location;
use crate::{failpoint, Error, Result};

/// Folder of the Delta log inside a table folder; vacuum never touches it.
const DELTA_LOG: &str = "_delta_log/";

/// Table folder → Delta versions to keep, gathered from the manifests of the retained runs.
pub type Keep = BTreeMap<String, BTreeSet<u64>>;

/// The manifest of the run whose tables are published (`_runs/published.json`); `None` when no
/// run has published yet. A manifest that exists but cannot be read is an error, never "nothing
/// published": treating it as absent would let a run or a reader ignore what is live.
pub async fn published_manifest(warehouse: &Location) -> Result<Option<Manifest>> {
    let path = warehouse.child("_runs/published.json");
    let bytes = match warehouse.get(&path).await {
        Ok(b) => b,
        Err(Error::Store { source: object_store::Error::NotFound { .. }, .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        Error::Environment(format!(
            "{}/_runs/published.json is not a run manifest ({e}); it names the live tables, so nothing is done until it is restored \
             (copy the newest `_runs/<run_id>.json` whose status is succeeded over it)",
            warehouse.display
        ))
    })
}

/// The runs whose files a published manifest keeps at `now`: its `retained_runs` and the runs it
/// superseded less than the grace period ago (`grace_runs`, run id → RFC 3339 time they may go).
pub fn kept_runs(manifest: &Manifest, now: chrono::DateTime<chrono::Utc>) -> Vec<String> {
    let mut runs = manifest.retained_runs.clone();
    for (run, until) in grace_of(manifest) {
        if until > now && !runs.contains(&run) {
            runs.push(run);
        }
    }
    runs
}

fn grace_of(manifest: &Manifest) -> Vec<(String, chrono::DateTime<chrono::Utc>)> {
    manifest.grace_runs.iter().filter_map(|(k, v)| Some((k.clone(), chrono::DateTime::parse_from_rfc3339(v).ok()?.to_utc()))).collect()
}

/// The superseded runs whose files stay for `grace` after a new run publishes at `now`, so that a
/// query that started before the publish can finish: the previous manifest's retained runs that
/// are no longer retained, and its own grace runs whose time has not run out.
pub fn grace_runs(
    previous: Option<&Manifest>,
    retained: &[String],
    now: chrono::DateTime<chrono::Utc>,
    grace: std::time::Duration,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(prev) = previous else { return out };
    if grace.is_zero() {
        return out;
    }
    let until = now + chrono::Duration::from_std(grace).unwrap_or(chrono::Duration::MAX);
    for (run, t) in grace_of(prev) {
        if t > now && !retained.contains(&run) {
            out.insert(run, t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
    }
    for run in kept_runs(prev, now).into_iter().chain([prev.run_id.clone()]) {
        if !retained.contains(&run) {
            out.entry(run).or_insert_with(|| until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
    }
    out
}

/// The runs to keep after a new run publishes: it and the `keep_runs - 1` runs the previous
/// published manifest kept.
pub fn retained_runs(run_id: &str, previous: Option<&Manifest>, keep_runs: usize) -> Vec<String> {
    let mut runs = vec![run_id.to_string()];
    if let Some(prev) = previous {
        // A manifest from before retention kept its own run only.
        match prev.retained_runs.is_empty() {
            false => runs.extend(prev.retained_runs.iter().cloned()),
            true => runs.push(prev.run_id.clone()),
        }
    }
    runs.dedup();
    runs.truncate(keep_runs.max(1));
    runs
}

/// The table versions to keep: those the retained runs' manifests record. `current` is the
/// manifest of the run that just published (its file may not be readable yet on every store).
pub async fn keep_of(warehouse: &Location, retained: &[String], current: Option<&Manifest>) -> Keep {
    let mut keep = Keep::new();
    for id in retained {
        let manifest = match current.filter(|c| &c.run_id == id) {
            Some(c) => Some(c.clone()),
            None => warehouse
                .get(&warehouse.child(&format!("_runs/{id}.json")))
                .await
                .ok()
                .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok()),
        };
        match manifest {
            Some(m) => m.delta_versions.into_iter().for_each(|(dir, v)| {
                keep.entry(dir).or_default().insert(v);
            }),
            None => {
                warn!(run_id = %id, "the manifest of a retained run is missing or unreadable; only the current table versions are kept")
            }
        }
    }
    keep
}

/// Deletes, from each table folder in `keep`, every file that neither the table's current version
/// nor a kept version references: superseded files and files left by a run that died. Returns
/// the number of files deleted.
pub async fn vacuum(warehouse: &Location, keep: &Keep) -> Result<usize> {
    let mut deleted = 0;
    for (dir, versions) in keep {
        let Some(table) = delta::open(warehouse, dir, None).await? else { continue };
        let latest = delta::version(&table);
        let mut needed = delta::files(&table, dir)?;
        for &v in versions.iter().filter(|&&v| v < latest) {
            match delta::open(warehouse, dir, Some(v)).await {
                Ok(Some(old)) => needed.extend(delta::files(&old, dir)?),
                Ok(None) => {}
                Err(e) => warn!(table = %dir, version = v, error = %e, "a retained version can no longer be read; its files are not kept"),
            }
        }
        for meta in warehouse.list(dir).await? {
            let rel = warehouse.relative(&meta.location);
            let inside = rel.strip_prefix(&format!("{dir}/")).unwrap_or(&rel);
            if !inside.starts_with(DELTA_LOG) && !needed.contains(inside) {
                warehouse.delete(&meta.location).await?;
                deleted += 1;
            }
        }
        warehouse.prune_empty_folders(dir)?;
        failpoint::hit("publish.vacuum");
    }
    Ok(deleted)
}

/// Whether a run left its staging area behind (it died or failed before finishing).
async fn unfinished_run(warehouse: &Location) -> Result<bool> {
    Ok(!warehouse.list(STAGING).await?.is_empty())
}

/// Undoes a run that did not finish: every table it committed is restored (by a new Delta
/// commit) to the version the published manifest records, the files it wrote are vacuumed, and
/// its staging area is deleted. Does nothing when no run left staged files behind.
pub async fn recover(warehouse: &Location) -> Result<()> {
    if !unfinished_run(warehouse).await? {
        return Ok(());
    }
    warn!(warehouse = %warehouse.display, "a previous run did not finish: undoing what it left behind");
    if let Some(published) = published_manifest(warehouse).await? {
        let info = CommitInfo { run_id: published.run_id.clone(), run_key: published.run_key.clone(), as_at: published.as_at.clone() };
        let mut restored = 0;
        for (dir, &v) in &published.delta_versions {
            if restore(warehouse, dir, v, &info).await? {
                restored += 1;
            }
        }
        let keep = keep_of(warehouse, &kept_runs(&published, chrono::Utc::now()), Some(&published)).await;
        let deleted = vacuum(warehouse, &keep).await?;
        info!(tables_restored = restored, files_deleted = deleted, "the unfinished run is undone");
    }
    for meta in warehouse.list(STAGING).await? {
        warehouse.delete(&meta.location).await?;
    }
    warehouse.prune_empty_folders(STAGING)
}

/// Undoes the unfinished runs of every warehouse in the folders directly below `folder` (the ad
/// hoc reruns, `restricted/reruns/as_at=…/`), as [`recover`] does for one. A rerun that died
/// leaves its staging area, which holds the identifiable core it was reading: the next run of
/// any date deletes it (it holds the one lock of the whole warehouse), not only the next rerun
/// as at the same date.
pub async fn recover_below(root: &Location, folder: &str) -> Result<()> {
    for name in root.sub(folder).folders().await? {
        recover(&root.sub(&format!("{folder}/{name}"))).await?;
    }
    Ok(())
}

/// Restores a table to `version` when its current files differ from that version's. Returns
/// whether it did.
async fn restore(warehouse: &Location, dir: &str, version: u64, info: &CommitInfo) -> Result<bool> {
    let Some(table) = delta::open(warehouse, dir, None).await? else { return Ok(false) };
    let Some(published) = delta::open(warehouse, dir, Some(version)).await? else { return Ok(false) };
    if delta::files(&table, dir)? == delta::files(&published, dir)? {
        return Ok(false);
    }
    warn!(table = dir, from = delta::version(&table), to = version, "restoring a table to its published version");
    table
        .restore()
        .with_version_to_restore(version as _)
        .with_commit_properties(info.properties())
        .await
        .map_err(|source| Error::delta(dir, source))?;
    Ok(true)
}

/// Finishes a published run: deletes the files no retained run needs and the run's staging area.
pub async fn after_publish(warehouse: &Location, run_id: &str, retained: &[String], current: &Manifest) -> Result<usize> {
    let keep = keep_of(warehouse, retained, Some(current)).await;
    let deleted = vacuum(warehouse, &keep).await?;
    warehouse.delete_all(&staging_root(run_id)).await?;
    warehouse.prune_empty_folders(STAGING)?;
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(json: serde_json::Value) -> Manifest {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn retained_runs_keep_the_newest_n() {
        let prev = manifest(serde_json::json!({"run_id": "b", "retained_runs": ["b", "a"]}));
        assert_eq!(retained_runs("c", Some(&prev), 1), ["c"]);
        assert_eq!(retained_runs("c", Some(&prev), 2), ["c", "b"]);
        assert_eq!(retained_runs("c", Some(&prev), 5), ["c", "b", "a"]);
        let legacy = manifest(serde_json::json!({"run_id": "b"}));
        assert_eq!(retained_runs("c", Some(&legacy), 3), ["c", "b"]);
        assert_eq!(retained_runs("c", None, 3), ["c"]);
    }

    #[test]
    fn superseded_runs_are_kept_for_the_grace_period_then_go() {
        let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let hour = std::time::Duration::from_secs(3600);
        let prev = manifest(
            serde_json::json!({"run_id": "b", "retained_runs": ["b"], "grace_runs": {"a": "2026-01-01T00:30:00Z", "z": "2025-12-31T23:00:00Z"}}),
        );
        let now = t("2026-01-01T00:00:00Z");
        // b was just superseded: kept an hour; a's grace still runs; z's has run out.
        let grace = grace_runs(Some(&prev), &["c".into()], now, hour);
        assert_eq!(
            grace,
            BTreeMap::from([("a".to_string(), "2026-01-01T00:30:00Z".to_string()), ("b".to_string(), "2026-01-01T01:00:00Z".to_string())])
        );
        let current = manifest(serde_json::json!({"run_id": "c", "retained_runs": ["c"], "grace_runs": grace}));
        assert_eq!(kept_runs(&current, now), ["c", "a", "b"]);
        assert_eq!(kept_runs(&current, t("2026-01-01T00:45:00Z")), ["c", "b"]);
        assert_eq!(kept_runs(&current, t("2026-01-01T02:00:00Z")), ["c"]);
        // No grace, or no previous run: nothing extra.
        assert!(grace_runs(Some(&prev), &["c".into()], now, std::time::Duration::ZERO).is_empty());
        assert!(grace_runs(None, &["c".into()], now, hour).is_empty());
        // A run still retained is not a grace run.
        assert!(grace_runs(Some(&prev), &["c".into(), "b".into()], now, hour).keys().all(|k| k != "b"));
    }
}
