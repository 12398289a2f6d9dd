//! An output folder replaced as a whole, where the system can: its next state is built beside
//! it (the files the set leaves alone hard-linked, the new ones written, the staged folder moved
//! in) and the two folders are exchanged by one atomic call (Linux `renameat2` with
//! `RENAME_EXCHANGE`). Before the exchange the folder is the previous run's, after it this
//! run's: whoever opens it (a reader of this program, another program, a person) and wherever
//! a run is killed, no one ever sees files of two runs together, and no later command has to
//! complete anything. Where the exchange is not available (another system, a file system
//! without it) or the folder is not one to exchange, nothing changes and the caller writes
//! the set through its journal ([`super::write`]).

use std::path::{Path, PathBuf};

use super::write::identity;
use crate::error::{Error, Result};

/// Suffix of the folder a swap builds beside the output folder (`.out.PID.next`); after the
/// exchange it holds the previous state until it is removed.
const NEXT_SUFFIX: &str = "next";

/// Writes `files` into `dir` and moves the staged `folder` (`(staged, target)`, staged inside
/// `dir`) to `dir/target`, all at once, by building the folder's next state and exchanging it
/// with the folder. `Ok(false)` when that cannot be done here: then nothing was changed. The
/// caller holds the folder's exclusive lock.
pub(super) fn swap_in(
    dir: &Path,
    files: &[(&str, &[u8])],
    folder: Option<(&Path, &str)>,
) -> Result<bool> {
    let Some((parent, name)) = swappable(dir) else {
        return Ok(false);
    };
    sweep(&parent, &name);
    let next = parent.join(format!(".{name}.{}.{NEXT_SUFFIX}", std::process::id()));
    let _ = std::fs::remove_dir_all(&next);
    let mut skip: Vec<&str> = files.iter().map(|(file, _)| *file).collect();
    let staged_name = folder.map(|(staged, _)| super::write::file_name(staged));
    skip.extend(folder.map(|(_, target)| target));
    skip.extend(staged_name.as_deref());
    if build(dir, &next, &skip).is_err() {
        let _ = std::fs::remove_dir_all(&next);
        return Ok(false);
    }
    for (file, contents) in files {
        if let Err(error) = super::write::write_synced(&next.join(file), contents) {
            let _ = std::fs::remove_dir_all(&next);
            return Err(error);
        }
    }
    if let Some((staged, target)) = folder {
        if let Err(error) = std::fs::rename(staged, next.join(target)) {
            let _ = std::fs::remove_dir_all(&next);
            return Err(Error::io(staged, error));
        }
    }
    // Held from before the exchange until the previous state is gone: once swapped in, `next`
    // is the folder, and no other writer may change it while the previous state's gains move.
    let held = std::fs::File::open(&next)
        .ok()
        .filter(|folder| folder.lock().is_ok());
    if let Some(folder) = &held {
        let _ = folder.sync_all();
    }
    if exchange(&next, &parent.join(&name)).is_err() {
        // Nothing was swapped: the staged folder goes back where the journal expects it.
        if let Some((staged, target)) = folder {
            std::fs::rename(next.join(target), staged).map_err(|error| Error::io(staged, error))?;
        }
        let _ = std::fs::remove_dir_all(&next);
        return Ok(false);
    }
    // `next` now holds the previous state: what someone else saved into it while this one was
    // built moves over, then it goes.
    carry_over(&next, &parent.join(&name), &skip);
    let _ = std::fs::remove_dir_all(&next);
    let _ = std::fs::File::open(&parent).and_then(|folder| folder.sync_all());
    drop(held);
    Ok(true)
}

/// The parent and name of an output folder that may be exchanged as a whole: on Linux, an
/// existing folder that is not a mission folder (`schedule --out` may name any folder; a
/// mission's own files are never swapped) and that no process (a shell, this one) stands in.
pub(super) fn swappable(dir: &Path) -> Option<(PathBuf, String)> {
    let canonical = could_swap(dir)?;
    if someone_stands_in(&canonical) {
        return None;
    }
    let name = canonical.file_name()?.to_string_lossy().into_owned();
    Some((canonical.parent()?.to_path_buf(), name))
}

/// The folder's own path, when it is of the kind that may be swapped (on Linux, an existing
/// folder that is no mission folder, owned by this process's user and group, so the folder
/// made anew keeps its owner): whether someone stands in it is not asked.
pub(super) fn could_swap(dir: &Path) -> Option<PathBuf> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let canonical = dir.canonicalize().ok()?;
    let metadata = std::fs::metadata(&canonical).ok()?;
    if !metadata.is_dir() || canonical.join("mission.toml").exists() || !owned_here(&metadata) {
        return None;
    }
    Some(canonical)
}

/// Whether this process's user and group own the folder (a folder made anew would be theirs).
#[cfg(target_os = "linux")]
fn owned_here(metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    // SAFETY: geteuid and getegid only read the process's ids.
    let (user, group) = unsafe { (libc::geteuid(), libc::getegid()) };
    metadata.uid() == user && metadata.gid() == group
}

#[cfg(not(target_os = "linux"))]
fn owned_here(_metadata: &std::fs::Metadata) -> bool {
    false
}

