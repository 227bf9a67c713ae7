//! Atomic publish and retention: runs killed at points during normalise and publish (fault
//! injection through `CSC_FAILPOINT`, and real `kill -9`) leave the published warehouse readable
//! as it was, the next run undoes what they left and publishes what a clean run publishes, and
//! `[warehouse] keep_runs` keeps exactly the files of the last N runs.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use csc_pipeline::publish::delta;
use csc_pipeline::storage::Location;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::prelude::{ParquetReadOptions, SessionContext};

use super::{csc, demo, files_on_disk, temp, TEST_KEY};

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

fn published(wh: &Path) -> serde_json::Value {
    json(&wh.join("_runs/published.json"))
}

/// Table folder → Delta version, as a manifest records them.
fn versions(manifest: &serde_json::Value) -> BTreeMap<String, u64> {
    manifest["delta_versions"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap())).collect()
}

/// Every row of the batches as text, sorted: equal for equal table contents.
pub(super) fn rows(batches: &[RecordBatch]) -> Vec<String> {
    let opts = FormatOptions::default().with_null("<null>");
    let mut out = Vec::new();
    for b in batches {
        let cols: Vec<ArrayFormatter> = b.columns().iter().map(|c| ArrayFormatter::try_new(c.as_ref(), &opts).unwrap()).collect();
        for i in 0..b.num_rows() {
            out.push(cols.iter().map(|f| f.value(i).to_string()).collect::<Vec<_>>().join("|"));
        }
    }
    out.sort();
    out
}

/// Table by table equality, naming the tables that differ (the full contents are too long to print).
fn assert_same(a: &BTreeMap<String, Vec<String>>, b: &BTreeMap<String, Vec<String>>, what: &str) {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let differ: Vec<String> = keys
        .into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| {
            let (x, y) = (a.get(k).cloned().unwrap_or_default(), b.get(k).cloned().unwrap_or_default());
            let first = x.iter().zip(&y).find(|(p, q)| p != q).map(|(p, q)| format!("{p} <> {q}")).unwrap_or_default();
            format!("{k} ({} vs {} rows) {first}", x.len(), y.len())
        })
        .collect();
    assert!(differ.is_empty(), "{what}: tables differ: {differ:#?}");
}

/// What a plain Parquet reader (DataFusion over the folder) sees in each table folder.
async fn plain(wh: &Path, tables: &BTreeSet<String>) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for dir in tables {
        let ctx = SessionContext::new();
        ctx.register_parquet("t", &format!("{}/{dir}/", wh.display()), ParquetReadOptions::default()).await.unwrap();
        out.insert(dir.clone(), rows(&ctx.sql("SELECT * FROM t").await.unwrap().collect().await.unwrap()));
    }
    out
}

/// What a Delta reader sees in each table at the given versions (the latest where `None`).
async fn through_delta(wh: &Path, tables: &BTreeMap<String, Option<u64>>) -> BTreeMap<String, Vec<String>> {
    let loc = Location::parse(wh.to_str().unwrap(), false).unwrap();
    let mut out = BTreeMap::new();
    for (dir, version) in tables {
        let table = delta::open(&loc, dir, *version).await.unwrap().unwrap_or_else(|| panic!("{dir} is a Delta table"));
        let ctx = SessionContext::new();
        let provider = table.table_provider().await.unwrap();
        ctx.register_table("t", provider).unwrap();
        out.insert(dir.clone(), rows(&ctx.sql("SELECT * FROM t").await.unwrap().collect().await.unwrap()));
    }
    out
}

async fn at_published(wh: &Path) -> BTreeMap<String, Vec<String>> {
    through_delta(wh, &versions(&published(wh)).into_iter().map(|(d, v)| (d, Some(v))).collect()).await
}

/// Latest Delta version of each table.
async fn latest(wh: &Path, tables: &BTreeSet<String>) -> BTreeMap<String, u64> {
    let loc = Location::parse(wh.to_str().unwrap(), false).unwrap();
    let mut out = BTreeMap::new();
    for dir in tables {
        out.insert(dir.clone(), delta::version(&delta::open(&loc, dir, None).await.unwrap().unwrap()));
    }
    out
}

