//! Lists `migrations/*.sql` for `src/migrations.rs`, so that adding a migration is adding a
//! file (as with `sqlx::migrate!`), with one file serving both backends.

// A build script reports a failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{env, fmt::Write, fs, path::Path};

fn main() {
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("migrations");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    let mut out = String::from("&[\n");
    for path in files {
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let (version, name) = stem
            .split_once('_')
            .expect("migrations are named NNNN_name.sql");
        let version: i64 = version
            .parse()
            .expect("a migration's name starts with its number");
        let description = name.replace('_', " ");
        writeln!(
            out,
            "({version}, {description:?}, include_str!({:?})),",
            path.display()
        )
        .unwrap();
    }
    out.push(']');
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("migrations.rs"),
        out,
    )
    .unwrap();
}
