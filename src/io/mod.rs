//! Mission folders in, files out: the contract's formats live here and nowhere else.

mod csv;
mod followup_files;
mod publish_files;
mod read;
mod schedule_files;
mod source;
mod toml_file;
mod write;
mod xlsx;

pub use csv::{parse_table, spreadsheet_safe};
pub use followup_files::{read_notified, record_notified, write_followup, write_report};
pub use publish_files::{
    read_calendar_state, read_schedule, set_schedule_status, write_publication, CancelledMeetings,
    ScheduleFile,
};
pub use read::{read_mission, read_mission_from_files, LoadedMission};
pub use schedule_files::{
    read_candidates, read_weights, schedule_json, schedule_json_with_status, write_candidates,
    write_replan, write_schedule, write_weights,
};
pub use write::{write_atomically, write_mission};
