//! Writing files: atomically (temp file then rename), and whole mission folders.

use std::fmt::Write as _;
use std::path::Path;

use super::csv::{csv_with_header, push_line};
use crate::error::{Error, Result};
use crate::model::{Availability, HsCode, MeetingLimits, Mission, Session};

/// Writes `contents` to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees a half-written file. Creates the folder if needed.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = file_name(path);
    write_set(dir, &[(name.as_str(), contents)])
}

pub(super) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Prefix of the journal a set of renames leaves while it runs.
const JOURNAL_PREFIX: &str = ".missionmatch-set.";

/// Writes files that belong together (`schedule.json` and `schedule.csv`) into `dir` so that
/// they stay a set: every file is written to a temporary file first; only when all of them are
/// complete (and no target is a folder) does a journal list the renames, which then run. A run
/// killed before the journal leaves the previous files untouched; one killed during the renames
/// is completed by the next write into the folder or the next reader ([`settle`]), which also
/// remove temporary files that killed runs left behind. The journal is written, carried out and
/// removed under the folder's exclusive lock ([`FolderLock`]), which readers wait for, so no
/// reader of this program starts reading between two renames of a live run. Creates the
/// folder if needed.
pub fn write_set(dir: &Path, files: &[(&str, &[u8])]) -> Result<()> {
    write_set_with_folder(dir, files, None)
}

/// [`write_set`], with a folder built aside (`staged`, inside `dir`) that replaces the folder
/// `target` in the same journal: the old one is renamed away first (a folder cannot be renamed
/// over one that is not empty) and removed last, and a killed run is completed as a whole.
pub fn write_set_with_folder(
    dir: &Path,
    files: &[(&str, &[u8])],
    folder: Option<(&Path, &str)>,
) -> Result<()> {
    began();
    std::fs::create_dir_all(dir).map_err(|error| Error::io(dir, error))?;
    // A folder inside an output folder that is swapped whole (`out/mail`) is written while no
    // swap runs: what it gained during one would stay behind in the state the swap replaces.
    // (A mission folder's own files are never inside one.)
    let _outer = dir
        .parent()
        .filter(|_| !dir.join("mission.toml").exists())
        .filter(|outer| super::swap::could_swap(outer).is_some())
        .map(FolderLock::exclusive);
    {
        let _lock = FolderLock::exclusive(dir);
        recover(dir)?;
    }
    for (name, _) in files {
        let path = dir.join(name);
        if path.is_dir() {
            return Err(Error::io(
                &path,
                std::io::Error::other("is a folder; move it away so the file can be written"),
            ));
        }
    }
    if files.len() + usize::from(folder.is_some()) > 1 {
        let _lock = FolderLock::exclusive(dir);
        if super::swap::swap_in(dir, files, folder)? {
            return Ok(());
        }
    }
    let process = std::process::id();
    let mut renames = Vec::new();
    for (name, contents) in files {
        let temporary = dir.join(format!(".{name}.{process}.tmp"));
        if let Err(error) = write_synced(&temporary, contents) {
            for (written, _) in &renames {
                let _ = std::fs::remove_file(written);
            }
            let _ = std::fs::remove_file(&temporary);
            return Err(error);
        }
        renames.push((temporary, dir.join(name)));
    }
    let journal = dir.join(format!("{JOURNAL_PREFIX}{process}"));
    let mut listing = String::new();
    let retired = folder.map(|(_, target)| format!(".{target}.{process}.old"));
    if let (Some((staged, target)), Some(retired)) = (folder, &retired) {
        let _ = writeln!(
            listing,
            "{FOLDER_LINE}\t{}\t{target}\t{retired}",
            file_name(staged)
        );
    }
    for (temporary, target) in &renames {
        let _ = writeln!(listing, "{}\t{}", file_name(temporary), file_name(target));
    }
    let journaled = listing.lines().count() > 1;
    let _lock = FolderLock::exclusive(dir);
    // What this run wrote is still there: a swap by another command between the writing and
    // this lock would have taken it along, or away.
    let staged = folder.map(|(staged, _)| staged.to_path_buf());
    if let Some(missing) = renames
        .iter()
        .map(|(temporary, _)| temporary.clone())
        .chain(staged)
        .find(|written| !written.exists())
    {
        return Err(Error::io(
            &missing,
            std::io::Error::other(
                "was removed while it was written: another command replaced the folder; run again",
            ),
        ));
    }
    if journaled {
        write_synced(&journal, listing.as_bytes())?;
    }
    apply(dir, &listing)?;
    if journaled {
        std::fs::remove_file(&journal).map_err(|error| Error::io(&journal, error))?;
    }
    Ok(())
}

