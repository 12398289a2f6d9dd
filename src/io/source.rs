//! Getting a user's file into text: only regular files, only up to a size limit, and in the
//! encoding it was really saved in (contract v2, "Text encodings").
//!
//! Korean Excel saves "CSV" as CP949, Vietnamese Windows as CP1258, some tools as UTF-16. Such a
//! file is decoded and the organiser told once, for the whole file, how to save it as UTF-8;
//! a file that decodes to nothing sensible is refused with one message, never one per line.

use std::io::Read as _;
use std::path::Path;

use crate::error::Problem;

/// The largest file read (256 MiB): a mission of 100,000 buyers is about 30 MB; anything far
/// larger is a wrong file (or `/dev/zero`), and reading it would only exhaust memory.
pub const LARGEST_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// How to fix a file in another encoding, said once per file.
const SAVE_AS_UTF8: &str =
    "to avoid this, save it from Excel as \"CSV UTF-8 (Comma delimited) (*.csv)\"";

/// The bytes of `name` in `dir`; `Ok(None)` when the file does not exist. Anything that is not
/// a regular file (a folder, a pipe, a device), cannot be read or is too large is one problem.
pub fn read_bytes(dir: &Path, name: &str) -> Result<Option<Vec<u8>>, Problem> {
    let path = dir.join(name);
    let problem = |message: String| Problem::new(name, 0, "file", message);
    let metadata = match std::fs::metadata(&path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(problem(format!("cannot be read: {error}"))),
    };
    if !metadata.is_file() {
        let what = if metadata.is_dir() {
            "a folder"
        } else {
            "not a regular file (a pipe, a device or a socket)"
        };
        return Err(problem(format!(
            "is {what}; the mission folder needs a plain file here"
        )));
    }
    if metadata.len() > LARGEST_FILE_BYTES {
        return Err(too_large_problem(name, metadata.len()));
    }
    let file =
        std::fs::File::open(&path).map_err(|error| problem(format!("cannot be read: {error}")))?;
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    // The file may grow while it is read: never take more than the limit.
    file.take(LARGEST_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| problem(format!("cannot be read: {error}")))?;
    if bytes.len() as u64 > LARGEST_FILE_BYTES {
        return Err(too_large_problem(name, bytes.len() as u64));
    }
    Ok(Some(bytes))
}

/// A file over [`LARGEST_FILE_BYTES`].
pub fn too_large_problem(name: &str, bytes: u64) -> Problem {
    Problem::new(
        name,
        0,
        "file",
        format!(
            "is {} MB; files of more than {} MB are not read (is this the right file?)",
            bytes / 1_000_000,
            LARGEST_FILE_BYTES / 1_000_000
        ),
    )
}

/// Text decoded from a file's bytes, with the one warning its encoding deserves.
#[derive(Debug)]
pub struct Decoded {
    /// The text, without a byte-order mark.
    pub text: String,
    /// Said when the file was not UTF-8.
    pub warning: Option<Problem>,
}

