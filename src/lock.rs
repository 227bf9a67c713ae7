//! The run lock: one run at a time over a warehouse.
//!
//! A run creates `<warehouse>/_lock.json` with an atomic create-if-absent write (local disk and
//! the cloud stores all support it), so two runs started together cannot both get it. The lock
//! holds a random token and a lease: while the run lives, a heartbeat thread renews the lease
//! every [`RENEW_EVERY`], so a lock whose lease has expired belongs to a run that died (or hung)
//! and is taken over. On this machine a lock whose process is gone is taken over at once.
//!
//! Takeover is atomic: on an object store the stale lock is replaced by a conditional put that
//! succeeds only if the lock is still the one judged stale (its ETag); on local disk the stale
//! lock is renamed aside, which only one of several contenders can do. Release (and renewal)
//! touch the lock only while it still holds this run's token. A lock that cannot be read, or is
//! not a csc lock, is an error that says what to do, never a spin.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use object_store::path::Path;
use object_store::{GetResult, ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};
use serde::{Deserialize, Serialize};
use tracing::{error, warn};

use crate::storage::Location;
use crate::{Error, Result};

const LOCK_FILE: &str = "_lock.json";

/// How long a lock stays valid without renewal.
pub const LEASE: Duration = Duration::from_secs(120);

/// How often a running run renews its lease.
pub const RENEW_EVERY: Duration = Duration::from_secs(20);

/// A lock written before leases existed (no `lease_until`) is stale after this long.
const LEGACY_STALE_AFTER: Duration = Duration::from_secs(6 * 60 * 60);

/// How long to wait between two attempts when another run holds the lock.
const RETRY_EVERY: Duration = Duration::from_secs(1);

/// Who holds the lock, as written in `_lock.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Holder {
    /// Random per run: release and renewal only touch a lock holding their own token.
    #[serde(default)]
    pub token: String,
    pub pid: u32,
    pub host: String,
    /// RFC 3339 time the lock was taken.
    pub since: String,
    /// RFC 3339 time the lease runs out unless renewed.
    #[serde(default)]
    pub lease_until: Option<String>,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "process {} on {} since {}", self.pid, self.host, self.since)
    }
}

impl Holder {
    fn new(token: &str) -> Holder {
        let now = chrono::Utc::now();
        Holder {
            token: token.to_string(),
            pid: std::process::id(),
            host: host_name(),
            since: rfc3339(now),
            lease_until: Some(rfc3339(now + LEASE)),
        }
    }

    fn renewed(&self) -> Holder {
        Holder { lease_until: Some(rfc3339(chrono::Utc::now() + LEASE)), ..self.clone() }
    }

    fn body(&self) -> Result<PutPayload> {
        Ok(PutPayload::from(serde_json::to_vec(self)?))
    }

    /// Whether the holder has gone: its lease ran out, or its process no longer exists on this
    /// machine.
    fn is_abandoned(&self) -> bool {
        let now = chrono::Utc::now();
        let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok();
        let expired = match &self.lease_until {
            Some(until) => parse(until).is_none_or(|t| t < now),
            None => parse(&self.since).is_none_or(|t| now.signed_duration_since(t).to_std().is_ok_and(|a| a > LEGACY_STALE_AFTER)),
        };
        expired || (self.host == host_name() && cfg!(target_os = "linux") && !std::path::Path::new(&format!("/proc/{}", self.pid)).exists())
    }
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn random_token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    hex::encode(bytes)
}

/// A held lock. Release it with [`RunLock::release`]; if the run unwinds instead, dropping the
/// lock releases it too. While held, a heartbeat thread renews its lease.
#[derive(Debug)]
pub struct RunLock {
    warehouse: Location,
    token: String,
    /// Set by the heartbeat when the lock is found to belong to another run.
    lost: Arc<AtomicBool>,
    stop: Option<mpsc::Sender<()>>,
    heartbeat: Option<std::thread::JoinHandle<()>>,
    released: bool,
}

/// The lock object as read: who holds it and the version a conditional put must match.
struct Current {
    holder: Holder,
    version: UpdateVersion,
}

