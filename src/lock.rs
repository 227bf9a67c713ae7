//! The run lock: one run at a time over a warehouse.
//!
//! A run creates `<warehouse>/_lock.json` with an atomic create-if-absent write (local disk and
//! the cloud stores all support it), so two runs started together cannot both get it. The second
//! run stops with a clear message (or waits, if asked). A lock left by a run that died is taken
//! over when its process is gone (same machine) or it is older than [`STALE_AFTER`].

use std::time::Duration;

use object_store::{PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};
use tracing::warn;

use crate::storage::Location;
use crate::{Error, Result};

const LOCK_FILE: &str = "_lock.json";

/// A lock older than this is taken to belong to a run that died without releasing it.
pub const STALE_AFTER: Duration = Duration::from_secs(6 * 60 * 60);

/// Who holds the lock.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub host: String,
    /// RFC 3339 time the lock was taken.
    pub since: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "process {} on {} since {}", self.pid, self.host, self.since)
    }
}

/// A held lock; release it with [`RunLock::release`] when the run ends.
#[derive(Debug)]
pub struct RunLock {
    warehouse: Location,
}

impl RunLock {
    /// Takes the lock, waiting up to `wait` for another run to finish (no wait when `None`).
    pub async fn acquire(warehouse: &Location, wait: Option<Duration>) -> Result<RunLock> {
        let deadline = wait.map(|w| std::time::Instant::now() + w);
        let path = warehouse.child(LOCK_FILE);
        loop {
            let me = Holder { pid: std::process::id(), host: host_name(), since: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true) };
            let body = PutPayload::from(serde_json::to_vec(&me)?);
            let opts = PutOptions { mode: PutMode::Create, ..Default::default() };
            match warehouse.store.put_opts(&path, body, opts).await {
                Ok(_) => return Ok(RunLock { warehouse: warehouse.clone() }),
                Err(object_store::Error::AlreadyExists { .. }) => {}
                Err(e) => return Err(Error::store(path.to_string(), e)),
            }
            let holder: Option<Holder> = match warehouse.get(&path).await {
                Ok(bytes) => serde_json::from_slice(&bytes).ok(),
                Err(_) => continue, // released between our two calls: try again
            };
            if holder.as_ref().is_none_or(is_abandoned) {
                warn!(holder = %holder.map(|h| h.to_string()).unwrap_or_else(|| "unreadable lock".into()), "taking over a lock left by a run that is no longer running");
                warehouse.delete(&path).await?;
                continue;
            }
            let holder = holder.expect("checked above");
            match deadline {
                Some(d) if std::time::Instant::now() < d => tokio::time::sleep(Duration::from_secs(1)).await,
                _ => return Err(Error::Locked { warehouse: warehouse.display.clone(), holder: holder.to_string() }),
            }
        }
    }

    /// Releases the lock.
    pub async fn release(self) -> Result<()> {
        self.warehouse.delete(&self.warehouse.child(LOCK_FILE)).await
    }
}

/// Whether a lock's holder has gone: its process no longer exists on this machine, or the lock
/// is older than [`STALE_AFTER`].
fn is_abandoned(h: &Holder) -> bool {
    let age = chrono::DateTime::parse_from_rfc3339(&h.since).map(|t| chrono::Utc::now().signed_duration_since(t)).ok();
    if age.is_some_and(|a| a.to_std().is_ok_and(|a| a > STALE_AFTER)) {
        return true;
    }
    h.host == host_name() && cfg!(target_os = "linux") && !std::path::Path::new(&format!("/proc/{}", h.pid)).exists()
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname").map(|s| s.trim().to_string()).ok().filter(|s| !s.is_empty()).or_else(|| std::env::var("HOSTNAME").ok()).unwrap_or_else(|| "unknown-host".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_run_is_refused_until_the_first_releases() {
        let dir = tempfile::tempdir().unwrap();
        let wh = Location::parse(dir.path().to_str().unwrap(), true).unwrap();
        let first = RunLock::acquire(&wh, None).await.unwrap();
        let err = RunLock::acquire(&wh, None).await.unwrap_err();
        assert!(matches!(err, Error::Locked { .. }), "{err}");
        assert!(err.to_string().contains(&format!("process {}", std::process::id())));
        first.release().await.unwrap();
        RunLock::acquire(&wh, None).await.unwrap().release().await.unwrap();
    }

    #[tokio::test]
    async fn a_lock_left_by_a_dead_process_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let wh = Location::parse(dir.path().to_str().unwrap(), true).unwrap();
        // No process has pid 4,000,000 (above Linux's pid_max).
        let dead = Holder { pid: 4_000_000, host: host_name(), since: chrono::Utc::now().to_rfc3339() };
        std::fs::write(dir.path().join(LOCK_FILE), serde_json::to_vec(&dead).unwrap()).unwrap();
        RunLock::acquire(&wh, None).await.unwrap().release().await.unwrap();
        // An old lock from another machine is stale too.
        let old = Holder { pid: 1, host: "elsewhere".into(), since: "2020-01-01T00:00:00Z".into() };
        std::fs::write(dir.path().join(LOCK_FILE), serde_json::to_vec(&old).unwrap()).unwrap();
        RunLock::acquire(&wh, None).await.unwrap().release().await.unwrap();
    }

    #[tokio::test]
    async fn waiting_gets_the_lock_once_it_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let wh = Location::parse(dir.path().to_str().unwrap(), true).unwrap();
        let first = RunLock::acquire(&wh, None).await.unwrap();
        let wh2 = wh.clone();
        let waiter = tokio::spawn(async move { RunLock::acquire(&wh2, Some(Duration::from_secs(10))).await });
        tokio::time::sleep(Duration::from_millis(1500)).await;
        first.release().await.unwrap();
        waiter.await.unwrap().unwrap().release().await.unwrap();
    }
}
