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
    let _ = std::fs::File::open(&next).and_then(|folder| folder.sync_all());
    if exchange(&next, &parent.join(&name)).is_err() {
        // Nothing was swapped: the staged folder goes back where the journal expects it.
        if let Some((staged, target)) = folder {
            std::fs::rename(next.join(target), staged).map_err(|error| Error::io(staged, error))?;
        }
        let _ = std::fs::remove_dir_all(&next);
        return Ok(false);
    }
    // `next` now holds the previous state.
    let _ = std::fs::remove_dir_all(&next);
    let _ = std::fs::File::open(&parent).and_then(|folder| folder.sync_all());
    Ok(true)
}

/// The parent and name of an output folder that may be exchanged as a whole: on Linux, an
/// existing folder that is not a mission folder (`schedule --out` may name any folder; a
/// mission's own files are never swapped) and not the one a shell or this process stands in.
pub(super) fn swappable(dir: &Path) -> Option<(PathBuf, String)> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let canonical = dir.canonicalize().ok()?;
    if !canonical.is_dir() || canonical.join("mission.toml").exists() {
        return None;
    }
    let here = std::env::current_dir().ok()?.canonicalize().ok()?;
    if here.starts_with(&canonical) {
        return None;
    }
    let name = canonical.file_name()?.to_string_lossy().into_owned();
    Some((canonical.parent()?.to_path_buf(), name))
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

/// Makes `next` a copy of `dir` without the entries named in `skip`: files hard-linked (copied
/// where a link is refused), folders made anew, links kept as links. Temporary files of live
/// writers move over whole, so that they finish into the folder that will be there; those of
/// dead ones are left behind with the previous state.
fn build(dir: &Path, next: &Path, skip: &[&str]) -> std::io::Result<()> {
    std::fs::create_dir(next)?;
    std::fs::set_permissions(next, std::fs::metadata(dir)?.permissions())?;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if skip.contains(&name.as_str()) {
            continue;
        }
        if let Some(process) = super::write::temporary_process(&name) {
            if super::write::writer_alive(&entry.path(), process) {
                std::fs::rename(entry.path(), next.join(&name))?;
            }
            continue;
        }
        mirror(&entry.path(), &next.join(&name))?;
    }
    Ok(())
}

/// Mirrors one entry: a file by a hard link (or a copy), a folder entry by entry, a link as a
/// link.
fn mirror(from: &Path, to: &Path) -> std::io::Result<()> {
    let kind = std::fs::symlink_metadata(from)?.file_type();
    if kind.is_dir() {
        std::fs::create_dir(to)?;
        std::fs::set_permissions(to, std::fs::metadata(from)?.permissions())?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            mirror(&entry.path(), &to.join(entry.file_name()))?;
        }
        return Ok(());
    }
    if kind.is_symlink() {
        return symlink(&std::fs::read_link(from)?, to);
    }
    std::fs::hard_link(from, to).or_else(|_| std::fs::copy(from, to).map(|_| ()))
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