/// The first field of a journal line that replaces a folder: `folder STAGED TARGET RETIRED`.
const FOLDER_LINE: &str = "folder";

/// Carries out a journal's renames, skipping what is already done, so that a run killed at any
/// point is completed by running it again: a folder line moves the old folder away (unless it
/// is already away) and the staged one in, then removes the old one; a file line renames its
/// temporary file over the target.
fn apply(dir: &Path, listing: &str) -> Result<()> {
    let rename =
        |from: &Path, to: &Path| std::fs::rename(from, to).map_err(|error| Error::io(to, error));
    let mut retired_folders = Vec::new();
    for line in listing.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            [FOLDER_LINE, staged, target, retired] => {
                let (staged, target, retired) =
                    (dir.join(staged), dir.join(target), dir.join(retired));
                if staged.exists() {
                    if target.exists() && !retired.exists() {
                        rename(&target, &retired)?;
                    }
                    rename(&staged, &target)?;
                }
                retired_folders.push(retired);
            }
            [temporary, target] => {
                let temporary = dir.join(temporary);
                if temporary.exists() {
                    rename(&temporary, &dir.join(target))?;
                }
            }
            _ => {}
        }
    }
    for retired in retired_folders {
        let _ = std::fs::remove_dir_all(retired);
    }
    Ok(())
}

/// Makes an output folder whole before it is read and keeps it so while the returned guard
/// lives: waits for a live writer's renames to end, completes the sets of writers that were
/// killed during theirs, then holds the folder's shared lock, so that a reader (`publish`,
/// `followup`, `report`, `serve`) never takes files of two runs together.
pub fn settle(dir: &Path) -> Result<FolderLock> {
    began();
    let mut attempts = 0;
    loop {
        {
            let _lock = FolderLock::exclusive(dir);
            recover(dir)?;
        }
        let reading = FolderLock::shared(dir);
        attempts += 1;
        // A writer killed between the two locks left a journal: complete it and start again.
        // (Without a lock a live writer's journal may be there: then the journal alone has to do.)
        if reading.folder.is_none() || attempts == 3 || !has_journal(dir) {
            return Ok(reading);
        }
    }
}

/// Runs `read`, which reads several files of the output folder `dir`, again until no command
/// wrote into the folder while it ran, so that what it read is of one run: a set written in
/// the meantime swapped the folder (another folder now) or renamed files in it (a later
/// modification time).
pub fn read_together<T>(dir: &Path, mut read: impl FnMut() -> Result<T>) -> Result<T> {
    let state = || {
        std::fs::metadata(dir)
            .ok()
            .map(|metadata| (identity(&metadata), metadata.modified().ok()))
    };
    for _ in 0..10 {
        let before = state();
        let value = read()?;
        if state() == before {
            return Ok(value);
        }
    }
    Err(Error::io(
        dir,
        std::io::Error::other(
            "changed each time it was read: another command keeps writing it; try again when it has finished",
        ),
    ))
}

fn has_journal(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.filter_map(|entry| entry.ok()).any(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with(JOURNAL_PREFIX)
        })
    })
}

/// An advisory lock on an output folder (`flock` on the folder itself; nothing is created):
/// writers hold it exclusively from their journal to its removal, readers shared while they
/// read. Released when dropped, and by the system when a process dies. Where the folder cannot
/// be opened or locked (a system without folder locks) there is no lock, and readers rely on
/// the journal alone.
pub struct FolderLock {
    /// The open folder holding the lock; none without one.
    folder: Option<std::fs::File>,
}

impl FolderLock {
    /// The writers' lock. A folder swapped while this one waited ([`super::swap`]) is another
    /// folder now: the lock is taken again on the one at the path.
    fn exclusive(dir: &Path) -> FolderLock {
        FolderLock::taken(dir, std::fs::File::lock)
    }

    /// The readers' lock, on the folder at the path when it is taken (as [`Self::exclusive`]).
    fn shared(dir: &Path) -> FolderLock {
        FolderLock::taken(dir, std::fs::File::lock_shared)
    }

    /// The folder at `dir` locked by `lock`, taken again while the folder locked is no longer
    /// the one at the path.
    fn taken(dir: &Path, lock: fn(&std::fs::File) -> std::io::Result<()>) -> FolderLock {
        for _ in 0..100 {
            let Some(folder) = std::fs::File::open(dir)
                .ok()
                .filter(|folder| lock(folder).is_ok())
            else {
                break;
            };
            if is_at(&folder, dir) {
                return FolderLock {
                    folder: Some(folder),
                };
            }
        }
        FolderLock { folder: None }
    }
}

