//! `csc run --engine ballista://HOST:PORT`: the model stage on an Apache Ballista scheduler and
//! executor started on loopback (in this test process, knowing csc's SQL functions) publishes
//! the same fact table as the in-process engine.

use csc_pipeline::model::engine::cluster::LoopbackCluster;
use csc_pipeline::model::SessionOptions;

use super::memory::{assert_same_rows, fact_rows};
use super::{csc, demo, manifest, temp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_on_ballista_equals_the_in_process_engine() {
    let dir = temp();
    demo(dir.path());
    let input = dir.path().join("input/ssd");
    let cluster = LoopbackCluster::start(&SessionOptions::default(), 2).await.expect("the loopback cluster starts");
    // `csc run` is a separate process; the cluster keeps serving on this runtime meanwhile.
    let run = |wh: &str, engine: &str| {
        let wh = dir.path().join(wh);
        let args: Vec<String> =
            ["run", "--la", "852", "--input", input.to_str().unwrap(), "--warehouse", wh.to_str().unwrap(), "--as-at", "2023-03-31", "--engine", engine].iter().map(|s| s.to_string()).collect();
        async move {
            let o = tokio::task::spawn_blocking(move || csc(&args.iter().map(String::as_str).collect::<Vec<_>>())).await.unwrap();
            (o, wh)
        }
    };
    let (o, local) = run("wh-local", "local").await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (o, remote) = run("wh-ballista", &cluster.engine_url).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_same_rows(&fact_rows(&local).await, &fact_rows(&remote).await, "Ballista against in-process");
    assert_eq!(manifest(&remote)["annex_a"], manifest(&local)["annex_a"], "the same Annex A list sizes");

    // The engine is really used: with no scheduler listening, the run fails and publishes nothing.
    let (o, nowhere) = run("wh-nowhere", "ballista://localhost:1").await;
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!nowhere.join("marts").exists());
}
