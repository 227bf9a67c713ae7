//! Records the git commit the binary was built from, so run manifests can name the code version,
//! and lists the measure and data-quality rule SQL files (`sql/measures/*.sql`,
//! `sql/quality/*.sql`) so the model compiles in every file in each folder: adding a measure or a
//! rule is adding a file.
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
    write_sql_list("sql/measures", "measures.rs");
    write_sql_list("sql/quality", "quality_rules.rs");
}

/// Writes `$OUT_DIR/<out>`: `&[(name, include_str!(file))]` for every `.sql` file of `folder`, by
/// name, so adding a measure or a data-quality rule is adding a file.
fn write_sql_list(folder: &str, out_file: &str) {
    let dir = std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo")).join(folder);
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut ids: Vec<String> = std::fs::read_dir(&dir)
        .expect("the SQL folder exists")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".sql").map(str::to_string))
        .collect();
    ids.sort();
    let mut out = String::from("&[\n");
    for id in ids {
        out.push_str(&format!("    ({id:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{folder}/{id}.sql\"))),\n"));
    }
    out.push(']');
    let path = std::path::Path::new(&std::env::var("OUT_DIR").expect("set by cargo")).join(out_file);
    std::fs::write(path, out).expect("OUT_DIR is writable");
}