/// Whether the open folder is still the one at `dir` (always, where files have no identity).
fn is_at(folder: &std::fs::File, dir: &Path) -> bool {
    if !cfg!(unix) {
        return true;
    }
    match (folder.metadata(), std::fs::metadata(dir)) {
        (Ok(open), Ok(there)) => identity(&open) == identity(&there),
        _ => false,
    }
}

/// (device, inode) of a file or folder: the same pair, the same file, whatever its path; (0, 0)
/// where the system has no such numbers.
#[cfg(unix)]
pub(super) fn identity(metadata: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt as _;
    (metadata.dev(), metadata.ino())
}

#[cfg(not(unix))]
pub(super) fn identity(_metadata: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

pub(super) fn write_synced(path: &Path, contents: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let mut file = std::fs::File::create(path).map_err(|error| Error::io(path, error))?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|error| Error::io(path, error))
}

/// When this process first wrote or read an output folder: files with its process id that are
/// older were left by an earlier process with the same id.
fn began() -> &'static std::time::SystemTime {
    static BEGAN: std::sync::OnceLock<std::time::SystemTime> = std::sync::OnceLock::new();
    BEGAN.get_or_init(std::time::SystemTime::now)
}

/// Whether the process that wrote a temporary file or journal may still be running: on Linux,
/// whether `/proc/PID` exists; elsewhere, whether the file is less than an hour old.
pub(super) fn writer_alive(path: &Path, process: u32) -> bool {
    if process == std::process::id() {
        // This process's own, or one left by an earlier process that had the same id (every
        // container's first process is 1): only what was written since this one began is its.
        let written = std::fs::metadata(path).and_then(|metadata| metadata.modified());
        // (Two seconds of slack: file times come from a coarser clock.)
        let slack = std::time::Duration::from_secs(2);
        return written.is_ok_and(|written| written + slack >= *began());
    }
    if Path::new("/proc/self").exists() {
        return Path::new(&format!("/proc/{process}")).exists();
    }
    std::fs::metadata(path)
        .and_then(|metadata| metadata.modified())
        .ok()
        .and_then(|modified| modified.elapsed().ok())
        .is_some_and(|age| age.as_secs() < 3600)
}

/// The process that wrote a temporary entry of an output folder: `.NAME.PID.tmp` (a file or a
/// staged folder) or `.NAME.PID.old` (a retired folder); none for any other name.
pub(super) fn temporary_process(name: &str) -> Option<u32> {
    name.strip_prefix('.')
        .and_then(|rest| {
            rest.strip_suffix(".tmp")
                .or_else(|| rest.strip_suffix(".old"))
        })
        .and_then(|rest| rest.rsplit_once('.'))
        .and_then(|(_, process)| process.parse::<u32>().ok())
}