/// Files of a table's current Delta version.
async fn delta_files(wh: &Path, dir: &str, version: Option<u64>) -> BTreeSet<String> {
    let loc = Location::parse(wh.to_str().unwrap(), false).unwrap();
    delta::files(&delta::open(&loc, dir, version).await.unwrap().unwrap(), dir).unwrap()
}

/// A plain Parquet reader of every folder sees exactly the current Delta version: no superseded
/// or orphan file is left, and no run's staging area.
async fn assert_exact(wh: &Path) {
    for dir in versions(&published(wh)).keys() {
        assert_eq!(files_on_disk(&wh.join(dir)), delta_files(wh, dir, None).await, "{dir}");
    }
    assert!(!wh.join("restricted/_staging").exists(), "no staging area left");
}

fn add_contact(input: &Path, id: &str) {
    std::fs::write(
        input.join(format!("extra_{id}.csv")),
        format!("cont_contact_id,cont_person_id,cont_contact_date\n{id},P001,2023-03-01\n"),
    )
    .unwrap();
}

/// `csc run` over the demo input as at the demo's date, so it replaces the published tables
/// (an ad hoc date would go to `reruns/`), with a failpoint armed if given. Superseded files go
/// at once (no grace period), so the folders can be compared file by file with a clean run's.
fn run_command(input: &Path, wh: &Path, failpoint: Option<&str>) -> Command {
    let pipeline = wh.parent().unwrap().join("no_grace.toml");
    std::fs::write(&pipeline, "[warehouse]\nsuperseded_grace_secs = 0\n").unwrap();
    let mut cmd = grace_run_command(input, wh);
    cmd.arg("--pipeline").arg(pipeline);
    if let Some(f) = failpoint {
        cmd.env("CSC_FAILPOINT", f);
    }
    cmd
}

/// `csc run` over the demo input as at the demo's date, with the default grace period.
fn grace_run_command(input: &Path, wh: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_csc"));
    cmd.args(["run", "--la", "852", "--as-at", &csc_pipeline::demo::demo_as_at().to_string()])
        .arg("--input")
        .arg(input)
        .arg("--warehouse")
        .arg(wh)
        .env("CSC_PSEUDONYM_KEY", TEST_KEY);
    cmd
}

fn run(input: &Path, wh: &Path, failpoint: Option<&str>) -> Output {
    run_command(input, wh, failpoint).output().unwrap()
}