/// Reads the lock. `Ok(None)` when there is none; an error when it exists but cannot be read or
/// is not a csc lock.
async fn read(warehouse: &Location, path: &Path) -> Result<Option<Current>> {
    let got: GetResult = match warehouse.store.get(path).await {
        Ok(g) => g,
        Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(Error::store(path.to_string(), e)),
    };
    let version = UpdateVersion { e_tag: got.meta.e_tag.clone(), version: got.meta.version.clone() };
    let bytes = got.bytes().await.map_err(|e| Error::store(path.to_string(), e))?;
    let holder: Holder = serde_json::from_slice(&bytes).map_err(|_| {
        Error::Environment(format!(
            "the run lock {}/{LOCK_FILE} is not a lock csc wrote, so csc cannot tell whether a run holds the warehouse; \
             if no csc run is using it, delete that file and run again",
            warehouse.display
        ))
    })?;
    Ok(Some(Current { holder, version }))
}

impl RunLock {
    /// Takes the lock, waiting up to `wait` for another run to finish (no wait when `None`).
    pub async fn acquire(warehouse: &Location, wait: Option<Duration>) -> Result<RunLock> {
        let deadline = wait.map(|w| Instant::now() + w);
        let path = warehouse.child(LOCK_FILE);
        let token = random_token();
        loop {
            let me = Holder::new(&token);
            let opts = PutOptions { mode: PutMode::Create, ..Default::default() };
            match warehouse.store.put_opts(&path, me.body()?, opts).await {
                Ok(_) => return Ok(RunLock::held(warehouse, token)),
                Err(object_store::Error::AlreadyExists { .. }) => {}
                Err(e) => return Err(Error::store(path.to_string(), e)),
            }
            match read(warehouse, &path).await? {
                // Released between our two calls: try again.
                None => tokio::time::sleep(Duration::from_millis(50)).await,
                Some(current) if current.holder.is_abandoned() => {
                    warn!(holder = %current.holder, "taking over a lock left by a run that is no longer running");
                    if take_over(warehouse, &path, current, &me).await? {
                        return Ok(RunLock::held(warehouse, token));
                    }
                    // Another run is taking it over, or took it first: look again shortly.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Some(current) => match deadline {
                    Some(d) if Instant::now() < d => tokio::time::sleep(RETRY_EVERY.min(d - Instant::now())).await,
                    _ => return Err(Error::Locked { warehouse: warehouse.display.clone(), holder: current.holder.to_string() }),
                },
            }
        }
    }

    fn held(warehouse: &Location, token: String) -> RunLock {
        let lost = Arc::new(AtomicBool::new(false));
        let (stop, stopped) = mpsc::channel::<()>();
        let (wh, tok, flag) = (warehouse.clone(), token.clone(), lost.clone());
        // Its own thread and runtime: a run's CPU-bound stages cannot starve the renewals.
        let heartbeat = std::thread::Builder::new()
            .name("csc-lock-lease".into())
            .spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(RENEW_EVERY) {
                    match rt.block_on(renew(&wh, &tok)) {
                        Ok(true) => {}
                        Ok(false) => {
                            error!(warehouse = %wh.display, "the run lock was taken over by another run; this run will not publish");
                            flag.store(true, Ordering::SeqCst);
                            return;
                        }
                        Err(e) => warn!(error = %e, "could not renew the run lock's lease; retrying"),
                    }
                }
            })
            .ok();
        RunLock { warehouse: warehouse.clone(), token, lost, stop: Some(stop), heartbeat, released: false }
    }

    /// Extends the lease now (the heartbeat does this every [`RENEW_EVERY`]). `false` when the lock
    /// is no longer this run's.
    pub async fn renew_lease(&self) -> Result<bool> {
        renew(&self.warehouse, &self.token).await
    }

    /// An error if the lock has been taken over by another run since it was acquired (this run's
    /// lease ran out, e.g. the machine was suspended): the run must not publish.
    pub fn ensure_held(&self) -> Result<()> {
        if self.lost.load(Ordering::SeqCst) {
            return Err(Error::Environment(format!(
                "another run took over the run lock of {} while this run was working (its lease ran out); nothing was published — run again",
                self.warehouse.display
            )));
        }
        Ok(())
    }

    fn stop_heartbeat(&mut self) {
        drop(self.stop.take());
        if let Some(h) = self.heartbeat.take() {
            let _ = h.join();
        }
    }

    /// Releases the lock, if it is still this run's.
    pub async fn release(mut self) -> Result<()> {
        self.stop_heartbeat();
        self.released = true;
        release(&self.warehouse, &self.token).await
    }
}

