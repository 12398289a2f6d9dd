//! Outputs that come as a set stay a set: a failed run leaves the previous `schedule.json` and
//! `schedule.csv` whole and matching, a killed one is completed by the next run, and no
//! temporary file stays behind.

use crate::common;

use common::{copy_fixture, edit, run};
use std::path::Path;

/// (firm, buyer, start) of every meeting in schedule.json and in schedule.csv.
fn meetings_of_both(out: &Path) -> (Vec<String>, Vec<String>) {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("schedule.json")).unwrap()).unwrap();
    let from_json = json["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{},{},{}",
                m["firm"].as_str().unwrap(),
                m["buyer"].as_str().unwrap(),
                m["start"].as_str().unwrap()
            )
        })
        .collect();
    let csv = std::fs::read_to_string(out.join("schedule.csv")).unwrap();
    let from_csv = csv
        .lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            format!("{},{},{}", cells[0], cells[1], cells[3])
        })
        .collect();
    (from_json, from_csv)
}

fn leftovers(out: &Path) -> Vec<String> {
    std::fs::read_dir(out)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect()
}

#[test]
fn a_failed_run_leaves_the_previous_set_whole() {
    let scratch = copy_fixture("india-2017");
    let dir = scratch.path().to_str().unwrap();
    let out = scratch.path().join("out");
    assert_eq!(run(&["schedule", dir]).code, 0);
    let before = std::fs::read(out.join("schedule.json")).unwrap();
    // The next run would change the timetable, but schedule.csv cannot be replaced.
    edit(scratch.path(), "mission.toml", "hi = 2", "hi = 1");
    std::fs::remove_file(out.join("schedule.csv")).unwrap();
    std::fs::create_dir(out.join("schedule.csv")).unwrap();
    let output = run(&["schedule", dir]);
    assert_eq!(output.code, 1, "{}", output.stdout);
    assert!(
        output.stderr.contains("schedule.csv: is a folder"),
        "{}",
        output.stderr
    );
    assert_eq!(std::fs::read(out.join("schedule.json")).unwrap(), before);
    assert_eq!(leftovers(&out), Vec::<String>::new());
}

#[test]
fn a_run_killed_between_renames_is_completed_by_the_next() {
    let scratch = copy_fixture("india-2017");
    let dir = scratch.path().to_str().unwrap();
    let out = scratch.path().join("out");
    assert_eq!(run(&["schedule", dir]).code, 0);
    // What a run killed after renaming schedule.json but before schedule.csv leaves: a new
    // json, the old csv, the new csv as a temporary file, and the journal; plus a temporary
    // file of a run killed while writing.
    let dead = 999_999_999u32; // no such process
    let csv = std::fs::read(out.join("schedule.csv")).unwrap();
    let text = String::from_utf8(csv.clone()).unwrap();
    let first_meeting = text.lines().nth(1).unwrap().to_string();
    std::fs::write(out.join(format!(".schedule.csv.{dead}.tmp")), &csv).unwrap();
    std::fs::write(
        out.join("schedule.csv"),
        text.replacen(&format!("{first_meeting}\n"), "", 1),
    )
    .unwrap();
    std::fs::write(
        out.join(format!(".missionmatch-set.{dead}")),
        format!(".schedule.csv.{dead}.tmp\tschedule.csv\n"),
    )
    .unwrap();
    std::fs::write(out.join(format!(".candidates.csv.{dead}.tmp")), "half").unwrap();
    let (json, csv) = meetings_of_both(&out);
    assert_ne!(json, csv, "the simulated kill leaves a mismatch");
    // Any write into the folder completes the set first.
    assert_eq!(run(&["match", dir]).code, 0);
    let (json, csv) = meetings_of_both(&out);
    assert_eq!(json, csv);
    assert_eq!(leftovers(&out), Vec::<String>::new());
}

