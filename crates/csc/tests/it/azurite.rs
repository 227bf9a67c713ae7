//! Runs against Azure Blob Storage, emulated by Azurite on loopback: a whole `csc run` reading its
//! inputs from and publishing to `az://` URLs, a storage outage in the middle of publishing, and a
//! short outage the retry policy rides out.
//!
//! Azurite is installed by `bash scripts/test.sh` (which exports `CSC_AZURITE_BIN`); each test
//! starts its own `azurite-blob` on a free port with its data in a temporary folder, and stops it
//! when done. Containers are made by `tests/azurite/create_container.js` (object_store cannot).

use std::io::{BufRead, BufReader, Lines};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Stdio};

use csc_pipeline::publish::delta;
use csc_pipeline::storage::{Location, StorageOptions};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use object_store::ObjectStoreExt;

use super::{demo, temp, TEST_KEY};

/// The Azurite blob service, run from its install folder, stopped (and its data removed) on drop.
struct Azurite {
    child: Option<Child>,
    port: u16,
    data: tempfile::TempDir,
}

/// The `azurite-blob` launcher: `CSC_AZURITE_BIN`, or where `scripts/test.sh` installs it.
fn azurite_bin() -> PathBuf {
    let bin = std::env::var_os("CSC_AZURITE_BIN").map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
        home.join(".cache/csc-pipeline/azurite/node_modules/.bin/azurite-blob")
    });
    assert!(
        bin.is_file(),
        "Azurite (the Azure Storage emulator these tests run against) is not installed at {}: run `bash scripts/test.sh`, \
         which installs it and sets CSC_AZURITE_BIN",
        bin.display()
    );
    bin
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Azurite {
    /// Starts Azurite on a free loopback port, keeping its data on disk so that a restart finds
    /// everything written before it stopped.
    fn start() -> Azurite {
        let mut azurite = Azurite { child: None, port: 0, data: temp() };
        // Another process may take the free port before Azurite binds it: try a few.
        for _ in 0..3 {
            azurite.port = free_port();
            if azurite.launch() {
                return azurite;
            }
        }
        panic!("Azurite did not start on three free ports (its error is above)");
    }

    /// Starts the process on `self.port` and waits until it listens; false if it exited instead.
    fn launch(&mut self) -> bool {
        let mut child = Command::new(azurite_bin())
            .args(["--blobHost", "127.0.0.1", "--blobPort", &self.port.to_string(), "--location"])
            .arg(self.data.path())
            .args(["--skipApiVersionCheck", "--loose", "--silent", "--disableTelemetry"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("Azurite starts (node must be on PATH)");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let listening = lines.by_ref().map_while(Result::ok).any(|l| l.contains("successfully listens"));
        if !listening {
            let _ = child.wait();
            return false;
        }
        // Keep reading what it prints so that it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        self.child = Some(child);
        true
    }

    /// Stops Azurite as a service stop would (SIGTERM: it stops listening, drops idle
    /// connections and saves its data) and waits until it has gone.
    fn stop(&mut self) {
        let mut child = self.child.take().expect("Azurite is running");
        let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        assert!(status.success());
        child.wait().unwrap();
    }

    /// Starts Azurite again on the same port over the same data.
    fn restart(&mut self) {
        assert!(self.launch(), "Azurite restarts on port {}", self.port);
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn create_container(&self, name: &str) {
        let script = Path::new(crate::REPO).join("tests/azurite/create_container.js");
        let o = Command::new("node").arg(script).args([&self.endpoint(), name]).output().expect("node runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }

    /// What a `csc` process is given to reach the emulator: object_store's emulator switch.
    fn run_env(&self) -> [(&'static str, String); 2] {
        [("AZURE_STORAGE_USE_EMULATOR", "true".to_string()), ("AZURITE_BLOB_STORAGE_URL", self.endpoint())]
    }

    /// A location in the emulator for this test process, configured the other supported way: an
    /// explicit account endpoint with Azurite's published development key (no process-wide
    /// environment, which parallel tests share).
    fn location(&self, url: &str) -> Location {
        let env = [
            ("AZURE_STORAGE_ACCOUNT_NAME", "devstoreaccount1".to_string()),
            (
                "AZURE_STORAGE_ACCOUNT_KEY",
                "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==".to_string(),
            ),
            ("AZURE_STORAGE_ENDPOINT", format!("{}/devstoreaccount1", self.endpoint())),
            ("AZURE_ALLOW_HTTP", "true".to_string()),
        ];
        Location::cloud(url, &StorageOptions::default(), env.map(|(k, v)| (k.to_string(), v))).unwrap()
    }
}

impl Drop for Azurite {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A demo extract in a temporary folder, uploaded to `az://inputs/ssd/`, and a pipeline file
/// reading it and publishing to `az://warehouse/southampton` with the given `[storage]` policy.
struct CloudRun {
    dir: tempfile::TempDir,
    pipeline: PathBuf,
}

async fn cloud_run(azurite: &Azurite, storage: &str) -> CloudRun {
    let dir = temp();
    demo(dir.path());
    azurite.create_container("inputs");
    azurite.create_container("warehouse");
    let inputs = azurite.location("az://inputs/ssd");
    for entry in std::fs::read_dir(dir.path().join("input/ssd")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        inputs.put(&inputs.child(&name), std::fs::read(&path).unwrap().into()).await.unwrap();
    }
    let pipeline = dir.path().join("cloud.toml");
    let text = format!("[la]\ncode = \"852\"\n[input]\nlocation = \"az://inputs/ssd\"\n[warehouse]\nlocation = \"az://warehouse/southampton\"\n[run]\nas_at = 2023-03-31\n[storage]\n{storage}\n");
    std::fs::write(&pipeline, text).unwrap();
    CloudRun { dir, pipeline }
}

impl CloudRun {
    /// `csc run --pipeline cloud.toml <extra>` against the emulator.
    fn command(&self, azurite: &Azurite, extra: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_csc"));
        cmd.args(["run", "--pipeline", self.pipeline.to_str().unwrap()])
            .args(extra)
            .env("CSC_PSEUDONYM_KEY", TEST_KEY)
            .envs(azurite.run_env());
        cmd
    }

    fn run(&self, azurite: &Azurite, extra: &[&str]) -> std::process::Output {
        self.command(azurite, extra).output().unwrap()
    }
}

/// Rows of a table as text, sorted: equal when two tables hold the same rows in any order.
fn rows(batches: &[RecordBatch]) -> Vec<String> {
    let opts = FormatOptions::default();
    let mut rows = Vec::new();
    for batch in batches {
        let columns: Vec<ArrayFormatter> = batch.columns().iter().map(|c| ArrayFormatter::try_new(c.as_ref(), &opts).unwrap()).collect();
        rows.extend((0..batch.num_rows()).map(|i| columns.iter().map(|c| c.value(i).to_string()).collect::<Vec<_>>().join("|")));
    }
    rows.sort();
    rows
}

/// The rows a plain Parquet reader of a table's folder sees.
async fn table_rows(warehouse: &Location, dir: &str) -> Vec<String> {
    rows(&[csc_pipeline::report::published::read_table(warehouse, dir).await.unwrap().expect("the table is published")])
}

/// The rows a Delta reader sees in a table at `version`.
async fn delta_rows(warehouse: &Location, dir: &str, version: u64) -> Vec<String> {
    let table = delta::open(warehouse, dir, Some(version)).await.unwrap().expect("a Delta table");
    let mut batches = Vec::new();
    for file in delta::files(&table, dir).unwrap() {
        let bytes = warehouse.get(&warehouse.child(&format!("{dir}/{file}"))).await.unwrap();
        batches.extend(ParquetRecordBatchReaderBuilder::try_new(bytes).unwrap().build().unwrap().map(Result::unwrap));
    }
    rows(&batches)
}

async fn json(location: &Location, path: &str) -> serde_json::Value {
    serde_json::from_slice(&location.get(&location.child(path)).await.unwrap()).unwrap()
}

/// Reads a child's standard error line by line until a line contains `needle`, keeping what it
/// read; false if the stream ended first.
fn read_until(lines: &mut Lines<BufReader<ChildStderr>>, log: &mut String, needle: &str) -> bool {
    for line in lines.map_while(Result::ok) {
        log.push_str(&line);
        log.push('\n');
        if line.contains(needle) {
            return true;
        }
    }
    false
}

#[tokio::test]
async fn a_run_reads_its_inputs_from_azure_and_publishes_there_as_on_local_disk() {
    let azurite = Azurite::start();
    let cloud = cloud_run(&azurite, "retries = 3").await;
    let o = cloud.run(&azurite, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The same pipeline over local folders, for comparison.
    let local_wh = cloud.dir.path().join("wh-local");
    let input = cloud.dir.path().join("input/ssd");
    let o = cloud.command(&azurite, &["--input", input.to_str().unwrap(), "--warehouse", local_wh.to_str().unwrap()]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let wh = azurite.location("az://warehouse/southampton");
    let local = Location::parse(local_wh.to_str().unwrap(), false).unwrap();
    for table in ["marts/fact_measure", "core/contact", "restricted/core/person", "quality/issues", "marts/dim_measure"] {
        let cloud_rows = table_rows(&wh, table).await;
        assert!(!cloud_rows.is_empty(), "{table} has rows");
        assert_eq!(cloud_rows, table_rows(&local, table).await, "{table} on Azure equals the local run's");
    }
    let published = json(&wh, "_runs/published.json").await;
    assert_eq!(published["status"], "succeeded");
    assert_eq!(published["input_location"], "az://inputs/ssd");
    assert_eq!(published["inputs"].as_array().unwrap().len(), 10);
    assert_eq!(json(&wh, "_runs/latest.json").await["run_id"], published["run_id"]);
    assert!(matches!(wh.store.head(&wh.child("_lock.json")).await, Err(object_store::Error::NotFound { .. })), "the lock is released");
    // The run lock on Azure: the lease is renewed by a conditional update, and a lock whose lease
    // ran out is taken over by one.
    let lock = csc_pipeline::lock::RunLock::acquire(&wh, None).await.unwrap();
    assert!(lock.renew_lease().await.unwrap(), "the lease renews on Azure");
    lock.release().await.unwrap();
    let stale = serde_json::json!({"token": "old", "pid": 1, "host": "elsewhere", "since": "2020-01-01T00:00:00Z", "lease_until": "2020-01-01T00:02:00Z"});
    wh.put(&wh.child("_lock.json"), stale.to_string().into()).await.unwrap();
    let lock = csc_pipeline::lock::RunLock::acquire(&wh, None).await.unwrap();
    assert!(lock.renew_lease().await.unwrap(), "the lock taken over is ours");
    lock.release().await.unwrap();
    assert!(matches!(wh.store.head(&wh.child("_lock.json")).await, Err(object_store::Error::NotFound { .. })));
    let fact_version = delta::open(&wh, "marts/fact_measure", None).await.unwrap().map(|t| delta::version(&t));
    assert!(fact_version.is_some(), "the fact table is a Delta table on Azure");

    // Unchanged inputs: skipped, nothing published.
    let o = cloud.run(&azurite, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(json(&wh, "_runs/published.json").await["run_id"], published["run_id"]);

    // A lock held by a live process (pid 1 always exists) stops a run before it touches anything.
    let host = std::fs::read_to_string("/etc/hostname").map(|s| s.trim().to_string()).unwrap_or_else(|_| "unknown-host".into());
    let lock = serde_json::json!({"pid": 1, "host": host, "since": chrono::Utc::now().to_rfc3339()});
    wh.put(&wh.child("_lock.json"), lock.to_string().into()).await.unwrap();
    let o = cloud.run(&azurite, &["--force"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("another run is using the warehouse"));
    wh.delete(&wh.child("_lock.json")).await.unwrap();

    // A forced rerun publishes a new Delta version with the same rows.
    let fact = table_rows(&wh, "marts/fact_measure").await;
    let o = cloud.run(&azurite, &["--force"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_ne!(json(&wh, "_runs/published.json").await["run_id"], published["run_id"]);
    assert_eq!(table_rows(&wh, "marts/fact_measure").await, fact);
    let rerun_version = delta::open(&wh, "marts/fact_measure", None).await.unwrap().map(|t| delta::version(&t));
    assert!(rerun_version > fact_version, "{rerun_version:?} after {fact_version:?}");
}

#[cfg_attr(not(feature = "failpoints"), ignore = "needs the failpoints feature (scripts/test.sh builds with it)")]
#[tokio::test]
async fn storage_lost_while_publishing_fails_the_run_and_leaves_the_published_warehouse_as_it_was() {
    let mut azurite = Azurite::start();
    // Few, quick retries: the outage outlasts them.
    let cloud = cloud_run(&azurite, "retries = 2\nretry_timeout_secs = 5").await;
    let o = cloud.run(&azurite, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let wh = azurite.location("az://warehouse/southampton");
    let published = json(&wh, "_runs/published.json").await;
    let versions = published["delta_versions"].as_object().expect("the manifest records each table's Delta version").clone();
    let mut before = Vec::new();
    for (dir, version) in &versions {
        before.push(delta_rows(&wh, dir, version.as_u64().unwrap()).await);
    }
    let fact = table_rows(&wh, "marts/fact_measure").await;
    let contacts = table_rows(&wh, "core/contact").await.len();

    // New data arrives; the next run pauses after committing its second table, and Azurite is
    // stopped meanwhile, so the run loses its storage between two tables' commits.
    let inputs = azurite.location("az://inputs/ssd");
    let extra = "cont_contact_id,cont_person_id,cont_contact_date\nC9999,P001,2023-03-01\n";
    inputs.put(&inputs.child("extra_contacts.csv"), extra.into()).await.unwrap();
    let mut child =
        cloud.command(&azurite, &[]).env("CSC_FAILPOINT", "publish.commit:2:sleep=4000").stderr(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut log = String::new();
    assert!(read_until(&mut lines, &mut log, "failpoint publish.commit: pausing"), "the run reached the failpoint: {log}");
    azurite.stop();
    lines.for_each(|l| log.push_str(&format!("{}\n", l.unwrap_or_default())));
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{log}");
    // One clear line at the end, saying what could not be reached after retrying.
    let error = log.lines().find(|l| l.starts_with("csc: error:")).unwrap_or_else(|| panic!("an error line: {log}"));
    assert!(error.contains("after 2 retries") && error.contains("error sending request"), "{error}");
    assert!(!log.contains("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq"), "no account key in the log");

    // Back up: the published manifest still names the first run, and every table at the
    // version it records reads back as before; the tables the run never reached are untouched
    // even for a plain Parquet reader.
    azurite.restart();
    assert_eq!(json(&wh, "_runs/published.json").await["run_id"], published["run_id"]);
    for ((dir, version), rows) in versions.iter().zip(&before) {
        assert_eq!(&delta_rows(&wh, dir, version.as_u64().unwrap()).await, rows, "{dir} at its published version");
    }
    assert_eq!(table_rows(&wh, "marts/fact_measure").await, fact);

    // The next run undoes what the dead run left, takes over its lock and publishes the new data.
    let o = cloud.run(&azurite, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let latest = json(&wh, "_runs/published.json").await;
    assert_ne!(latest["run_id"], published["run_id"]);
    assert_eq!(latest["status"], "succeeded");
    assert_eq!(table_rows(&wh, "core/contact").await.len(), contacts + 1, "the new contact is published");
    assert_ne!(table_rows(&wh, "marts/fact_measure").await, fact, "the measures count it");
    assert!(wh.list(csc_pipeline::publish::STAGING).await.unwrap().is_empty(), "the dead run's staged files are gone");
    assert!(matches!(wh.store.head(&wh.child("_lock.json")).await, Err(object_store::Error::NotFound { .. })), "the lock is released");
}

#[cfg_attr(not(feature = "failpoints"), ignore = "needs the failpoints feature (scripts/test.sh builds with it)")]
#[tokio::test]
async fn a_short_storage_outage_is_ridden_out_by_retrying() {
    let mut azurite = Azurite::start();
    // A retry window far longer than an Azurite restart.
    let cloud = cloud_run(&azurite, "retries = 100\nretry_timeout_secs = 180").await;
    let mut child = cloud.command(&azurite, &[]).env("CSC_FAILPOINT", "publish.file:2:sleep=4000").stderr(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut log = String::new();
    assert!(read_until(&mut lines, &mut log, "failpoint publish.file: pausing"), "the run reached the failpoint: {log}");
    azurite.stop();
    // The run resumes against a stopped service and retries; once it has, Azurite comes back.
    assert!(read_until(&mut lines, &mut log, "backing off"), "the run retried while storage was down: {log}");
    azurite.restart();
    lines.for_each(|l| log.push_str(&format!("{}\n", l.unwrap_or_default())));
    let status = child.wait().unwrap();
    assert!(status.success(), "the run rode out the outage: {log}");
    let wh = azurite.location("az://warehouse/southampton");
    assert_eq!(json(&wh, "_runs/published.json").await["status"], "succeeded");
    let local = Location::parse(cloud.dir.path().join("warehouse").to_str().unwrap(), false).unwrap();
    assert_eq!(
        table_rows(&wh, "marts/fact_measure").await,
        table_rows(&local, "marts/fact_measure").await,
        "the demo's local run has the same figures"
    );
}

#[test]
fn a_credential_in_the_pipeline_file_or_a_location_url_is_refused_before_anything_is_written() {
    let dir = temp();
    demo(dir.path());
    let secret = "c2VjcmV0LWtleS1ub3QtcmVhbA==";
    let pipeline = dir.path().join("leaky.toml");
    std::fs::write(&pipeline, format!("[la]\ncode = \"852\"\n[input]\nlocation = \"input/ssd\"\n[warehouse]\nlocation = \"wh\"\n[storage]\naccount_key = \"{secret}\"\n")).unwrap();
    let o = super::csc(&["run", "--pipeline", pipeline.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("`account_key` on line 8") && stderr.contains("read only from the environment"), "{stderr}");
    assert!(!stderr.contains(secret), "{stderr}");
    // A SAS token in a URL: refused before the run writes a manifest that would record it.
    let wh = dir.path().join("wh-sas");
    let sas_input = format!("https://councildata.blob.core.windows.net/exports/ssd?sv=2022-11-02&sp=rl&sig={secret}");
    let o = super::csc(&["run", "--la", "852", "--input", &sas_input, "--warehouse", wh.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("https://councildata.blob.core.windows.net/exports/ssd [credentials removed]"), "{stderr}");
    assert!(!stderr.contains(secret) && !stderr.contains("sig="), "{stderr}");
    assert!(!wh.exists(), "nothing written");
}