impl Drop for RunLock {
    /// A run that unwinds (a panic) still releases its lock, from a thread of its own so that it
    /// works inside or outside an async runtime.
    fn drop(&mut self) {
        self.stop_heartbeat();
        if self.released {
            return;
        }
        let (wh, token) = (self.warehouse.clone(), self.token.clone());
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            rt.block_on(release(&wh, &token)).ok()
        })
        .join();
        if !matches!(done, Ok(Some(()))) {
            warn!("could not release the run lock while unwinding; its lease will run out");
        }
    }
}

/// Replaces a stale lock with ours, atomically. `false` when another run changed the lock first.
async fn take_over(warehouse: &Location, path: &Path, stale: Current, me: &Holder) -> Result<bool> {
    if let Some(dir) = warehouse.local_path() {
        return take_over_local(&dir, &stale.holder, me);
    }
    let opts = PutOptions { mode: PutMode::Update(stale.version), ..Default::default() };
    match warehouse.store.put_opts(path, me.body()?, opts).await {
        Ok(_) => Ok(true),
        Err(
            object_store::Error::Precondition { .. } | object_store::Error::AlreadyExists { .. } | object_store::Error::NotFound { .. },
        ) => Ok(false),
        Err(object_store::Error::NotImplemented { .. }) => {
            // A store without conditional updates (an S3 bucket without conditional puts
            // configured): delete, then create-if-absent, so at most one contender wins the create.
            warn!("this object store has no conditional update; taking over the stale lock by delete and create");
            warehouse.delete(path).await?;
            let opts = PutOptions { mode: PutMode::Create, ..Default::default() };
            match warehouse.store.put_opts(path, me.body()?, opts).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
                Err(e) => Err(Error::store(path.to_string(), e)),
            }
        }
        Err(e) => Err(Error::store(path.to_string(), e)),
    }
}

/// How long a takeover guard may stand before it is taken to be left by a process that died
/// inside a takeover.
const GUARD_STALE_AFTER: Duration = Duration::from_secs(60);

/// [`take_over`] on local disk. Contenders first create a guard file (create-if-absent, so one
/// at a time); the one holding it checks the lock is still the stale one it judged, then writes
/// its own lock beside and renames it over the stale one. The lock file is never absent, so no
/// plain create can slip in between.
fn take_over_local(dir: &std::path::Path, stale: &Holder, me: &Holder) -> Result<bool> {
    let io = |e| Error::Io { context: format!("taking over the run lock in {}", dir.display()), source: e };
    let guard = dir.join(format!("{LOCK_FILE}.takeover"));
    match std::fs::OpenOptions::new().write(true).create_new(true).open(&guard) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let age = std::fs::metadata(&guard).and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
            if age.is_some_and(|a| a > GUARD_STALE_AFTER) {
                let _ = std::fs::remove_file(&guard);
            }
            return Ok(false);
        }
        Err(e) => return Err(io(e)),
    }
    let replaced = (|| {
        let current: Option<Holder> = std::fs::read(dir.join(LOCK_FILE)).ok().and_then(|b| serde_json::from_slice(&b).ok());
        if !current.is_some_and(|h| h.token == stale.token && h.since == stale.since) {
            return Ok(false); // released, or already taken over
        }
        let fresh = dir.join(format!("{LOCK_FILE}.new-{}", me.token));
        std::fs::write(&fresh, serde_json::to_vec(me)?).map_err(io)?;
        std::fs::rename(&fresh, dir.join(LOCK_FILE)).map_err(io)?;
        Ok(true)
    })();
    let _ = std::fs::remove_file(&guard);
    replaced
}