/// A publication killed at each of its renames (the agendas folder moved away, the new one
/// moved in, each document renamed) is completed by the next reader of the folder, here
/// `report`: it never reads, and leaves no one to see, new documents beside old ones or no
/// agendas folder at all.
#[test]
fn a_publication_killed_at_any_rename_is_completed_before_anyone_reads() {
    let scratch = copy_fixture("india-2017");
    let dir = scratch.path().to_str().unwrap();
    let out = scratch.path().join("out");
    assert_eq!(run(&["schedule", dir]).code, 0);
    assert_eq!(run(&["publish", dir]).code, 0);
    let dead = 999_999_998u32; // no such process
    let documents = ["grid.html", "mailmerge.csv", "schedule.xlsx"];
    let renames = 2 + documents.len();
    for done in 0..=renames {
        // The second publication, staged and journaled as a run that was then killed.
        let staged = out.join(format!(".agendas.{dead}.tmp"));
        std::fs::create_dir_all(&staged).unwrap();
        std::fs::write(staged.join("MARKER"), format!("second {done}")).unwrap();
        let mut journal = format!("folder\t.agendas.{dead}.tmp\tagendas\t.agendas.{dead}.old\n");
        for name in documents {
            std::fs::write(
                out.join(format!(".{name}.{dead}.tmp")),
                format!("second {name}"),
            )
            .unwrap();
            journal.push_str(&format!(".{name}.{dead}.tmp\t{name}\n"));
        }
        std::fs::write(out.join(format!(".missionmatch-set.{dead}")), journal).unwrap();
        // The renames it made before it was killed.
        let steps: Vec<(std::path::PathBuf, std::path::PathBuf)> = [
            (
                out.join("agendas"),
                out.join(format!(".agendas.{dead}.old")),
            ),
            (staged.clone(), out.join("agendas")),
        ]
        .into_iter()
        .chain(
            documents
                .iter()
                .map(|name| (out.join(format!(".{name}.{dead}.tmp")), out.join(name))),
        )
        .collect();
        for (from, to) in steps.iter().take(done) {
            std::fs::rename(from, to).unwrap();
        }
        let output = run(&["report", dir]);
        assert_eq!(
            output.code, 0,
            "killed after {done} renames: {}",
            output.stderr
        );
        assert_eq!(
            std::fs::read_to_string(out.join("agendas/MARKER")).unwrap(),
            format!("second {done}"),
            "killed after {done} renames"
        );
        for name in documents {
            assert_eq!(
                std::fs::read_to_string(out.join(name)).unwrap(),
                format!("second {name}"),
                "killed after {done} renames"
            );
        }
        assert_eq!(
            leftovers(&out),
            Vec::<String>::new(),
            "killed after {done} renames"
        );
        // The agendas of the publication before are gone with their folder.
        assert!(
            !out.join("agendas/firms").exists(),
            "killed after {done} renames"
        );
    }
}

/// A reader that starts while a live writer is between two renames of its set waits until the
/// set is whole: writers hold an exclusive `flock` on the output folder from their journal to
/// its removal, readers a shared one while they read (ARCHITECTURE.md, "Output sets"). Here
/// this test is the writer, with a journal under its own (live) process id.
#[test]
fn a_reader_waits_for_a_live_writer_between_its_renames() {
    let scratch = copy_fixture("india-2017");
    let dir = scratch.path().to_str().unwrap();
    let out = scratch.path().join("out");
    assert_eq!(run(&["schedule", dir]).code, 0);
    assert_eq!(run(&["publish", dir]).code, 0);
    let me = std::process::id();
    let documents = ["grid.html", "schedule.xlsx"];
    let folder = std::fs::File::open(&out).unwrap();
    folder.lock().unwrap();
    let mut journal = String::new();
    for name in documents {
        let temporary = out.join(format!(".{name}.{me}.tmp"));
        std::fs::write(&temporary, format!("second {name}")).unwrap();
        journal.push_str(&format!(".{name}.{me}.tmp\t{name}\n"));
    }
    let journal_path = out.join(format!(".missionmatch-set.{me}"));
    std::fs::write(&journal_path, journal).unwrap();
    // The first rename is made; the reader starts now.
    std::fs::rename(
        out.join(format!(".grid.html.{me}.tmp")),
        out.join("grid.html"),
    )
    .unwrap();
    let reader = std::process::Command::new(env!("CARGO_BIN_EXE_missionmatch"))
        .args(["report", dir])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let mut reader = reader;
    assert!(
        reader.try_wait().unwrap().is_none(),
        "the reader ran while the set was half renamed"
    );
    // The writer finishes; the reader goes on and sees the whole set.
    std::fs::rename(
        out.join(format!(".schedule.xlsx.{me}.tmp")),
        out.join("schedule.xlsx"),
    )
    .unwrap();
    std::fs::remove_file(&journal_path).unwrap();
    folder.unlock().unwrap();
    let output = reader.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for name in documents {
        assert_eq!(
            std::fs::read_to_string(out.join(name)).unwrap(),
            format!("second {name}")
        );
    }
    assert_eq!(leftovers(&out), Vec::<String>::new());
}

