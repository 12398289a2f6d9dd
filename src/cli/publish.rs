//! `missionmatch publish`: the documents organisers hand out, from a schedule: agendas per
//! participant (PDF, HTML, calendar), the venue grid, the Excel workbook, the mail-merge list.

use std::path::PathBuf;
use std::time::Instant;

use super::load_mission;
use crate::{
    publish, read_calendar_state, read_schedule, schedule_with_status, set_schedule_status,
    write_publication, CancelledMeetings, PublishStatus,
};

/// The command's arguments.
#[derive(clap::Args, Debug)]
pub struct Arguments {
    /// The mission folder.
    mission_dir: PathBuf,
    /// The schedule to publish (default: OUT/schedule.json).
    #[arg(long)]
    schedule: Option<PathBuf>,
    /// Output folder (default: MISSION_DIR/out).
    #[arg(long)]
    out: Option<PathBuf>,
    /// `draft` (agendas say DRAFT, calendar events are tentative) or `final`; default: the
    /// schedule's status, else draft. The schedule file records the status given.
    #[arg(long, value_parser = status)]
    status: Option<PublishStatus>,
}

fn status(text: &str) -> Result<PublishStatus, String> {
    PublishStatus::parse(text).ok_or_else(|| format!("\"{text}\" is not a status: draft or final"))
}

/// The calendar's `DTSTAMP`: now, or `SOURCE_DATE_EPOCH` when set (reproducible builds' usual
/// variable), in UTC.
fn stamp() -> String {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|text| text.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|elapsed| elapsed.as_secs() as i64)
                .unwrap_or_default()
        });
    chrono::DateTime::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}

/// Runs the command.
pub fn run(arguments: Arguments) -> anyhow::Result<()> {
    let started = Instant::now();
    let Arguments {
        mission_dir,
        schedule,
        out,
        status,
    } = arguments;
    let mission = load_mission(&mission_dir)?;
    let out_dir = out.unwrap_or_else(|| mission_dir.join("out"));
    let schedule_path = schedule.unwrap_or_else(|| out_dir.join("schedule.json"));
    let stamp_of = |path: &std::path::Path| {
        std::fs::metadata(path)
            .ok()
            .map(|metadata| (metadata.len(), metadata.modified().ok()))
    };
    let read_stamp = stamp_of(&schedule_path);
    let file = read_schedule(&schedule_path, &mission, CancelledMeetings::Refuse)?;
    // A timetable edited by hand is printed only when it keeps every rule (contract section 4).
    let violations = crate::validate_published(&mission, &file.meetings);
    if !violations.is_empty() {
        let path = schedule_path.display().to_string();
        return Err(crate::Error::Invalid(
            violations
                .iter()
                .map(|violation| crate::Problem::new(&path, 0, "meetings", violation.as_str()))
                .collect(),
        )
        .into());
    }
    let status = status.or(file.status).unwrap_or_default();
    let previous = read_calendar_state(&out_dir)?;
    let documents = publish(&mission, &file.meetings, status, &previous, &stamp())?;
    // The timetable's new status belongs to this publication: in the same set when the
    // timetable is in the output folder, written after it otherwise.
    let restatus = file.status != Some(status);
    let alongside = restatus && schedule_path.parent() == Some(out_dir.as_path());
    let status_file = match alongside {
        true => Some(schedule_with_status(&schedule_path, status)?),
        false => None,
    };
    let name = schedule_path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let also: Vec<(&str, &[u8])> = status_file
        .iter()
        .map(|bytes| (name.as_str(), bytes.as_slice()))
        .collect();
    let still_current = || {
        match stamp_of(&schedule_path) == read_stamp {
        true => Ok(()),
        false => Err(crate::Error::Unsupported(format!(
            "{} was replaced while the documents were made (a schedule or replan ran): publish again",
            schedule_path.display()
        ))),
    }
    };
    write_publication(&out_dir, &documents, &also, &still_current)?;
    for warning in &documents.warnings {
        say!("warning: {warning}");
    }
    if restatus && !alongside {
        set_schedule_status(&schedule_path, status)?;
    }
    let firms = documents
        .mailmerge
        .iter()
        .filter(|row| row[0] == "firm")
        .count();
    let buyers = documents.mailmerge.len() - firms;
    let untimed: Vec<&str> = mission
        .sessions
        .iter()
        .filter(|session| session.timezone.is_none())
        .map(|session| session.id.as_str())
        .collect();
    if !untimed.is_empty() {
        eprintln!(
            "warning: session(s) {} have no timezone in mission.toml: their calendar events use floating local time",
            untimed.join(", ")
        );
    }
    say!(
        "published {} ({}): {} meetings, agendas for {firms} firms and {buyers} buyers (PDF, HTML, ICS), grid.html, schedule.xlsx, mailmerge.csv in {} ({:.1} s)",
        mission.name,
        status.as_str(),
        file.meetings.len(),
        out_dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
