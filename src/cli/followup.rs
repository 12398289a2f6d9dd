//! `missionmatch followup`: buyers to follow up, most valuable first (followup.csv), and their
//! delivery to the mission's webhook.

use std::path::PathBuf;

use super::{load_mission, published_candidates, scheduled_pairs, seconds};
use crate::{followup, write_followup, Mission};

/// The command's arguments.
#[derive(clap::Args, Debug)]
pub struct Arguments {
    /// The mission folder (with outcomes.csv).
    mission_dir: PathBuf,
    /// Output folder (default: MISSION_DIR/out).
    #[arg(long)]
    out: Option<PathBuf>,
    /// POST each flagged buyer to the [followup] webhook of mission.toml.
    #[arg(long)]
    notify: bool,
    /// Seconds before the first retry of a failed delivery (doubled each time).
    #[arg(long, default_value_t = 0.5, value_parser = seconds)]
    retry_backoff: f64,
    /// Seconds the whole delivery may take; what is not delivered by then is sent next run.
    #[arg(long, default_value_t = 60.0, value_parser = seconds)]
    notify_deadline: f64,
}

/// Runs the command.
pub fn run(arguments: Arguments) -> anyhow::Result<()> {
    let Arguments {
        mission_dir,
        out,
        notify,
        retry_backoff,
        notify_deadline,
    } = arguments;
    let mission = load_mission(&mission_dir)?;
    if mission.outcomes.is_none() {
        anyhow::bail!(
            "{}: no outcomes.csv yet; record what each meeting produced first",
            mission_dir.display()
        );
    }
    let out_dir = out.unwrap_or_else(|| mission_dir.join("out"));
    // The candidates and the timetable of one run, not a timetable written between the two.
    let published = mission_dir.join("out");
    let (candidates, scheduled) = crate::io::read_together(&published, || {
        Ok((
            published_candidates(&mission, &published)?,
            scheduled_pairs(&mission, &published)?,
        ))
    })?;
    let rows = followup(&mission, &candidates, &scheduled);
    let path = out_dir.join("followup.csv");
    write_followup(&path, &mission, &rows)?;
    let mut counts = std::collections::BTreeMap::new();
    for row in &rows {
        *counts.entry(row.flag.as_str()).or_insert(0) += 1;
    }
    for row in rows.iter().take(10) {
        let buyer = &mission.buyers[row.buyer];
        say!(
            "{:<8} {:<10} {:>12.0} {}  {} by {} with {}; {}",
            row.flag.as_str(),
            buyer.id,
            row.priority,
            buyer.company,
            row.next_action,
            row.due,
            row.firms.join(", "),
            row.reasons.join("; ")
        );
    }
    let summary: Vec<String> = counts
        .iter()
        .map(|(flag, n)| format!("{flag} {n}"))
        .collect();
    say!(
        "{} buyers: {}; wrote {}",
        rows.len(),
        summary.join(", "),
        path.display()
    );
    if notify {
        let Some(url) = mission.followup_webhook.clone() else {
            anyhow::bail!("--notify needs `[followup] webhook = \"URL\"` in mission.toml");
        };
        let policy = crate::RetryPolicy {
            first_backoff: std::time::Duration::from_secs_f64(retry_backoff),
            deadline: std::time::Duration::from_secs_f64(notify_deadline),
            ..Default::default()
        };
        send_notifications(&url, &mission, &rows, &mission_dir, &policy)?;
    }
    Ok(())
}

/// Sends the plan's notifications, recording each acknowledged key in the mission folder's
/// `notified.csv` at once, so that no run sends anything twice. Fails (exit 1) when some
/// notification was not delivered.
fn send_notifications(
    url: &str,
    mission: &Mission,
    rows: &[crate::FollowupRow],
    mission_dir: &std::path::Path,
    policy: &crate::RetryPolicy,
) -> anyhow::Result<()> {
    let sent = crate::read_notified(mission_dir);
    let messages = crate::notifications(mission, rows);
    let recording = std::sync::Mutex::new(());
    let delivery = crate::deliver(url, &messages, &sent, policy, &|key| {
        let _one_at_a_time = recording.lock().map_err(|error| error.to_string())?;
        crate::record_notified(mission_dir, key).map_err(|error| error.to_string())
    });
    say!(
        "notifications: {} delivered, {} already sent before, {} failed",
        delivery.delivered.len(),
        delivery.already_sent.len(),
        delivery.failed.len()
    );
    for (buyer, reason) in &delivery.failed {
        say!("  failed: {buyer}: {reason}");
    }
    if delivery.failed.is_empty() {
        Ok(())
    } else {
        anyhow::bail!(
            "{} notification(s) not delivered; run again to retry them",
            delivery.failed.len()
        )
    }
}
