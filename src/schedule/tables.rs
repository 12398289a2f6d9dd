//! Table numbers in sessions with shared tables (contract v2 rule 8): each meeting of such a
//! session gets a table 1..N, no two meetings of a slot share one, and a firm keeps its table
//! as far as possible (buyers walk, firms stay).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::model::Mission;

use super::Meeting;

/// Numbers the tables of `meetings` in place. Meetings that already hold a number that is free in
/// their slot keep it (a re-plan keeps kept meetings where they were); the others take, in
/// order: the table their firm had at its previous meeting in the session, a table no other firm
/// of the session has sat at yet, the lowest free one.
/// Meetings in sessions without tables get none.
pub fn assign_tables(mission: &Mission, meetings: &mut [Meeting]) {
    let mut by_slot: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (index, meeting) in meetings.iter_mut().enumerate() {
        let session = &mission.sessions[mission.slots[meeting.slot.0].session];
        match session.tables {
            None => meeting.table = None,
            Some(_) => by_slot.entry(meeting.slot.0).or_default().push(index),
        }
    }
    // The table each firm last sat at, per session, and who used each table first.
    let mut home: HashMap<(usize, String), u32> = HashMap::new();
    let mut owner: HashMap<(usize, u32), String> = HashMap::new();
    for (slot, mut indices) in by_slot {
        let session = mission.slots[slot].session;
        let Some(count) = mission.sessions[session].tables else {
            continue;
        };
        indices.sort_by(|&a, &b| meetings[a].firm.cmp(&meetings[b].firm));
        let mut taken: BTreeSet<u32> = BTreeSet::new();
        for &index in &indices {
            let keep = meetings[index]
                .table
                .filter(|table| (1..=count).contains(table) && !taken.contains(table));
            meetings[index].table = keep;
            if let Some(table) = keep {
                taken.insert(table);
            }
        }
        for &index in &indices {
            if meetings[index].table.is_some() {
                continue;
            }
            let firm = meetings[index].firm.0.clone();
            let preferred = home.get(&(session, firm.clone())).copied();
            let table = preferred
                .filter(|table| !taken.contains(table))
                .or_else(|| {
                    (1..=count).find(|table| {
                        !taken.contains(table) && !owner.contains_key(&(session, *table))
                    })
                })
                .or_else(|| (1..=count).find(|table| !taken.contains(table)));
            meetings[index].table = table;
            if let Some(table) = table {
                taken.insert(table);
            }
        }
        for &index in &indices {
            if let Some(table) = meetings[index].table {
                let firm = meetings[index].firm.0.clone();
                home.insert((session, firm.clone()), table);
                owner.entry((session, table)).or_insert(firm);
            }
        }
    }
}
