//! A real Ballista cluster: a scheduler and two executors, each its own `csc cluster` process on
//! its own loopback port. `csc run --engine ballista://…` of the hand-made demo and a three-LA
//! `csc hub --engine ballista://…` through it publish the same fact and breakdown tables, byte for
//! byte, as the same runs in process; the executors really ran the work; SIGTERM stops every
//! process cleanly and leaves no shuffle file behind.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::hub::demo_exports;
use super::{copy_demo, csc, files_on_disk, temp};

/// One `csc cluster` process and the file its log goes to.
struct Node {
    name: String,
    child: Child,
    log: PathBuf,
}

/// The cluster's processes. Dropping it kills any still running, so a failing test leaves none
/// behind.
#[derive(Default)]
struct Cluster {
    nodes: Vec<Node>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            let _ = node.child.kill();
            let _ = node.child.wait();
        }
    }
}

impl Cluster {
    /// Starts `csc <args>` with its log in `<dir>/<name>.log`.
    fn spawn(&mut self, dir: &Path, name: &str, args: &[&str]) {
        let log = dir.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_csc"))
            .args(args)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .expect("csc starts");
        self.nodes.push(Node { name: name.into(), child, log });
    }

    fn log(&self, name: &str) -> String {
        let node = self.nodes.iter().find(|n| n.name == name).unwrap();
        std::fs::read_to_string(&node.log).unwrap_or_default()
    }

    /// Polls `name`'s log until it has a line containing `text`; fails if the process ends first
    /// or the line is not there within a minute.
    fn wait_for(&mut self, name: &str, text: &str) {
        let started = Instant::now();
        loop {
            let log = self.log(name);
            if log.contains(text) {
                return;
            }
            let node = self.nodes.iter_mut().find(|n| n.name == name).unwrap();
            if let Some(status) = node.child.try_wait().unwrap() {
                panic!("{name} ended ({status}) before logging {text:?}:\n{log}");
            }
            assert!(started.elapsed() < Duration::from_secs(60), "{name} did not log {text:?} within a minute:\n{log}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends each process SIGTERM, executors first, and checks each stops cleanly (exit 0, having
    /// said so) within half a minute.
    fn stop(&mut self) {
        for node in self.nodes.iter_mut().rev() {
            let kill = Command::new("kill").args(["-TERM", &node.child.id().to_string()]).status().unwrap();
            assert!(kill.success());
            let started = Instant::now();
            let status = loop {
                if let Some(status) = node.child.try_wait().unwrap() {
                    break status;
                }
                assert!(started.elapsed() < Duration::from_secs(30), "{} did not stop on SIGTERM", node.name);
                std::thread::sleep(Duration::from_millis(50));
            };
            let log = std::fs::read_to_string(&node.log).unwrap();
            assert!(status.success(), "{} stopped with {status}:\n{log}", node.name);
            assert!(log.trim_end().ends_with("stopped"), "{} says it stopped:\n{log}", node.name);
        }
    }
}

/// A loopback port no one listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Runs `csc` and checks it succeeded.
fn csc_ok(args: &[&str]) {
    let o = csc(args);
    assert!(o.status.success(), "csc {}:\n{}\n{}", args.join(" "), String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
}

/// Not empty, and the same data files (named by their content's hash) in both tables.
fn assert_same_table(local: &Path, remote: &Path, table: &str) {
    let files = files_on_disk(&local.join(table));
    assert!(files.iter().any(|f| f.ends_with(".parquet")), "{} has data", local.join(table).display());
    assert_eq!(files, files_on_disk(&remote.join(table)), "{table}: {} against in-process {}", remote.display(), local.display());
}

#[test]
fn the_demo_and_a_hub_on_a_cluster_of_csc_processes_publish_what_they_publish_in_process() {
    let dir = temp();
    let d = dir.path();
    let mut cluster = Cluster::default();
    let scheduler = format!("127.0.0.1:{}", free_port());
    cluster.spawn(d, "scheduler", &["cluster", "scheduler", "--bind", &scheduler]);
    cluster.wait_for("scheduler", "Ballista scheduler ready");
    let work_dirs: Vec<PathBuf> = (1..=2).map(|i| d.join(format!("work-{i}"))).collect();
    for (i, work) in work_dirs.iter().enumerate() {
        let bind = format!("127.0.0.1:{}", free_port());
        let args =
            ["cluster", "executor", "--scheduler", &scheduler, "--bind", &bind, "--vcores", "2", "--work-dir", work.to_str().unwrap()];
        cluster.spawn(d, &format!("executor-{}", i + 1), &args);
    }
    for i in 1..=2 {
        cluster.wait_for(&format!("executor-{i}"), "Ballista executor registered with the scheduler");
    }
    let engine = format!("ballista://{scheduler}");

    // The hand-made demo extract as one LA, and as three LAs of a hub.
    let demo_input = d.join("demo/ssd");
    copy_demo(&demo_input);
    let hub_input = demo_exports(&d.join("exports"), &["852", "330", "921"]);
    let run = |wh: &str, engine: &str| {
        let wh = d.join(wh);
        let input = demo_input.to_str().unwrap();
        csc_ok(&["run", "--la", "852", "--input", input, "--warehouse", wh.to_str().unwrap(), "--as-at", "2023-03-31", "--engine", engine]);
    };
    let hub = |wh: &str, engine: Option<&str>| {
        let wh = d.join(wh);
        let mut args = vec!["hub", "--la", "852,330,921", "--input", &hub_input, "--warehouse", wh.to_str().unwrap()];
        args.extend(["--as-at", "2023-03-31", "--jobs", "3"]);
        args.extend(engine.map(|e| ["--engine", e]).into_iter().flatten());
        csc_ok(&args);
    };
    // The cluster's runs wait on its task polling more than on the cores: all three at once. The
    // in-process hub's 852 is what `csc run --la 852` publishes in process (`crates/csc/tests/it/hub.rs`).
    std::thread::scope(|s| {
        s.spawn(|| run("run-cluster", &engine));
        s.spawn(|| hub("hub-cluster", Some(&engine)));
        s.spawn(|| hub("hub-local", None));
    });

    for table in ["marts/fact_measure", "marts/fact_measure_breakdown"] {
        assert_same_table(&d.join("hub-local/852"), &d.join("run-cluster"), table);
        for la in ["852", "330", "921"] {
            assert_same_table(&d.join("hub-local").join(la), &d.join("hub-cluster").join(la), table);
        }
    }
    // Both executors ran tasks (each job's shuffle output is a folder in its work directory).
    for work in &work_dirs {
        assert!(std::fs::read_dir(work).unwrap().count() > 0, "{} holds shuffle output", work.display());
    }

    cluster.stop();
    for work in &work_dirs {
        assert_eq!(std::fs::read_dir(work).unwrap().count(), 0, "{} is emptied when the executor stops", work.display());
    }
}