#[cfg_attr(not(feature = "failpoints"), ignore = "needs the failpoints feature (scripts/test.sh builds with it)")]
#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_at_any_point_leaves_the_published_warehouse_and_the_next_run_recovers() {
    let dir = temp();
    demo(dir.path());
    let (input, wh, clean) = (dir.path().join("input/ssd"), dir.path().join("warehouse"), dir.path().join("clean"));
    let before = published(&wh);
    let tables: BTreeSet<String> = versions(&before).into_keys().collect();
    assert!(tables.len() > 60 && tables.contains("marts/fact_measure") && tables.contains("restricted/annex_a/list_01_contacts"));
    let (plain_before, delta_before) = (plain(&wh, &tables).await, at_published(&wh).await);
    assert_same(&delta_before, &through_delta(&wh, &tables.iter().map(|t| (t.clone(), None)).collect()).await, "published = latest");

    // New data, and what a clean run over it publishes.
    add_contact(&input, "C9001");
    let o = run(&input, &clean, None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // Killed after the 3rd core table is staged, after the 60th data file is staged (the publish
    // stage: 50 core files come first), after the first table's commit and after the 40th.
    for (failpoint, committed) in
        [("normalise.table:3:abort", 0), ("publish.file:60:abort", 0), ("publish.commit:1:abort", 1), ("publish.commit:40:abort", 40)]
    {
        let o = run(&input, &wh, Some(failpoint));
        assert_eq!(o.status.signal(), Some(6), "{failpoint}: the run aborted: {}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(published(&wh), before, "{failpoint}: the published run is still the first");
        // Delta readers through the manifest see the published data, whatever happened.
        assert_same(&at_published(&wh).await, &delta_before, failpoint);
        // Tables the dead run had committed are at a newer version (their folders hold old and
        // new files until the next run restores them).
        let now = latest(&wh, &tables).await;
        let moved: BTreeSet<&String> = now.iter().filter(|(d, v)| **v != versions(&before)[*d]).map(|(d, _)| d).collect();
        // Tables commit up to 8 at once, so the abort at the nth commit can find up to 7 more
        // already done; before the commits, none.
        if committed == 0 {
            assert!(moved.is_empty(), "{failpoint}: {} tables moved", moved.len());
        } else {
            assert!((committed..committed + 8).contains(&moved.len()), "{failpoint}: the dead run committed {} tables", moved.len());
        }
        // Of the tables not committed, plain readers see a change only in those whose commit was
        // under way (files moved in, log entry not yet written): at most the 7 others in flight.
        let uncommitted: BTreeSet<String> = tables.iter().filter(|t| !moved.contains(t)).cloned().collect();
        let plain_now = plain(&wh, &uncommitted).await;
        let in_flight: Vec<&String> = uncommitted.iter().filter(|t| plain_now[*t] != plain_before[*t]).collect();
        if committed == 0 {
            assert!(in_flight.is_empty(), "{failpoint}: plain reads changed before any commit: {in_flight:?}");
        } else {
            assert!(in_flight.len() < 8, "{failpoint}: plain reads changed in {} uncommitted tables: {in_flight:?}", in_flight.len());
        }
    }

    // The next run undoes the dead runs' commits and files, then publishes exactly what the clean
    // run published; plain readers see exactly the new data.
    let o = run(&input, &wh, None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (after, clean_m) = (published(&wh), published(&clean));
    assert_eq!(after["run_key"], clean_m["run_key"]);
    assert_same(&at_published(&wh).await, &at_published(&clean).await, "through Delta");
    assert_same(&plain(&wh, &tables).await, &plain(&clean, &tables).await, "plain");
    assert_ne!(plain(&wh, &tables).await, plain_before, "the new data is published");
    assert_exact(&wh).await;
    // The restore commits are in the history: what was published before can still be found.
    let loc = Location::parse(wh.to_str().unwrap(), false).unwrap();
    let person = delta::open(&loc, "core/person", None).await.unwrap().unwrap();
    use futures::TryStreamExt;
    let ops: Vec<String> = person.history(None).try_collect::<Vec<_>>().await.unwrap().into_iter().filter_map(|c| c.operation).collect();
    // Newest first: the new run's commit, then each dead run's commit undone (one or two dead
    // runs reached this table, as commits run several at once), then the first run's.
    let (newest, rest) = ops.split_first().unwrap();
    let (first, undone) = rest.split_last().unwrap();
    assert_eq!((newest.as_str(), first.as_str()), ("WRITE", "CREATE TABLE"), "{ops:?}");
    assert!(!undone.is_empty() && undone.chunks(2).all(|pair| pair == ["RESTORE", "WRITE"]), "each dead run's commit undone: {ops:?}");

    // Killed while vacuuming, after the manifest names the run: the run is published; the next
    // run (nothing changed, so skipped) finishes the clean-up.
    add_contact(&input, "C9002");
    let o = run(&input, &wh, Some("publish.vacuum:1:abort"));
    assert_eq!(o.status.signal(), Some(6), "{}", String::from_utf8_lossy(&o.stderr));
    let vacuumed = published(&wh);
    assert_ne!(vacuumed["run_id"], after["run_id"], "the manifest was written before the vacuum");
    assert!(at_published(&wh).await["core/contact"].len() > at_published(&clean).await["core/contact"].len());
    let o = run(&input, &wh, None);
    assert_eq!(o.status.code(), Some(3), "{}", String::from_utf8_lossy(&o.stderr));
    assert_exact(&wh).await;
}

/// Runs `csc run --log-format json` with a failpoint that pauses the run, watches its log until
/// the pause, and kills it with `kill -9`. Returns the JSON log lines seen before the kill.
fn kill_9_at(input: &Path, wh: &Path, failpoint: &str) -> Vec<serde_json::Value> {
    let mut child = run_command(input, wh, Some(failpoint))
        .args(["--log-format", "json"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let point = failpoint.split(':').next().unwrap();
    let mut seen = Vec::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        if line.contains(&format!("failpoint {point}: pausing")) {
            break;
        }
        if let Ok(v) = serde_json::from_str(&line) {
            seen.push(v);
        }
    }
    let killed = Command::new("kill").args(["-9", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "killed by SIGKILL");
    seen
}

fn stage_finished(log: &[serde_json::Value], stage: &str) -> bool {
    log.iter().any(|l| l["fields"]["stage"] == stage && l["fields"]["message"] == "stage finished")
}

#[cfg_attr(not(feature = "failpoints"), ignore = "needs the failpoints feature (scripts/test.sh builds with it)")]
#[tokio::test(flavor = "multi_thread")]
async fn kill_9_during_normalise_and_during_publish_leaves_the_warehouse_and_the_next_run_succeeds() {
    let dir = temp();
    demo(dir.path());
    let (input, wh) = (dir.path().join("input/ssd"), dir.path().join("warehouse"));
    let before = published(&wh);
    let tables: BTreeSet<String> = versions(&before).into_keys().collect();
    let (plain_before, delta_before) = (plain(&wh, &tables).await, at_published(&wh).await);
    add_contact(&input, "C9001");

    // During normalise: the extract stage has finished, normalise has not.
    let log = kill_9_at(&input, &wh, "normalise.table:5:sleep=60000");
    assert!(stage_finished(&log, "extract") && !stage_finished(&log, "normalise"));
    assert!(wh.join("restricted/_staging").exists(), "the dead run had staged files");
    assert_eq!(published(&wh), before);
    assert_eq!(at_published(&wh).await, delta_before);
    assert_eq!(plain(&wh, &tables).await, plain_before);

    // During publish, between two tables' commits: the model stage has finished.
    let log = kill_9_at(&input, &wh, "publish.commit:10:sleep=60000");
    assert!(stage_finished(&log, "model"));
    assert_eq!(published(&wh), before);
    assert_eq!(at_published(&wh).await, delta_before);
    // A lock left by the killed run: the next run takes it over (its process is gone).
    assert!(wh.join("_lock.json").exists());
    let o = run(&input, &wh, None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("did not finish"));
    assert_ne!(published(&wh)["run_id"], before["run_id"]);
    assert_exact(&wh).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn keep_runs_keeps_the_files_of_the_last_n_runs_and_every_manifest() {
    let dir = temp();
    demo(dir.path());
    let input = dir.path().join("input/ssd");
    let pipeline = dir.path().join("p.toml");
    let write = |keep: usize| {
        std::fs::write(&pipeline, format!("[la]\ncode = \"852\"\n[input]\nlocation = \"input/ssd\"\n[warehouse]\nlocation = \"wh\"\nkeep_runs = {keep}\nsuperseded_grace_secs = 0\n[run]\nas_at = 2023-03-31\n")).unwrap()
    };
    let wh = dir.path().join("wh");
    let run = || {
        let o = csc(&["run", "--pipeline", pipeline.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        published(&wh)
    };
    write(2);
    let first = run();
    add_contact(&input, "C9001");
    let second = run();
    add_contact(&input, "C9002");
    let third = run();
    let ids = |m: &serde_json::Value| m["run_id"].as_str().unwrap().to_string();
    assert_eq!(third["retained_runs"], serde_json::json!([ids(&third), ids(&second)]));

    // Two runs' contact files are kept; the first run's is vacuumed, its manifest is not.
    let contact = wh.join("core/contact");
    let (v1, v2, v3) = (versions(&first)["core/contact"], versions(&second)["core/contact"], versions(&third)["core/contact"]);
    assert_eq!((v1, v2, v3), (0, 1, 2));
    assert_eq!(files_on_disk(&contact).len(), 2);
    assert!(delta_files(&wh, "core/contact", Some(v2)).await.is_subset(&files_on_disk(&contact)));
    assert!(delta_files(&wh, "core/contact", Some(v1)).await.is_disjoint(&files_on_disk(&contact)));
    assert!(wh.join(format!("_runs/{}.json", ids(&first))).is_file());
    // "What did the second run publish?": its manifest's version, read through Delta.
    let second_rows = through_delta(&wh, &BTreeMap::from([("core/contact".to_string(), Some(v2))])).await;
    let third_rows = through_delta(&wh, &BTreeMap::from([("core/contact".to_string(), Some(v3))])).await;
    assert_eq!(second_rows["core/contact"].len() + 1, third_rows["core/contact"].len());
    // The history names each run.
    let loc = Location::parse(wh.to_str().unwrap(), false).unwrap();
    let table = delta::open(&loc, "core/contact", None).await.unwrap().unwrap();
    use futures::TryStreamExt;
    let history: Vec<_> = table.history(None).try_collect().await.unwrap();
    let run_ids: Vec<String> = history.iter().map(|c| c.info[delta::RUN_ID_KEY].as_str().unwrap().to_string()).collect();
    assert_eq!(run_ids, [ids(&third), ids(&second), ids(&first)]);
    // Unchanged tables keep one file however many runs are kept (names are content hashes).
    assert_eq!(files_on_disk(&wh.join("marts/dim_la")).len(), 1);

    // Back to one run: only the current files stay, and plain readers see exactly them.
    write(1);
    let fourth = run();
    assert_eq!(fourth["retained_runs"], serde_json::json!([ids(&fourth)]));
    assert_eq!(files_on_disk(&contact).len(), 1);
    assert_exact(&wh).await;
}

/// What a reader sees through each path the documentation recommends, as one comparable value.
#[derive(Debug, PartialEq)]
struct Seen {
    /// Every table at the version `_runs/published.json` names.
    published: BTreeMap<String, Vec<String>>,
    /// `csc issues` (restricted) and `csc annex-a`, which read the published versions.
    issues_csv: Vec<u8>,
    annex_a_rows: String,
}

async fn seen(wh: &Path, scratch: &Path) -> Seen {
    let issues = scratch.join("issues.csv");
    let o = csc(&["issues", "--warehouse", wh.to_str().unwrap(), "--out", issues.to_str().unwrap(), "--restricted"]);
    assert!(o.status.success(), "csc issues: {}", String::from_utf8_lossy(&o.stderr));
    let workbook = scratch.join("annex_a.xlsx");
    let as_at = csc_pipeline::demo::demo_as_at().to_string();
    let o = csc(&["annex-a", "--warehouse", wh.to_str().unwrap(), "--as-at", &as_at, "--out", workbook.to_str().unwrap()]);
    assert!(o.status.success(), "csc annex-a: {}", String::from_utf8_lossy(&o.stderr));
    Seen {
        published: at_published(wh).await,
        issues_csv: std::fs::read(&issues).unwrap(),
        annex_a_rows: String::from_utf8_lossy(&o.stdout).to_string(),
    }
}

/// `kill -9` at 20 seeded random moments of a changed run (default grace period): after each,
/// every recommended reading path shows exactly the previous publish or exactly the new one, and
/// each table read at its latest Delta version holds exactly one of the two runs' data.
#[tokio::test(flavor = "multi_thread")]
async fn kill_9_at_random_moments_never_shows_a_torn_warehouse() {
    use rand::{Rng, SeedableRng};
    let dir = temp();
    demo(dir.path());
    let input = dir.path().join("input/ssd");
    let scratch = dir.path().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let (x_wh, y_wh, wh) = (dir.path().join("x"), dir.path().join("y"), dir.path().join("wh"));
    // State X (the demo input) and state Y (one more contact), each published by a clean run.
    let started = std::time::Instant::now();
    assert!(grace_run_command(&input, &x_wh).output().unwrap().status.success());
    let run_time = started.elapsed();
    let extra = input.join("extra_C9001.csv");
    add_contact(&input, "C9001");
    assert!(grace_run_command(&input, &y_wh).output().unwrap().status.success());
    let (x, y) = (seen(&x_wh, &scratch).await, seen(&y_wh, &scratch).await);
    assert_ne!(x.published, y.published);
    let tables: BTreeSet<String> = x.published.keys().cloned().collect();
    let latest_rows = |wh: std::path::PathBuf| {
        let tables = tables.clone();
        async move { through_delta(&wh, &tables.iter().map(|t| (t.clone(), None)).collect()).await }
    };
    std::fs::remove_file(&extra).unwrap();
    assert!(grace_run_command(&input, &wh).output().unwrap().status.success());
    assert_eq!(seen(&wh, &scratch).await, x);

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20);
    let mut outcomes = Vec::new();
    for i in 0..20 {
        // Run towards the state not published now, and kill it somewhere in its run time.
        let now_x = at_published(&wh).await == x.published;
        if now_x {
            add_contact(&input, "C9001");
        } else {
            let _ = std::fs::remove_file(&extra);
        }
        let delay = std::time::Duration::from_millis(rng.random_range(0..(run_time.as_millis() as u64 * 11 / 10).max(1)));
        let mut child = grace_run_command(&input, &wh).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(delay);
        let finished = child.try_wait().unwrap().is_some();
        let _ = Command::new("kill").args(["-9", &child.id().to_string()]).status();
        let _ = child.wait();
        let after = seen(&wh, &scratch).await;
        assert!(after == x || after == y, "kill {i} at {delay:?}: a reader sees neither the previous publish nor the new one");
        let latest = latest_rows(wh.clone()).await;
        for t in &tables {
            assert!(latest[t] == x.published[t] || latest[t] == y.published[t], "kill {i} at {delay:?}: {t} at its latest version is torn");
        }
        outcomes.push((delay, finished, after == x));
    }
    // The moments spread over the run: some kills landed before it published, some after.
    assert!(outcomes.iter().any(|o| !o.1), "some kills interrupted a run: {outcomes:?}");
    // A last run without a kill heals whatever the dead runs left, and publishes.
    let o = grace_run_command(&input, &wh).arg("--force").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!wh.join("_lock.json").exists());
}

/// A rerun as at another date that died leaves its staging area (the identifiable core it was
/// reading) inside `restricted/reruns/as_at=…/`: the next run of any date deletes it, here the
/// nightly run.
#[test]
fn a_dead_reruns_staging_area_is_deleted_by_the_next_run_of_any_date() {
    let dir = temp();
    demo(dir.path());
    let (input, wh) = (dir.path().join("input/ssd"), dir.path().join("warehouse"));
    let staging = wh.join("restricted/reruns/as_at=2022-11-15/restricted/_staging/20221115T020000Z-deadbeef");
    std::fs::create_dir_all(staging.join("restricted/core/person")).unwrap();
    std::fs::write(staging.join("_run.json"), b"{}").unwrap();
    std::fs::write(staging.join("restricted/core/person/part-0.parquet"), b"identifiable rows").unwrap();
    let o = grace_run_command(&input, &wh).output().unwrap();
    assert!(matches!(o.status.code(), Some(0 | 3)), "published or unchanged: {}", String::from_utf8_lossy(&o.stderr));
    assert!(!wh.join("restricted/reruns/as_at=2022-11-15/restricted/_staging").exists(), "the dead rerun's staging area is gone");
}

/// The demo shows the warehouse read through Delta (the reading path that never sees a torn
/// table), never a plain Parquet folder or glob, which would also match `_delta_log` files.
#[test]
fn the_demo_shows_the_delta_reading_path_not_a_parquet_glob() {
    let dir = temp();
    demo(dir.path());
    let printed = std::fs::read_to_string(dir.path().join("demo_stdout.txt")).unwrap();
    assert!(printed.contains("delta_scan('") && printed.contains("pl.read_delta('"), "{printed}");
    for glob in ["read_parquet", "scan_parquet", "*.parquet"] {
        assert!(!printed.contains(glob), "the demo prints {glob}: {printed}");
    }
}