/// Completes the renames of sets whose writer was killed, then removes temporary files of
/// writers that are gone.
fn recover(dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let names: Vec<String> = entries
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    for name in &names {
        let Some(process) = name
            .strip_prefix(JOURNAL_PREFIX)
            .and_then(|process| process.parse::<u32>().ok())
        else {
            continue;
        };
        let journal = dir.join(name);
        if writer_alive(&journal, process) {
            continue;
        }
        let listing = std::fs::read_to_string(&journal).unwrap_or_default();
        apply(dir, &listing)?;
        let _ = std::fs::remove_file(&journal);
    }
    for name in &names {
        let Some(process) = temporary_process(name) else {
            continue;
        };
        let path = dir.join(name);
        if !writer_alive(&path, process) {
            if path.is_dir() {
                let _ = std::fs::remove_dir_all(&path);
            } else {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    Ok(())
}

fn toml_string(text: &str) -> String {
    // TOML basic strings share JSON's escapes for everything a mission name can hold.
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

fn session_toml(session: &Session) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "[[session]]");
    let _ = writeln!(out, "id = {}", toml_string(&session.id.0));
    let _ = writeln!(out, "date = \"{}\"", session.date);
    let _ = writeln!(out, "city = {}", toml_string(&session.city));
    let _ = writeln!(out, "start = \"{}\"", session.hours.start);
    let _ = writeln!(out, "end = \"{}\"", session.hours.end);
    let _ = writeln!(out, "slot_minutes = {}", session.slot_minutes);
    let _ = writeln!(out, "break_minutes = {}", session.break_minutes);
    if !session.breaks.is_empty() {
        let breaks: Vec<String> = session.breaks.iter().map(|b| format!("\"{b}\"")).collect();
        let _ = writeln!(out, "breaks = [{}]", breaks.join(", "));
    }
    if let Some(zone) = &session.timezone {
        let _ = writeln!(out, "timezone = {}", toml_string(zone));
    }
    if !session.venue.is_empty() {
        let _ = writeln!(out, "venue = {}", toml_string(&session.venue));
    }
    if let Some(tables) = session.tables {
        let _ = writeln!(out, "tables = {tables}");
    }
    out
}

fn mission_toml(mission: &Mission) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "name = {}", toml_string(&mission.name));
    let _ = writeln!(out, "currency = {}\n", toml_string(&mission.currency));
    for session in &mission.sessions {
        out.push_str(&session_toml(session));
        out.push('\n');
    }
    if let Some(limits) = &mission.interpreters {
        out.push_str("[interpreters]\n");
        for (language, count) in limits {
            let _ = writeln!(out, "{language} = {count}");
        }
        out.push('\n');
    }
    let rules = mission.rules;
    let rule_lines: Vec<(&str, Option<u32>)> = vec![
        ("min_meetings_per_firm", rules.min_meetings_per_firm),
        ("max_meetings_per_firm", rules.max_meetings_per_firm),
        ("min_meetings_per_buyer", rules.min_meetings_per_buyer),
        ("max_meetings_per_buyer", rules.max_meetings_per_buyer),
        ("candidates_per_firm", rules.candidates_per_firm),
    ];
    out.push_str("[rules]\n");
    for (key, value) in rule_lines {
        if let Some(value) = value {
            let _ = writeln!(out, "{key} = {value}");
        }
    }
    if let Some(compact) = rules.compact {
        let _ = writeln!(out, "compact = {compact}");
    }
    if let Some(limit) = rules.max_idle_gaps {
        let _ = writeln!(out, "max_idle_gaps = {limit}");
    }
    if let Some(floor) = rules.min_relevance {
        let _ = writeln!(out, "min_relevance = {floor:?}");
    }
    if !mission.model.is_empty() {
        out.push_str("\n[model]\n");
        for (key, value) in &mission.model {
            let _ = writeln!(out, "{key} = {value:?}");
        }
    }
    if let Some(webhook) = &mission.followup_webhook {
        let _ = writeln!(out, "\n[followup]\nwebhook = {}", toml_string(webhook));
    }
    if let Some(organiser) = &mission.organiser {
        out.push_str("\n[organiser]\n");
        for (key, value) in [
            ("name", &organiser.name),
            ("email", &organiser.email),
            ("phone", &organiser.phone),
        ] {
            if !value.is_empty() {
                let _ = writeln!(out, "{key} = {}", toml_string(value));
            }
        }
    }
    if let Some(email) = &mission.email {
        let security = match email.security {
            crate::model::SmtpSecurity::Tls => "tls",
            crate::model::SmtpSecurity::StartTls => "starttls",
            crate::model::SmtpSecurity::None => "none",
        };
        let _ = writeln!(
            out,
            "\n[email]\nfrom = {}\nsmtp_host = {}\nsmtp_port = {}\nsecurity = \"{security}\"",
            toml_string(&email.from),
            toml_string(&email.smtp_host),
            email.smtp_port
        );
        if let Some(user) = &email.user {
            let _ = writeln!(out, "user = {}", toml_string(user));
        }
    }
    if let Some(deadline) = &mission.wishes_until {
        let _ = writeln!(
            out,
            "\n[participation]\nwishes_until = {}",
            toml_string(&deadline.written)
        );
    }
    out
}

fn availability_cell(mission: &Mission, availability: &Availability) -> String {
    match availability {
        Availability::Everywhere => String::new(),
        Availability::Windows(windows) => windows
            .iter()
            .map(|window| {
                let id = &mission.sessions[window.session].id;
                match window.range {
                    None => id.to_string(),
                    Some(range) => format!("{id}@{range}"),
                }
            })
            .collect::<Vec<_>>()
            .join(";"),
    }
}

fn codes_cell(codes: &[HsCode]) -> String {
    codes
        .iter()
        .map(HsCode::as_str)
        .collect::<Vec<_>>()
        .join(";")
}

