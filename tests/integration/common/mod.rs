//! Helpers shared by the integration tests: scratch folders, fixture copies, running the binary.

pub mod smtp;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh folder under the system's temp dir, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(label: &str) -> Scratch {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "missionmatch-test-{}-{}-{label}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Scratch(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Copies the top-level files of a fixture mission into a scratch folder.
pub fn copy_fixture(name: &str) -> Scratch {
    let scratch = Scratch::new(name);
    for entry in std::fs::read_dir(fixture(name)).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), scratch.path().join(entry.file_name())).unwrap();
        }
    }
    scratch
}

/// Replaces the one occurrence of `from` in a file of the folder (fails if it is not there once).
pub fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} must occur once in {file}"
    );
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the real binary. A `schedule` or `replan` that succeeds has its timetable checked by
/// the independent validator (contract rules, no candidates needed), so every test that makes
/// a timetable through the command line also tests that it is valid.
pub fn run(arguments: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_missionmatch"))
        .args(arguments)
        .output()
        .unwrap();
    let output = Output {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    if output.code == 0 && matches!(arguments.first(), Some(&"schedule" | &"replan")) {
        assert_valid_timetable(arguments);
    }
    output
}

/// The timetable a successful `schedule` or `replan` with these arguments wrote, through
/// `validate_published`: the mission is the argument that is a mission folder, the timetable
/// `schedule.json` in `--out` or in the mission's `out/`.
pub fn assert_valid_timetable(arguments: &[&str]) {
    let Some(mission_dir) = arguments
        .iter()
        .map(Path::new)
        .find(|path| path.join("mission.toml").is_file())
    else {
        return;
    };
    let out = arguments
        .iter()
        .position(|&argument| argument == "--out")
        .and_then(|at| arguments.get(at + 1))
        .map_or_else(|| mission_dir.join("out"), PathBuf::from);
    let mission = missionmatch::read_mission(mission_dir)
        .expect("the mission the command read")
        .mission;
    let timetable = missionmatch::read_schedule(
        &out.join("schedule.json"),
        &mission,
        missionmatch::CancelledMeetings::Accept,
    )
    .expect("the schedule.json the command wrote");
    let violations = missionmatch::validate_published(&mission, &timetable.meetings);
    assert!(
        violations.is_empty(),
        "{arguments:?} wrote a timetable that breaks the rules: {violations:?}"
    );
}

/// Makes a generated mission hard: one interpreter per language and binding minimums.
pub fn tighten(mission: &mut missionmatch::Mission, firm_minimum: u32) {
    for limit in mission
        .interpreters
        .iter_mut()
        .flat_map(|limits| limits.values_mut())
    {
        *limit = 1;
    }
    mission.rules.min_meetings_per_firm = Some(firm_minimum);
    mission.rules.min_meetings_per_buyer = Some(1);
}

/// A generated mission of four sessions over six HS headings, tightened when asked, with the
/// generator's ground-truth weights.
pub fn generated(
    firms: usize,
    buyers: usize,
    seed: u64,
    tight: bool,
) -> (missionmatch::Mission, Vec<missionmatch::PairWeight>) {
    let mut mission = missionmatch::generate(&missionmatch::GeneratorOptions {
        firms,
        buyers,
        seed,
        sessions: 4,
        headings: 6,
        ..Default::default()
    });
    if tight {
        tighten(&mut mission, 6);
    }
    let weights = missionmatch::synthetic_weights(&mission, seed);
    (mission, weights)
}

/// Adds a `status` column to a participants file of the folder, `cancelled` for `id`.
pub fn cancel(dir: &Path, file: &str, id: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert!(
        !lines[0].contains("status"),
        "{file} has a status column already"
    );
    lines[0].push_str(",status");
    for line in lines.iter_mut().skip(1) {
        line.push_str(if line.starts_with(&format!("{id},")) {
            ",cancelled"
        } else {
            ","
        });
    }
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

impl Output {
    /// Asserts the exit code and that stderr says `message`.
    pub fn fails_with(&self, code: i32, message: &str) {
        assert_eq!(self.code, code, "{}", self.stderr);
        assert!(
            self.stderr.contains(message),
            "expected \"{message}\" in:\n{}",
            self.stderr
        );
    }
}

/// The path of an external tool, or `None` (and a note) when it is missing and not required.
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("MISSIONMATCH_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "{name} is required (MISSIONMATCH_REQUIRE_TOOLS=1): apt-get install poppler-utils chromium chromium-driver"
        );
        eprintln!("note: {name} is not installed; this part of the test is skipped");
    }
    found
}

/// The rows of a simple CSV file (the fixture's buyers.csv quotes no commas inside cells that
/// matter here; quoted cells are unquoted).
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|line| {
            let mut cells = Vec::new();
            let mut cell = String::new();
            let mut quoted = false;
            for character in line.chars() {
                match character {
                    '"' => quoted = !quoted,
                    ',' if !quoted => cells.push(std::mem::take(&mut cell)),
                    other => cell.push(other),
                }
            }
            cells.push(cell);
            cells
        })
        .collect()
}

/// A workbook whose one sheet part is 200 MB of spaces, a few hundred kB compressed: what a
/// workbook bomb looks like to a reader. `large_file` writes its sizes as zip64 fields; without
/// it they are in the headers' 32-bit fields, where a test can make them lie.
pub fn spaces_workbook(large_file: bool) -> Vec<u8> {
    use std::io::Write as _;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(large_file);
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    let spaces = vec![b' '; 1024 * 1024];
    for _ in 0..200 {
        zip.write_all(&spaces).unwrap();
    }
    zip.finish().unwrap().into_inner()
}