/// Decodes a text file: UTF-8 (with or without a byte-order mark) as it is; UTF-16 (by its
/// byte-order mark, or by the zero bytes of mostly-ASCII text without one) and legacy encodings
/// (guessed by chardetng: CP949, CP1258, Windows-1252, ...) decoded with one warning. Refused,
/// with one problem, when the guessed encoding does not decode the bytes cleanly.
pub fn decode_text(file: &str, bytes: &[u8]) -> Result<Decoded, Problem> {
    let without_bom = bytes.strip_prefix(b"\xEF\xBB\xBF");
    let had_bom = without_bom.is_some();
    let bytes = without_bom.unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) if !looks_like_utf16(bytes) => {
            return Ok(Decoded {
                text: text.to_string(),
                warning: None,
            })
        }
        Ok(_) => {}
        // UTF-8 until then (a byte-order mark, or non-ASCII characters read fine): a damaged
        // UTF-8 file, not another encoding. Say where.
        Err(error) if had_bom || !bytes[..error.valid_up_to()].is_ascii() => {
            let offset = error.valid_up_to();
            let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
            return Err(Problem::new(
                file,
                line,
                "file",
                format!(
                    "not valid UTF-8 (bad byte 0x{:02x} after {offset} good bytes); save the file as UTF-8",
                    bytes[offset]
                ),
            ));
        }
        Err(_) => {}
    }
    let encoding = match encoding_rs::Encoding::for_bom(bytes) {
        Some((encoding, _)) => encoding,
        None if looks_like_utf16(bytes) => utf16_by_zeros(bytes),
        None => {
            let mut detector = chardetng::EncodingDetector::new();
            detector.feed(bytes, true);
            detector.guess(None, true)
        }
    };
    let (text, _, malformed) = encoding.decode(bytes);
    if malformed || encoding == encoding_rs::UTF_8 {
        return Err(Problem::new(
            file,
            0,
            "file",
            format!(
                "is not UTF-8 and not readable as {} either; save it as UTF-8 ({SAVE_AS_UTF8})",
                encoding_label(encoding)
            ),
        ));
    }
    Ok(Decoded {
        text: text.into_owned(),
        warning: Some(Problem::new(
            file,
            0,
            "file",
            format!(
                "is saved as {}, not UTF-8; it was read as {0}, but {SAVE_AS_UTF8}",
                encoding_label(encoding)
            ),
        )),
    })
}

/// UTF-16 text of mostly ASCII characters has a zero byte in every other position.
fn looks_like_utf16(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(4096)];
    if sample.len() < 4 {
        return false;
    }
    let zeros = sample.iter().filter(|&&byte| byte == 0).count();
    zeros * 4 >= sample.len()
}

fn utf16_by_zeros(bytes: &[u8]) -> &'static encoding_rs::Encoding {
    let sample = &bytes[..bytes.len().min(4096)];
    let zeros_at_odd = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|&&b| b == 0)
        .count();
    let zeros_at_even = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    if zeros_at_odd >= zeros_at_even {
        encoding_rs::UTF_16LE
    } else {
        encoding_rs::UTF_16BE
    }
}

/// The name people know an encoding by.
fn encoding_label(encoding: &'static encoding_rs::Encoding) -> String {
    match encoding.name() {
        "EUC-KR" => "CP949 (Korean Windows, EUC-KR)".to_string(),
        "windows-1258" => "CP1258 (Vietnamese Windows)".to_string(),
        "UTF-16LE" | "UTF-16BE" => format!("{} (Unicode text)", encoding.name()),
        name => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(bytes: &[u8], expected_text: &str, expected_warning: &str) {
        match decode_text("t.csv", bytes) {
            Ok(decoded) => {
                assert_eq!(decoded.text, expected_text);
                assert_eq!(
                    decoded.warning.map(|w| w.to_string()).unwrap_or_default(),
                    expected_warning
                );
            }
            Err(problem) => assert_eq!(problem.to_string(), expected_warning),
        }
    }

    #[test]
    fn decodes_what_excel_and_windows_save() {
        let hint = "to avoid this, save it from Excel as \"CSV UTF-8 (Comma delimited) (*.csv)\"";
        check(b"id,name\n", "id,name\n", "");
        check(b"\xEF\xBB\xBFid,name\n", "id,name\n", "");
        let korean = "id,name\nF01,드론코리아 주식회사\n";
        let (cp949, _, _) = encoding_rs::EUC_KR.encode(korean);
        check(
            &cp949,
            korean,
            &format!("t.csv:0: file: is saved as CP949 (Korean Windows, EUC-KR), not UTF-8; it was read as CP949 (Korean Windows, EUC-KR), but {hint}"),
        );
        let utf16: Vec<u8> = "id,company\nVN-01,Công ty Minh Phát\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let mut with_bom = vec![0xFF, 0xFE];
        with_bom.extend(&utf16);
        for bytes in [&utf16, &with_bom] {
            check(
                bytes,
                "id,company\nVN-01,Công ty Minh Phát\n",
                &format!("t.csv:0: file: is saved as UTF-16LE (Unicode text), not UTF-8; it was read as UTF-16LE (Unicode text), but {hint}"),
            );
        }
    }
}
