//! `--engine ballista://HOST:PORT`: the model stage on an Apache Ballista scheduler and executor
//! started on loopback (in this test process, knowing csc's SQL functions) gives the same fact
//! table, and the same breakdown table, as the in-process engine. A whole run and a hub on a
//! cluster of separate `csc` processes, published byte for byte as in process, are in
//! `crates/csc/tests/it/cluster.rs`.

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
