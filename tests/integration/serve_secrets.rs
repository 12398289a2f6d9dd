//! What the server's database lets a reader of the file do: its folder and file are its owner's
//! only, and it holds no organiser token or browser session id that would let anyone in.

use crate::common;

use common::Scratch;
use missionmatch::serve::store::Store;

/// Every byte SQLite keeps for the store: the database and its write-ahead log.
fn stored_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for name in ["missionmatch.sqlite3", "missionmatch.sqlite3-wal"] {
        if let Ok(more) = std::fs::read(dir.join(name)) {
            bytes.extend(more);
        }
    }
    bytes
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[test]
fn the_database_is_private_and_keeps_no_usable_secret() {
    let scratch = Scratch::new("secrets");
    let dir = scratch.path().join("data");
    let store = Store::open(&dir).unwrap();
    let token = store.new_organiser_token().unwrap();
    let (session, csrf) = store.new_session().unwrap();
    assert!(store.is_organiser(&token).unwrap());
    assert!(!store.is_organiser(&token[1..]).unwrap());
    assert_eq!(store.session_csrf(&session).unwrap(), Some(csrf));
    let bytes = stored_bytes(&dir);
    assert!(!bytes.is_empty());
    assert!(
        !holds(&bytes, &token),
        "the organiser token is stored as written"
    );
    assert!(
        !holds(&bytes, &session),
        "a session id is stored as written"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("missionmatch.sqlite3")), 0o600);
    }
    drop(store);

    // A database of the first schema, with a token and a session as it wrote them: opened by
    // this version, both still work and neither is left in the file.
    let old = scratch.path().join("old");
    std::fs::create_dir_all(&old).unwrap();
    {
        let connection = rusqlite::Connection::open(old.join("missionmatch.sqlite3")).unwrap();
        connection
            .execute_batch(include_str!("../../migrations/0001_initial.sql"))
            .unwrap();
        connection
            .execute_batch(
                "PRAGMA user_version = 1;
                 INSERT INTO tokens (token, kind, created) VALUES ('0123456789abcdef0123456789abcdef01234567', 'organiser', '2026-01-01T00:00:00Z');
                 INSERT INTO sessions (id, csrf, created) VALUES ('fedcba9876543210fedcba9876543210fedcba98', 'c5', '2026-01-01T00:00:00Z');",
            )
            .unwrap();
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let file = old.join("missionmatch.sqlite3");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let store = Store::open(&old).unwrap();
    // The earlier version's readable database is private once opened.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let file = old.join("missionmatch.sqlite3");
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert!(store
        .is_organiser("0123456789abcdef0123456789abcdef01234567")
        .unwrap());
    assert_eq!(
        store
            .session_csrf("fedcba9876543210fedcba9876543210fedcba98")
            .unwrap()
            .as_deref(),
        Some("c5")
    );
    drop(store);
    let bytes = stored_bytes(&old);
    assert!(!holds(&bytes, "0123456789abcdef0123456789abcdef01234567"));
    assert!(!holds(&bytes, "fedcba9876543210fedcba9876543210fedcba98"));
}