/// Extends the lease of the lock holding `token`. `Ok(false)` when the lock is no longer ours.
async fn renew(warehouse: &Location, token: &str) -> Result<bool> {
    let path = warehouse.child(LOCK_FILE);
    let Some(current) = read(warehouse, &path).await? else { return Ok(false) };
    if current.holder.token != token {
        return Ok(false);
    }
    let renewed = current.holder.renewed();
    if let Some(dir) = warehouse.local_path() {
        // Write beside, then rename over: readers never see a half-written lock.
        let tmp = dir.join(format!("{LOCK_FILE}.renew-{token}"));
        let io = |e| Error::Io { context: format!("renewing the run lock in {}", dir.display()), source: e };
        std::fs::write(&tmp, serde_json::to_vec(&renewed)?).map_err(io)?;
        std::fs::rename(&tmp, dir.join(LOCK_FILE)).map_err(io)?;
        return Ok(true);
    }
    let opts = PutOptions { mode: PutMode::Update(current.version), ..Default::default() };
    match warehouse.store.put_opts(&path, renewed.body()?, opts).await {
        Ok(_) => Ok(true),
        Err(object_store::Error::Precondition { .. }) => Ok(false),
        Err(object_store::Error::NotImplemented { .. }) => {
            warehouse.put(&path, serde_json::to_vec(&renewed)?.into()).await?;
            Ok(true)
        }
        Err(e) => Err(Error::store(path.to_string(), e)),
    }
}

