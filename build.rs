//! Tells the tests which tools this machine has (Chromium, its WebDriver, poppler's pdftotext
//! and pdfinfo, and strace, which stops a run at each of its renames), so that a test which needs one it
//! lacks is reported as ignored, not as passed.
//! `.ci/run` installs them, and there every such test runs.

use std::path::Path;

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| Path::new(&dir).join(tool).is_file())
    })
}

fn main() {
    println!("cargo:rerun-if-env-changed=PATH");
    println!("cargo:rerun-if-changed=build.rs");
    for (tool, cfg) in [
        ("chromium", "has_chromium"),
        ("chromedriver", "has_chromedriver"),
        ("pdftotext", "has_pdftotext"),
        ("pdfinfo", "has_pdfinfo"),
        ("strace", "has_strace"),
    ] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        if on_path(tool) {
            println!("cargo:rustc-cfg={cfg}");
        }
    }
}
