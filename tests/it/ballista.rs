//! `--engine ballista://HOST:PORT`: the model stage on an Apache Ballista scheduler and executor
//! started on loopback (in this test process, knowing csc's SQL functions) gives the same fact
//! table, and the same breakdown table, as the in-process engine.

use csc_pipeline::model::engine::cluster::LoopbackCluster;
use csc_pipeline::model::SessionOptions;

use super::memory::{assert_same_rows, demo_model_rows};
use super::{csc, demo, temp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_on_ballista_equals_the_in_process_engine() {
    let dir = temp();
    demo(dir.path());
    let cluster = LoopbackCluster::start(&SessionOptions::default(), 2).await.expect("the loopback cluster starts");
    let (local, local_breakdown) = demo_model_rows(dir.path(), &SessionOptions::default()).await;
    let (remote, remote_breakdown) =
        demo_model_rows(dir.path(), &SessionOptions { engine: cluster.engine_url.parse().unwrap(), ..Default::default() }).await;
    assert_same_rows(&local, &remote, "Ballista against in-process");
    // The breakdowns too (issue 14): the same rows by every dimension.
    assert_same_rows(&local_breakdown, &remote_breakdown, "breakdown on Ballista against in-process");

    // `csc run --engine` really uses the engine: with no scheduler listening, the run fails and
    // publishes nothing.
    let input = dir.path().join("input/ssd");
    let nowhere = dir.path().join("wh-nowhere");
    let args: Vec<String> = [
        "run",
        "--la",
        "852",
        "--input",
        input.to_str().unwrap(),
        "--warehouse",
        nowhere.to_str().unwrap(),
        "--engine",
        "ballista://localhost:1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let o = tokio::task::spawn_blocking(move || csc(&args.iter().map(String::as_str).collect::<Vec<_>>())).await.unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!nowhere.join("marts").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_run_on_ballista_publishes_what_the_in_process_run_publishes() {
    let dir = temp();
    demo(dir.path());
    let cluster = LoopbackCluster::start(&SessionOptions::default(), 2).await.expect("the loopback cluster starts");
    let input = dir.path().join("input/ssd");
    let run_on = |engine: Option<csc_pipeline::model::Engine>, wh: &str| csc_pipeline::config::Overrides {
        input: Some(input.display().to_string()),
        la: Some("852".into()),
        warehouse: Some(dir.path().join(wh).display().to_string()),
        as_at: Some(chrono::NaiveDate::from_ymd_opt(2023, 3, 31).unwrap()),
        pseudonym_key: Some(b"62616c6c69737461207465737420206b65792c206e6f7420612073656372657421".to_vec()),
        engine,
        ..Default::default()
    };
    let today = chrono::NaiveDate::from_ymd_opt(2023, 3, 31).unwrap();
    let opts = csc_pipeline::run::RunOptions { force: true, ..Default::default() };
    let local = csc_pipeline::config::RunConfig::resolve(&run_on(None, "wh-local"), today).unwrap();
    let remote =
        csc_pipeline::config::RunConfig::resolve(&run_on(Some(cluster.engine_url.parse().unwrap()), "wh-ballista"), today).unwrap();
    let local = csc_pipeline::run::run(&local, &opts).await.expect("the in-process run");
    let remote = csc_pipeline::run::run(&remote, &opts).await.expect("the run on Ballista, marts included");
    assert_eq!(local.fact.num_rows(), remote.fact.num_rows());
    assert_eq!(local.manifest.annex_a, remote.manifest.annex_a, "the same Annex A lists");
    let marts = |o: &csc_pipeline::run::RunOutcome| o.manifest.outputs.iter().filter(|p| p.starts_with("marts/")).count();
    assert!(marts(&local) >= 6, "fact table and the star schema's marts: {:?}", local.manifest.outputs);
    assert_eq!(marts(&local), marts(&remote), "every mart published");
}
