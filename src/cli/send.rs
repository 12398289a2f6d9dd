//! `missionmatch send`: agendas, or a re-plan's changes, by e-mail (contract v3): through the
//! SMTP server of `[email]`, or with `--dry-run` into `OUT/mail/` as `.eml` files. Each message
//! the server accepted is recorded in `MISSION_DIR/sent.csv` at once, so a second run sends only
//! what is missing; an address the server refuses is reported and the run goes on.

use std::path::PathBuf;

use super::load_mission;
use crate::error::Error;
use crate::mail::{deliver, letters, message, Mailer, What};

/// What to send.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum WhatArgument {
    /// Each participant's published agenda (run `publish` first).
    Agendas,
    /// The changes of the last re-plan to the participants they concern (run `replan`, then
    /// `publish`, first).
    Changes,
}

/// The command's arguments.
#[derive(clap::Args, Debug)]
pub struct Arguments {
    /// The mission folder (with `[email]` in mission.toml).
    mission_dir: PathBuf,
    /// What to send.
    #[arg(long, value_enum)]
    what: WhatArgument,
    /// Write the messages to OUT/mail/ instead of sending them.
    #[arg(long)]
    dry_run: bool,
    /// Output folder the agendas were published to (default: MISSION_DIR/out).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs the command.
pub fn run(arguments: Arguments) -> anyhow::Result<()> {
    let Arguments {
        mission_dir,
        what,
        dry_run,
        out,
    } = arguments;
    let what = match what {
        WhatArgument::Agendas => What::Agendas,
        WhatArgument::Changes => What::Changes,
    };
    let mission = load_mission(&mission_dir)?;
    let Some(settings) = mission.email.clone() else {
        return Err(Error::BadOption(
            "mission.toml has no [email] table: add from and smtp_host (see docs/formats.md)"
                .into(),
        )
        .into());
    };
    let out_dir = out.unwrap_or_else(|| mission_dir.join("out"));
    let all = letters(&mission, &mission_dir, &out_dir, what)?;
    let sent = crate::io::read_sent(&mission_dir);
    if dry_run {
        let (done, due): (Vec<_>, Vec<_>) = all.iter().partition(|l| sent.contains(&l.key));
        let folder = out_dir.join("mail");
        let mut written = 0;
        let ids: Vec<&str> = due.iter().map(|l| l.participant.as_str()).collect();
        for (letter, stem) in due.iter().zip(crate::publish::file_stems(&ids)) {
            match message(&settings.from, letter) {
                Ok(mail) => {
                    let name = format!("{stem}.{}.eml", what.as_str());
                    crate::io::write_atomically(&folder.join(name), &mail.formatted())?;
                    written += 1;
                }
                Err(error) => say!("  cannot be written: {error}"),
            }
        }
        say!(
            "dry run: {written} messages written to {} ({} sent earlier, not repeated); nothing was sent",
            folder.display(),
            done.len()
        );
        return Ok(());
    }
    let password = std::env::var("MISSIONMATCH_SMTP_PASSWORD").ok();
    if settings.user.is_some() && password.is_none() {
        return Err(Error::BadOption(
            "[email] names a user: set MISSIONMATCH_SMTP_PASSWORD to its password".into(),
        )
        .into());
    }
    let mailer = Mailer::new(&settings, password)?;
    let sent_before = |letter: &crate::mail::Letter| sent.contains(&letter.key);
    let delivery = deliver(&mailer, &settings.from, &all, &sent_before, &mut |letter| {
        let now = crate::serve::store::now_utc();
        crate::io::record_sent(&mission_dir, &letter.key, &letter.to, what.as_str(), &now)
    })?;
    let count = delivery.sent;
    if let Some(reason) = delivery.stopped {
        anyhow::bail!(
            "{count} sent, then the SMTP server {}:{} failed: {reason} (a new run sends the rest)",
            settings.smtp_host,
            settings.smtp_port
        );
    }
    let refused: Vec<String> = delivery
        .refused
        .iter()
        .map(|(to, reason)| format!("{to}: {reason}"))
        .collect();
    say!(
        "{count} sent, {} sent earlier (not repeated), {} refused",
        delivery.skipped,
        refused.len()
    );
    for line in &refused {
        say!("  refused: {line}");
    }
    if refused.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("{} addresses were refused (see above)", refused.len())
    }
}
