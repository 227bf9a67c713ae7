//! `csc hub`: many LAs in one process, each published exactly as its own `csc run` would be.

use std::path::Path;

use super::{copy_demo, csc, files_on_disk, manifest, temp};

/// The demo extract as each of `las`' export folder below `root`; returns the hub's `--input`.
pub(super) fn demo_exports(root: &Path, las: &[&str]) -> String {
    for la in las {
        copy_demo(&root.join(la).join("ssd"));
    }
    format!("{}/{{la}}/ssd", root.display())
}

#[test]
fn a_hub_publishes_each_la_as_its_own_run_would_and_one_failure_spares_the_others() {
    let dir = temp();
    let root = dir.path().join("exports");
    let input = demo_exports(&root, &["852", "330"]);
    // Portsmouth's export is missing its files: that LA fails, the others publish.
    std::fs::create_dir_all(root.join("851/ssd")).unwrap();
    std::fs::create_dir_all(root.join("not-an-la/ssd")).unwrap();
    let hub_wh = dir.path().join("hub");
    let o = csc(&["hub", "--input", &input, "--warehouse", hub_wh.to_str().unwrap(), "--as-at", "2023-03-31", "--jobs", "2"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "one LA failed: {stdout}\n{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("851 Portsmouth: failed"), "{stdout}");
    assert!(stdout.contains("3 local authorities: 2 published, 0 skipped, 1 failed"), "{stdout}");
    assert!(!stdout.contains("not-an-la"), "only folders named by an LA code are runs: {stdout}");

    // Each LA's warehouse holds what a `csc run` of that LA alone publishes: the same run key and
    // byte-identical measure and core files (data files are named by their content's hash).
    for la in ["852", "330"] {
        let alone = dir.path().join(format!("alone-{la}"));
        let la_input = root.join(format!("{la}/ssd"));
        let o = csc(&[
            "run",
            "--la",
            la,
            "--input",
            la_input.to_str().unwrap(),
            "--warehouse",
            alone.to_str().unwrap(),
            "--as-at",
            "2023-03-31",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let (hub, alone_m) = (manifest(&hub_wh.join(la)), manifest(&alone));
        assert_eq!(hub["la_code"], la);
        assert_eq!(hub["run_key"], alone_m["run_key"]);
        assert_eq!(hub["status"], "succeeded");
        for table in ["marts/fact_measure", "marts/benchmarks", "core/person", "core/referral"] {
            let files = files_on_disk(&hub_wh.join(la).join(table));
            assert!(!files.is_empty(), "{la} {table}");
            assert_eq!(files, files_on_disk(&alone.join(table)), "{la} {table}");
        }
    }
    assert!(!hub_wh.join("851/_runs/published.json").exists(), "the failed LA published nothing");

    // Nothing changed: a second hub run of the good LAs skips both (exit 3, as `csc run`).
    let o = csc(&["hub", "--la", "852,330", "--input", &input, "--warehouse", hub_wh.to_str().unwrap(), "--as-at", "2023-03-31"]);
    assert_eq!(o.status.code(), Some(3), "{}", String::from_utf8_lossy(&o.stdout));
    assert!(String::from_utf8_lossy(&o.stdout).contains("2 local authorities: 0 published, 2 skipped, 0 failed"));
}

#[test]
fn the_example_hub_pipeline_file_runs_several_las() {
    let dir = temp();
    let input = demo_exports(&dir.path().join("exports"), &["852", "921"]);
    let pipeline = Path::new(crate::REPO).join("pipelines/hub.toml");
    let wh = dir.path().join("hub");
    let o = csc(&[
        "hub",
        "--pipeline",
        pipeline.to_str().unwrap(),
        "--input",
        &input,
        "--warehouse",
        wh.to_str().unwrap(),
        "--as-at",
        "2023-03-31",
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("852 Southampton: succeeded") && stdout.contains("921 Isle of Wight: succeeded"), "{stdout}");
    assert_eq!(manifest(&wh.join("921"))["la_name"], "Isle of Wight");
}
