//! The HS 2022 nomenclature (WCO), bundled with the crate: codes, levels and descriptions.

use std::collections::HashMap;

use crate::io::parse_table;

/// The bundled table, `fixtures/hs2022.csv`, compiled into the binary so that no run depends on
/// files outside the mission folder.
const BUNDLED: &str = include_str!("../fixtures/hs2022.csv");

/// One line of the nomenclature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsEntry {
    /// 2, 4 or 6 digits.
    pub code: String,
    /// The code one level up; empty for chapters.
    pub parent: String,
    /// Section (Roman numeral).
    pub section: String,
    /// English description.
    pub description: String,
}

/// The nomenclature, looked up by code.
#[derive(Debug, Clone)]
pub struct HsTable {
    entries: Vec<HsEntry>,
    by_code: HashMap<String, usize>,
}

impl HsTable {
    /// The HS 2022 table shipped with the crate, parsed once per process.
    pub fn bundled() -> &'static HsTable {
        static TABLE: std::sync::OnceLock<HsTable> = std::sync::OnceLock::new();
        TABLE.get_or_init(HsTable::parse_bundled)
    }

    fn parse_bundled() -> HsTable {
        // The bundled file is checked by a test; a broken copy yields an empty table, not a panic.
        let table = parse_table("hs2022.csv", BUNDLED.as_bytes()).ok();
        let mut entries = Vec::new();
        if let Some(table) = table {
            let column = |name: &str| table.header.iter().position(|h| h == name);
            if let (Some(code), Some(parent), Some(section), Some(description)) = (
                column("code"),
                column("parent"),
                column("section"),
                column("description"),
            ) {
                for row in &table.rows {
                    entries.push(HsEntry {
                        code: row.cells[code].trim().to_string(),
                        parent: row.cells[parent].trim().to_string(),
                        section: row.cells[section].trim().to_string(),
                        description: row.cells[description].trim().to_string(),
                    });
                }
            }
        }
        let by_code = entries
            .iter()
            .enumerate()
            .map(|(index, entry)| (entry.code.clone(), index))
            .collect();
        HsTable { entries, by_code }
    }

    /// Every entry, in nomenclature order.
    pub fn entries(&self) -> &[HsEntry] {
        &self.entries
    }

    /// The entry of exactly this code (2, 4 or 6 digits).
    pub fn get(&self, code: &str) -> Option<&HsEntry> {
        self.by_code.get(code).map(|&index| &self.entries[index])
    }

    /// The description of the most precise known prefix of `code` (6, then 4, then 2 digits).
    pub fn describe(&self, code: &str) -> Option<&HsEntry> {
        [6, 4, 2]
            .iter()
            .filter_map(|&length| code.get(..length))
            .find_map(|prefix| self.get(prefix))
    }

    /// The entries whose parent is `code`.
    pub fn children<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a HsEntry> + 'a {
        self.entries
            .iter()
            .filter(move |entry| entry.parent == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_table_is_whole() {
        let table = HsTable::bundled();
        let count = |length: usize| {
            table
                .entries()
                .iter()
                .filter(|e| e.code.len() == length)
                .count()
        };
        assert_eq!((count(2), count(4), count(6)), (97, 1229, 5613));
        assert_eq!(
            table.describe("88062110").map(|e| e.code.as_str()),
            Some("880621")
        );
        assert_eq!(
            table.describe("8806").map(|e| e.code.as_str()),
            Some("8806")
        );
        assert!(table
            .get("8806")
            .unwrap()
            .description
            .contains("Unmanned aircraft"));
    }
}
