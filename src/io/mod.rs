//! Mission folders in, files out: the contract's formats live here and nowhere else.

mod csv;
mod followup_files;
mod outcomes;
mod publish_files;
mod read;
mod schedule_files;
mod source;
mod swap;
mod toml_file;
mod write;
mod xlsx;

pub use csv::{csv_with_header, parse_table, push_line, spreadsheet_safe, spreadsheet_safe_copy};
pub use followup_files::{
    followup_csv, followup_json, read_notified, read_sent, record_notified, record_sent,
    report_json, write_followup, write_report,
};
pub use outcomes::{
    amount_cell, attended_cell, interest_cell, next_step_cell, note_cell, outcomes_csv,
    OUTCOME_COLUMNS,
};
pub use publish_files::{
    parse_changes, parse_schedule, read_calendar_state, read_changes, read_mailmerge,
    read_schedule, schedule_with_status, set_schedule_status, write_publication, CancelledMeetings,
    ChangeRow, ScheduleFile,
};
pub use read::{names_the_organiser, read_mission, read_mission_from_files, LoadedMission};
pub use schedule_files::{
    parse_candidates, read_candidates, read_weights, replan_files, schedule_files, schedule_json,
    schedule_json_with_status, write_candidates, write_replan, write_schedule, write_weights,
};
pub use write::{read_together, write_atomically, write_mission};
pub use xlsx::parse_workbook;
