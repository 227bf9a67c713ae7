//! Records the git commit the binary was built from, so run manifests can name the code version,
//! and lists the measure SQL files (`sql/measures/*.sql`) so the model compiles in every file in
//! the folder: adding a measure is adding a file.
use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    println!("cargo:rustc-env=CSC_GIT_COMMIT={commit}");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    write_measure_list();
}

/// Writes `$OUT_DIR/measures.rs`: `&[(id, include_str!(file))]` for every measure file, by id.
fn write_measure_list() {
    let dir = std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo")).join("sql/measures");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut ids: Vec<String> = std::fs::read_dir(&dir)
        .expect("sql/measures exists")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".sql").map(str::to_string))
        .collect();
    ids.sort();
    let mut out = String::from("&[\n");
    for id in ids {
        out.push_str(&format!("    ({id:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/sql/measures/{id}.sql\"))),\n"));
    }
    out.push(']');
    let path = std::path::Path::new(&std::env::var("OUT_DIR").expect("set by cargo")).join("measures.rs");
    std::fs::write(path, out).expect("OUT_DIR is writable");
}