/// Whether a process (a shell, a file manager, this one) has its working folder in `dir`: it
/// would be left standing in the folder the swap removes. (Processes of other users cannot be
/// seen unless this one runs as root; they could not write the folder either.)
fn someone_stands_in(dir: &Path) -> bool {
    let Ok(processes) = std::fs::read_dir("/proc") else {
        return true;
    };
    processes.filter_map(|entry| entry.ok()).any(|entry| {
        entry.file_name().to_string_lossy().parse::<u32>().is_ok()
            && std::fs::read_link(entry.path().join("cwd")).is_ok_and(|cwd| cwd.starts_with(dir))
    })
}

/// Removes the next states that killed runs left beside the folder `name` in `parent` (built
/// and never swapped, or swapped and not yet removed: either way not the folder).
fn sweep(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let prefix = format!(".{name}.");
    for entry in entries.filter_map(|entry| entry.ok()) {
        let entry_name = entry.file_name().to_string_lossy().into_owned();
        let process = entry_name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(&format!(".{NEXT_SUFFIX}")))
            .and_then(|process| process.parse::<u32>().ok());
        if let Some(process) = process {
            let path = entry.path();
            if !super::write::writer_alive(&path, process) {
                let _ = std::fs::remove_dir_all(&path);
            }
        }
    }
}

/// Makes `next` a copy of `dir` without the entries named in `skip`: files hard-linked, folders
/// made anew, links kept as links. Refused (the caller then writes through the journal) where
/// a swap could lose something: another writer's temporary file (a publication being staged
/// would be left in the state the swap removes), a folder of another file system inside (a
/// mount, whose files the removal of the previous state would reach), a file that cannot be
/// linked.
fn build(dir: &Path, next: &Path, skip: &[&str]) -> std::io::Result<()> {
    std::fs::create_dir(next)?;
    let metadata = std::fs::metadata(dir)?;
    std::fs::set_permissions(next, metadata.permissions())?;
    let device = identity(&metadata).0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if skip.contains(&name.as_str()) {
            continue;
        }
        if let Some(process) = super::write::temporary_process(&name) {
            if super::write::writer_alive(&entry.path(), process) {
                return Err(std::io::Error::other("another writer is at work here"));
            }
            continue;
        }
        mirror(&entry.path(), &next.join(&name), device)?;
    }
    Ok(())
}

/// Moves into the swapped-in folder `now` what the previous state `was` gained while the swap
/// was built: entries it lacks, files replaced since they were linked (another inode), and
/// live writers' temporary files. The set's own entries (`skip`) and dead writers'
/// temporaries stay behind.
fn carry_over(was: &Path, now: &Path, skip: &[&str]) {
    let Ok(entries) = std::fs::read_dir(was) else {
        return;
    };
    for entry in entries.filter_map(|entry| entry.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if skip.contains(&name.as_str()) {
            continue;
        }
        if let Some(process) = super::write::temporary_process(&name) {
            // Another writer's file, begun after this state was read: it follows the folder,
            // so that its writer's rename finds it.
            if super::write::writer_alive(&entry.path(), process) {
                let _ = std::fs::rename(entry.path(), now.join(&name));
            }
            continue;
        }
        let (old, new) = (entry.path(), now.join(&name));
        match (
            std::fs::symlink_metadata(&old),
            std::fs::symlink_metadata(&new),
        ) {
            (Ok(_), Err(_)) => {
                let _ = std::fs::rename(&old, &new);
            }
            (Ok(before), Ok(after)) if before.is_dir() && after.is_dir() => {
                carry_over(&old, &new, &[]);
            }
            (Ok(before), Ok(after)) if identity(&before) != identity(&after) => {
                let _ = std::fs::rename(&old, &new);
            }
            _ => {}
        }
    }
}

/// Mirrors one entry: a file by a hard link, a folder entry by entry, a link as a link; an
/// entry of another file system than `device` refuses the whole.
fn mirror(from: &Path, to: &Path, device: u64) -> std::io::Result<()> {
    let metadata = std::fs::symlink_metadata(from)?;
    if identity(&metadata).0 != device {
        return Err(std::io::Error::other("another file system is mounted here"));
    }
    let kind = metadata.file_type();
    if kind.is_dir() {
        std::fs::create_dir(to)?;
        std::fs::set_permissions(to, metadata.permissions())?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            mirror(&entry.path(), &to.join(entry.file_name()), device)?;
        }
        return Ok(());
    }
    if kind.is_symlink() {
        return symlink(&std::fs::read_link(from)?, to);
    }
    std::fs::hard_link(from, to)
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(_target: &Path, _link: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other("links are not mirrored here"))
}

/// Exchanges two folders in one atomic step.
#[cfg(target_os = "linux")]
fn exchange(one: &Path, other: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt as _;
    let c_path = |path: &Path| {
        std::ffi::CString::new(path.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::other("a path with a NUL byte"))
    };
    let (one, other) = (c_path(one)?, c_path(other)?);
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call; renameat2
    // only reads them.
    let status = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            one.as_ptr(),
            libc::AT_FDCWD,
            other.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if status == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_one: &Path, _other: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other("no atomic exchange of folders here"))
}