fn optional<T: ToString>(value: Option<T>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

fn limit_cells(limits: MeetingLimits) -> [String; 2] {
    [optional(limits.min_meetings), optional(limits.max_meetings)]
}

/// Writes `mission` as a mission folder the contract describes (`mission.toml`, `firms.csv`,
/// `buyers.csv`, and `requests.csv` / `outcomes.csv` when there are any). Files are written
/// atomically one by one.
pub fn write_mission(dir: &Path, mission: &Mission) -> Result<()> {
    write_atomically(&dir.join("mission.toml"), mission_toml(mission).as_bytes())?;

    let mut firms = csv_with_header(super::read::FIRM_COLUMNS);
    for firm in &mission.firms {
        let [min_meetings, max_meetings] = limit_cells(firm.limits);
        push_line(
            &mut firms,
            &[
                firm.id.0.clone(),
                firm.name.clone(),
                firm.sector.clone(),
                firm.products.clone(),
                firm.keywords.join(";"),
                codes_cell(&firm.hs_codes),
                firm.languages.join(";"),
                availability_cell(mission, &firm.availability),
                min_meetings,
                max_meetings,
                optional(firm.export_capacity_usd),
                firm.booth.clone(),
                firm.contact.person.clone(),
                firm.contact.email.clone(),
                firm.contact.phone.clone(),
                firm.status.as_str().to_string(),
                firm.for_buyers.name_en.clone(),
                firm.for_buyers.products_en.clone(),
                firm.for_buyers.products_vi.clone(),
            ],
        );
    }
    write_atomically(&dir.join("firms.csv"), firms.as_bytes())?;

    let mut buyers = csv_with_header(super::read::BUYER_COLUMNS);
    for buyer in &mission.buyers {
        let [min_meetings, max_meetings] = limit_cells(buyer.limits);
        push_line(
            &mut buyers,
            &[
                buyer.id.0.clone(),
                buyer.company.clone(),
                buyer.country.clone(),
                buyer.city.clone(),
                buyer.sector.clone(),
                buyer.interests.clone(),
                buyer.keywords.join(";"),
                codes_cell(&buyer.hs_codes),
                buyer.languages.join(";"),
                availability_cell(mission, &buyer.availability),
                min_meetings,
                max_meetings,
                optional(buyer.annual_import_usd),
                buyer.contact.person.clone(),
                buyer.contact.email.clone(),
                buyer.contact.phone.clone(),
                buyer.status.as_str().to_string(),
            ],
        );
    }
    write_atomically(&dir.join("buyers.csv"), buyers.as_bytes())?;

    // The organiser's rows, then the participants' wishes as they asked them (`from` = the
    // participant's id), not the engine's reading of them (`Mission::requests`' `wish` rows).
    let rows: Vec<&crate::model::Request> = mission
        .requests
        .iter()
        .filter(|r| !r.wish)
        .chain(&mission.wishes)
        .collect();
    if !rows.is_empty() {
        let mut requests = csv_with_header(&["firm", "buyer", "kind", "from", "when", "note"]);
        for request in rows {
            let from = match (request.wished_by(), request.from) {
                (Some(participant), _) => participant,
                (None, Some(crate::model::Side::Firm)) => "firm",
                (None, Some(crate::model::Side::Buyer)) => "buyer",
                (None, None) => "",
            };
            push_line(
                &mut requests,
                &[
                    request.firm.as_str(),
                    request.buyer.as_str(),
                    request.kind.as_str(),
                    from,
                    &availability_cell(mission, &request.when),
                    &request.note,
                ],
            );
        }
        write_atomically(&dir.join("requests.csv"), requests.as_bytes())?;
    }

    if let Some(outcomes) = &mission.outcomes {
        let text = super::outcomes::outcomes_csv(outcomes);
        write_atomically(&dir.join("outcomes.csv"), text.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads of `schedule.json` and `schedule.csv` with a set written between them on the
    /// first pass (another command finishing): read again, and only the second pass, of one
    /// run, is kept. (Set written during the read, passes, what is kept.)
    #[test]
    fn files_read_together_are_of_one_run() {
        let cases = [(false, 1, "a", "a"), (true, 2, "b", "b")];
        for (written_between, passes, json, csv) in cases {
            let dir = std::env::temp_dir().join(format!(
                "missionmatch-read-together-{}-{written_between}",
                std::process::id()
            ));
            let out = dir.join("out");
            let _ = std::fs::remove_dir_all(&dir);
            write_set(&out, &[("schedule.json", b"a"), ("schedule.csv", b"a")]).unwrap();
            let mut calls = 0;
            let read = read_together(&out, || {
                calls += 1;
                let first = std::fs::read_to_string(out.join("schedule.json")).unwrap();
                if written_between && calls == 1 {
                    write_set(&out, &[("schedule.json", b"b"), ("schedule.csv", b"b")]).unwrap();
                }
                let second = std::fs::read_to_string(out.join("schedule.csv")).unwrap();
                Ok((first, second))
            })
            .unwrap();
            assert_eq!(calls, passes, "written between: {written_between}");
            assert_eq!(read, (json.to_string(), csv.to_string()));
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}