/// Which publication a document of `out` belongs to, by what it prints: `draft` or `final`
/// (none when it is missing).
fn publication_of(out: &Path) -> Vec<(&'static str, Option<&'static str>)> {
    let status = |name: &'static str, draft: &str| {
        let status =
            std::fs::read_to_string(out.join(name))
                .ok()
                .map(|text| match text.contains(draft) {
                    true => "draft",
                    false => "final",
                });
        (name, status)
    };
    vec![
        status("grid.html", "status draft\""),
        status("agendas/firms/F01.html", "status draft\""),
        status("agendas/buyers/IN-001.html", "status draft\""),
        status("schedule.json", "\"status\": \"draft\""),
    ]
}

/// Runs `missionmatch ARGUMENTS` on copies of the mission folder, stopped by strace after its
/// first rename and killed there (SIGKILL, strace and the run together), then after its second,
/// and so on until a run ends by itself. `check` looks at each copy as the kill left it (no
/// command runs in between) with the number of renames the run made, or none for the run that
/// was not killed.
fn kill_after_each_rename(
    mission: &Path,
    arguments: &[&str],
    mut check: impl FnMut(&Path, Option<usize>),
) {
    use std::os::unix::process::CommandExt as _;
    for kill_after in 1..50 {
        let scratch = common::Scratch::new("killed");
        let copy = scratch.path().join("mission");
        let copied = std::process::Command::new("cp")
            .args(["-a", mission.to_str().unwrap(), copy.to_str().unwrap()])
            .status()
            .unwrap();
        assert!(copied.success());
        let log = scratch.path().join("strace.log");
        let renames = "rename,renameat,renameat2";
        let mut traced = std::process::Command::new("strace")
            .args(["-f", "-o", log.to_str().unwrap(), "-e"])
            .arg(format!("trace={renames}"))
            .arg("-e")
            .arg(format!("inject={renames}:delay_exit=300000"))
            .arg(env!("CARGO_BIN_EXE_missionmatch"))
            .args(arguments.iter().map(|argument| match *argument {
                "MISSION" => copy.to_str().unwrap(),
                other => other,
            }))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        let killed = loop {
            // strace writes `PID rename(...) = 0 (DELAYED)` once a rename is made.
            let done = std::fs::read_to_string(&log)
                .unwrap_or_default()
                .lines()
                .filter(|line| line.contains("rename") && line.contains(") = 0"))
                .count();
            if done >= kill_after {
                let group = format!("-{}", traced.id());
                let status = std::process::Command::new("kill")
                    .args(["-KILL", "--", &group])
                    .status()
                    .unwrap();
                assert!(status.success());
                let _ = traced.wait();
                break true;
            }
            if traced.try_wait().unwrap().is_some() {
                break false;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        check(&copy, killed.then_some(kill_after));
        if !killed {
            return;
        }
    }
    panic!("{arguments:?} made 50 renames and was still running");
}

/// Issue 23, item 4: a real `publish --status final` over a draft publication, killed after
/// each of its renames. Without any later command, the output folder as anyone opens it holds
/// one publication whole: every document the draft or every one the final, never some of each
/// and never a missing agendas folder (the journal of renames left both).
#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace (apt-get install strace)")]
fn a_publication_killed_after_any_rename_leaves_one_whole_publication() {
    let draft = copy_fixture("india-2017");
    let dir = draft.path().to_str().unwrap();
    assert_eq!(run(&["schedule", dir]).code, 0);
    assert_eq!(run(&["publish", dir]).code, 0);
    let all = |status| {
        publication_of(Path::new(""))
            .iter()
            .map(|(name, _)| (*name, Some(status)))
            .collect::<Vec<_>>()
    };
    assert_eq!(publication_of(&draft.path().join("out")), all("draft"));
    let arguments = ["publish", "MISSION", "--status", "final"];
    kill_after_each_rename(draft.path(), &arguments, |copy, killed| {
        let seen = publication_of(&copy.join("out"));
        match killed {
            Some(renames) => assert!(
                seen == all("draft") || seen == all("final"),
                "killed after {renames} renames: {seen:?}"
            ),
            None => assert_eq!(seen, all("final"), "the run that was not killed"),
        }
    });
}

/// The same for `schedule`: killed after any rename, `schedule.json` and `schedule.csv` are
/// the previous timetable's or both the new one's.
#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace (apt-get install strace)")]
fn a_schedule_killed_after_any_rename_leaves_one_whole_timetable() {
    let scratch = copy_fixture("india-2017");
    let dir = scratch.path().to_str().unwrap();
    assert_eq!(run(&["schedule", dir]).code, 0);
    let (before, _) = meetings_of_both(&scratch.path().join("out"));
    // The next run makes another timetable.
    edit(scratch.path(), "mission.toml", "hi = 2", "hi = 1");
    let mut seen = Vec::new();
    kill_after_each_rename(scratch.path(), &["schedule", "MISSION"], |copy, killed| {
        let (json, csv) = meetings_of_both(&copy.join("out"));
        assert_eq!(json, csv, "killed after {killed:?} renames");
        seen.push((killed, json));
    });
    let (_, after) = seen.pop().unwrap();
    assert_ne!(
        after, before,
        "the run that was not killed made another timetable"
    );
    for (killed, json) in seen {
        assert!(
            json == before || json == after,
            "killed after {killed:?} renames"
        );
    }
}

/// What a swap of the output folder must not do: leave a process that stands in the folder (a
/// shell, a file manager) in one that was removed, or discard another writer's staged files.
/// Both make the writer fall back to its journal: the shell still sees the folder, and the
/// other writer's staging is where it left it.
#[test]
fn a_swap_leaves_no_one_in_a_removed_folder_and_no_writer_without_its_staging() {
    let scratch = copy_fixture("india-2017");
    let dir = scratch.path().to_str().unwrap();
    let out = scratch.path().join("out");
    assert_eq!(run(&["schedule", dir]).code, 0);
    let mut shell = std::process::Command::new("sleep")
        .arg("30")
        .current_dir(&out)
        .spawn()
        .unwrap();
    assert_eq!(run(&["publish", dir]).code, 0);
    let cwd = std::fs::read_link(format!("/proc/{}/cwd", shell.id())).unwrap();
    let _ = shell.kill();
    let _ = shell.wait();
    assert_eq!(
        cwd,
        out.canonicalize().unwrap(),
        "the shell's folder was removed"
    );
    assert!(out.join("agendas/firms").is_dir());

    // Another writer (this test, alive) staging a publication in the folder.
    let staging = out.join(format!(".agendas.{}.tmp", std::process::id()));
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::write(staging.join("F01.html"), "staged").unwrap();
    assert_eq!(run(&["publish", dir, "--status", "final"]).code, 0);
    assert_eq!(
        std::fs::read_to_string(staging.join("F01.html")).unwrap(),
        "staged"
    );
    std::fs::remove_dir_all(&staging).unwrap();
    // With no one in the way, the next publication swaps the folder and leaves nothing behind.
    assert_eq!(run(&["publish", dir, "--status", "final"]).code, 0);
    let beside: Vec<String> = std::fs::read_dir(scratch.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".out."))
        .collect();
    assert_eq!(beside, Vec::<String>::new());
}

/// A file someone saves into the output folder while a publication's swap is being built (here
/// held back by strace just before its exchange) is in the folder afterwards, as is a file
/// replaced then: the swap carries over what the previous state gained.
#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace (apt-get install strace)")]
fn a_file_saved_during_a_swap_is_kept() {
    let scratch = copy_fixture("india-2017");
    let dir = scratch.path().to_str().unwrap();
    let out = scratch.path().join("out");
    assert_eq!(run(&["schedule", dir]).code, 0);
    std::fs::write(out.join("notes.txt"), "v1").unwrap();
    let log = scratch.path().join("strace.log");
    let mut traced = std::process::Command::new("strace")
        .args(["-f", "-o", log.to_str().unwrap()])
        .args(["-e", "trace=rename,renameat2"])
        .args(["-e", "inject=renameat2:delay_enter=1500000"])
        .arg(env!("CARGO_BIN_EXE_missionmatch"))
        .args(["publish", dir])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The staged agendas move into the next state last, just before the exchange.
    let started = std::time::Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains(".next/agendas")
    {
        assert!(started.elapsed().as_secs() < 60, "no swap was built");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    std::fs::write(out.join("late.txt"), "saved during the swap").unwrap();
    std::fs::write(out.join("notes.txt.new"), "v2").unwrap();
    std::fs::rename(out.join("notes.txt.new"), out.join("notes.txt")).unwrap();
    assert!(traced.wait().unwrap().success());
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("RENAME_EXCHANGE"),
        "the folder was swapped"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("late.txt")).unwrap(),
        "saved during the swap"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "v2"
    );
    assert!(out.join("agendas/firms").is_dir());
}
