//! ARCHITECTURE.md's layer rules, checked on the source: a rule that is broken fails here with
//! the file and line that broke it. Each rule: what it forbids (a text of code, comments left
//! out), and the files where that text belongs (a path prefix under `src/`), with the reason.

use std::path::{Path, PathBuf};

struct Rule {
    /// The rule as ARCHITECTURE.md says it.
    what: &'static str,
    /// Code that shows the rule is at stake.
    code: &'static [&'static str],
    /// Where that code may appear (prefixes of paths under `src/`).
    allowed: Where,
}

enum Where {
    /// In these files only.
    Only(&'static [&'static str]),
    /// Anywhere but in these files.
    Not(&'static [&'static str]),
}

impl Where {
    fn allows(&self, name: &str) -> bool {
        match self {
            Where::Only(prefixes) => prefixes.iter().any(|p| name.starts_with(p)),
            Where::Not(prefixes) => !prefixes.iter().any(|p| name.starts_with(p)),
        }
    }
}

const RULES: &[Rule] = &[
    Rule {
        what: "only `index` imports tantivy",
        code: &["tantivy::"],
        allowed: Where::Only(&["index/"]),
    },
    Rule {
        what: "only the LP layer (`schedule/lp/`) speaks to good_lp and its solvers",
        code: &["good_lp", "clarabel"],
        allowed: Where::Only(&["schedule/lp/"]),
    },
    Rule {
        what: "only `serve/store.rs` speaks SQL",
        code: &["rusqlite"],
        allowed: Where::Only(&["serve/store.rs"]),
    },
    Rule {
        what: "HTTP serving lives in `serve` (and the command that starts it)",
        code: &["axum::", "tokio::", "hyper"],
        allowed: Where::Only(&["serve/", "cli/serve.rs"]),
    },
    Rule {
        what: "HTTP requests live in `notify`; `io` only parses a webhook's address with reqwest's Url",
        code: &["reqwest::"],
        allowed: Where::Only(&["notify.rs", "io/toml_file.rs"]),
    },
    Rule {
        what: "no engine module imports the server or the command line",
        code: &["crate::serve", "crate::cli", "super::serve", "super::cli"],
        allowed: Where::Only(&["serve/", "cli/", "main.rs"]),
    },
    Rule {
        what: "re-planning does not reach into the documents (`replan` does not import `publish`)",
        code: &["crate::publish"],
        allowed: Where::Not(&["replan.rs"]),
    },
    Rule {
        what: "workbooks are read in `io` and written in `publish`",
        code: &["calamine", "rust_xlsxwriter"],
        allowed: Where::Only(&["io/xlsx.rs", "publish/workbook.rs"]),
    },
    Rule {
        what: "CSV is parsed in `io`; the tables compiled into the binary (HS nomenclature, \
               glossary, trade words) go through its reader, and the server's cell-level edits \
               of a folder's tables are the one place outside `io` that reads a user's CSV",
        code: &["parse_table("],
        allowed: Where::Only(&[
            "io/",
            "hs.rs",
            "index/analysis.rs",
            "bridge/mod.rs",
            "serve/work.rs",
        ]),
    },
    Rule {
        what: "`io` reads and writes files of the engine's types without importing the engine's \
               matching (whose HS table reads through `io`): no cycle of modules",
        code: &["crate::matching", "super::matching"],
        allowed: Where::Not(&["io/"]),
    },
    Rule {
        what: "the CSV reader is a leaf: `io/csv.rs` imports nothing of the engine but errors",
        code: &["crate::model", "crate::schedule", "crate::hs"],
        allowed: Where::Not(&["io/csv.rs"]),
    },
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A line's code: what comes before a `//` comment (a `//` inside a string cuts the line short,
/// which only hides text, never invents it).
fn code_of(line: &str) -> &str {
    line.split("//").next().unwrap_or_default()
}

/// The lines of `files` (path under `src/`, text) that break a rule.
fn broken_rules(files: &[(String, String)]) -> Vec<String> {
    let mut broken = Vec::new();
    for (name, text) in files {
        for (index, line) in text.lines().enumerate() {
            let code = code_of(line);
            for rule in RULES {
                if !rule.allowed.allows(name)
                    && rule.code.iter().any(|needle| code.contains(needle))
                {
                    broken.push(format!(
                        "src/{name}:{}: {}: {}",
                        index + 1,
                        rule.what,
                        line.trim()
                    ));
                }
            }
        }
    }
    broken
}

#[test]
fn each_layer_imports_only_what_architecture_allows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    sources(&root, &mut paths);
    paths.sort();
    assert!(paths.len() > 40, "{} source files", paths.len());
    let files: Vec<(String, String)> = paths
        .iter()
        .map(|path| {
            let name = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (name, std::fs::read_to_string(path).unwrap())
        })
        .collect();
    let broken = broken_rules(&files);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

/// The check finds what it is meant to find: each rule's code planted in a file it does not
/// allow, in code and not in a comment.
#[test]
fn the_layer_check_can_fail() {
    let misplaced = |rule: &Rule| -> &'static str {
        ["model.rs", "replan.rs", "io/csv.rs", "score.rs"]
            .into_iter()
            .find(|name| !rule.allowed.allows(name))
            .unwrap()
    };
    for rule in RULES {
        let name = misplaced(rule).to_string();
        let planted = format!(
            "fn f() {{\n    let x = {}; // planted\n}}\n// {}\n",
            rule.code[0], rule.code[0]
        );
        let broken = broken_rules(&[(name.clone(), planted)]);
        assert_eq!(broken.len(), 1, "{}: {broken:?}", rule.what);
        assert!(
            broken[0].starts_with(&format!("src/{name}:2: ")),
            "{broken:?}"
        );
    }
}