/// Deletes the lock if it still holds `token`.
async fn release(warehouse: &Location, token: &str) -> Result<()> {
    let path = warehouse.child(LOCK_FILE);
    match read(warehouse, &path).await {
        Ok(Some(current)) if current.holder.token == token => warehouse.delete(&path).await,
        Ok(Some(_)) => {
            warn!("the run lock now belongs to another run; left in place");
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(e) => Err(e),
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(dir: &tempfile::TempDir) -> Location {
        Location::parse(dir.path().to_str().unwrap(), true).unwrap()
    }

    fn write_lock(dir: &tempfile::TempDir, h: &Holder) {
        std::fs::write(dir.path().join(LOCK_FILE), serde_json::to_vec(h).unwrap()).unwrap();
    }

    fn on_disk(dir: &tempfile::TempDir) -> Option<Holder> {
        std::fs::read(dir.path().join(LOCK_FILE)).ok().map(|b| serde_json::from_slice(&b).unwrap())
    }

    #[tokio::test]
    async fn a_second_run_is_refused_until_the_first_releases() {
        let dir = tempfile::tempdir().unwrap();
        let wh = local(&dir);
        let first = RunLock::acquire(&wh, None).await.unwrap();
        let err = RunLock::acquire(&wh, None).await.unwrap_err();
        assert!(matches!(err, Error::Locked { .. }), "{err}");
        assert!(err.to_string().contains(&format!("process {}", std::process::id())));
        first.release().await.unwrap();
        RunLock::acquire(&wh, None).await.unwrap().release().await.unwrap();
    }

    #[tokio::test]
    async fn a_lock_left_by_a_dead_process_or_with_an_expired_lease_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let wh = local(&dir);
        // No process has pid 4,000,000 (above Linux's pid_max).
        let dead = Holder { pid: 4_000_000, ..Holder::new("dead") };
        write_lock(&dir, &dead);
        RunLock::acquire(&wh, None).await.unwrap().release().await.unwrap();
        // A lock from another machine whose lease ran out is stale; a live lease is not.
        let expired = Holder { pid: 1, host: "elsewhere".into(), lease_until: Some("2020-01-01T00:00:00Z".into()), ..Holder::new("old") };
        write_lock(&dir, &expired);
        RunLock::acquire(&wh, None).await.unwrap().release().await.unwrap();
        let live = Holder { pid: 1, host: "elsewhere".into(), ..Holder::new("live") };
        write_lock(&dir, &live);
        assert!(matches!(RunLock::acquire(&wh, None).await.unwrap_err(), Error::Locked { .. }));
        // A lock from before leases: stale after six hours.
        let legacy = serde_json::json!({"pid": 1, "host": "elsewhere", "since": "2020-01-01T00:00:00Z"});
        std::fs::write(dir.path().join(LOCK_FILE), legacy.to_string()).unwrap();
        RunLock::acquire(&wh, None).await.unwrap().release().await.unwrap();
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "nothing left beside the lock");
    }

    #[tokio::test]
    async fn of_many_runs_taking_over_one_stale_lock_exactly_one_wins() {
        let dir = tempfile::tempdir().unwrap();
        let wh = local(&dir);
        write_lock(&dir, &Holder { pid: 4_000_000, ..Holder::new("dead") });
        let contenders: Vec<_> = (0..8)
            .map(|_| {
                tokio::spawn({
                    let wh = wh.clone();
                    async move { RunLock::acquire(&wh, None).await }
                })
            })
            .collect();
        let mut won = Vec::new();
        for c in contenders {
            match c.await.unwrap() {
                Ok(lock) => won.push(lock),
                Err(e) => assert!(matches!(e, Error::Locked { .. }), "{e}"),
            }
        }
        assert_eq!(won.len(), 1, "exactly one run holds the lock");
        assert_eq!(on_disk(&dir).unwrap().token, won[0].token);
        won.pop().unwrap().release().await.unwrap();
    }

    #[tokio::test]
    async fn release_deletes_only_its_own_lock_and_a_dropped_lock_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let wh = local(&dir);
        let mine = RunLock::acquire(&wh, None).await.unwrap();
        // Another run took the lock over (say this one's lease ran out).
        let theirs = Holder { pid: 1, host: "elsewhere".into(), ..Holder::new("theirs") };
        write_lock(&dir, &theirs);
        mine.release().await.unwrap();
        assert_eq!(on_disk(&dir).unwrap().token, "theirs", "another run's lock is left in place");
        std::fs::remove_file(dir.path().join(LOCK_FILE)).unwrap();
        // A run that unwinds drops its lock without calling release.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let _lock = rt.block_on(RunLock::acquire(&wh, None)).unwrap();
            panic!("a bug in a stage");
        }));
        assert!(result.is_err());
        assert!(on_disk(&dir).is_none(), "the unwinding run released its lock");
    }

    #[tokio::test]
    async fn an_unreadable_lock_is_a_clear_error_not_a_spin_or_a_takeover() {
        let dir = tempfile::tempdir().unwrap();
        let wh = local(&dir);
        std::fs::write(dir.path().join(LOCK_FILE), b"not json").unwrap();
        let started = Instant::now();
        let err = RunLock::acquire(&wh, Some(Duration::from_secs(30))).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(err.to_string().contains("delete that file"), "{err}");
        assert_eq!(std::fs::read(dir.path().join(LOCK_FILE)).unwrap(), b"not json", "left as it was");
    }

    #[tokio::test]
    async fn the_lease_is_renewed_and_a_lost_lock_stops_the_publish() {
        let dir = tempfile::tempdir().unwrap();
        let wh = local(&dir);
        let lock = RunLock::acquire(&wh, None).await.unwrap();
        let first = on_disk(&dir).unwrap().lease_until.unwrap();
        assert!(renew(&wh, &lock.token).await.unwrap());
        assert!(on_disk(&dir).unwrap().lease_until.unwrap() >= first);
        assert!(!renew(&wh, "someone-else").await.unwrap());
        lock.ensure_held().unwrap();
        lock.lost.store(true, Ordering::SeqCst);
        assert!(lock.ensure_held().unwrap_err().to_string().contains("nothing was published"));
        lock.release().await.unwrap();
    }

    #[tokio::test]
    async fn waiting_gets_the_lock_once_it_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let wh = local(&dir);
        let first = RunLock::acquire(&wh, None).await.unwrap();
        let wh2 = wh.clone();
        let waiter = tokio::spawn(async move { RunLock::acquire(&wh2, Some(Duration::from_secs(10))).await });
        tokio::time::sleep(Duration::from_millis(1500)).await;
        first.release().await.unwrap();
        waiter.await.unwrap().unwrap().release().await.unwrap();
    }

    #[tokio::test]
    async fn conditional_takeover_on_an_object_store() {
        let wh = Location {
            store: Arc::new(object_store::memory::InMemory::new()),
            root_url: url::Url::parse("memory:///").unwrap(),
            prefix: object_store::path::Path::from("wh"),
            display: "memory:///wh".into(),
        };
        let path = wh.child(LOCK_FILE);
        let stale = Holder { pid: 1, host: "elsewhere".into(), lease_until: Some("2020-01-01T00:00:00Z".into()), ..Holder::new("old") };
        wh.put(&path, serde_json::to_vec(&stale).unwrap().into()).await.unwrap();
        let judged = read(&wh, &path).await.unwrap().unwrap();
        // Someone else replaced the stale lock after we read it: our conditional put must fail.
        let other = Holder::new("other");
        wh.put(&path, serde_json::to_vec(&other).unwrap().into()).await.unwrap();
        assert!(!take_over(&wh, &path, judged, &Holder::new("me")).await.unwrap());
        assert_eq!(read(&wh, &path).await.unwrap().unwrap().holder.token, "other");
    }
}
