//! HTML agendas and the venue grid: self-contained pages (no network: styles inline, system
//! fonts), printable on A4 (print CSS) and readable on a phone (the meeting table turns into one
//! card a meeting on narrow screens).

use std::fmt::Write as _;

use super::agenda::{
    contact_line, language_name, session_heading, session_heading_bilingual, zone_note, Agenda,
};
use super::{Labels, Status};
use crate::model::{Mission, Side};
use crate::schedule::Meeting;

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const FONTS: &str = "'Noto Sans CJK KR','Noto Sans KR','Malgun Gothic','Apple SD Gothic Neo','Segoe UI',Roboto,Arial,sans-serif";

fn style(landscape: bool) -> String {
    format!(
        r#"<style>
*{{box-sizing:border-box}}
body{{font-family:{FONTS};color:#1a1a1a;margin:0;padding:16px;line-height:1.35;font-size:15px}}
header{{border-bottom:3px solid #1d4e89;padding-bottom:8px;margin-bottom:12px}}
header .mission{{font-size:13px;color:#1d4e89;font-weight:600;letter-spacing:.02em}}
h1{{font-size:22px;margin:4px 0}}
.who{{font-size:13px;color:#444}}
.status{{display:inline-block;padding:1px 8px;border-radius:3px;font-size:12px;font-weight:700;vertical-align:middle;margin-left:6px}}
.status.draft{{background:#fff1c2;color:#7a5a00;border:1px solid #d9b200}}
.status.final{{background:#dff3e3;color:#1e6b32;border:1px solid #5fa872}}
h2{{font-size:15px;margin:16px 0 2px;color:#1d4e89}}
.zone{{font-size:12px;color:#666;margin-bottom:4px}}
table{{border-collapse:collapse;width:100%;margin-bottom:6px}}
th,td{{border:1px solid #c8cfd8;padding:4px 6px;text-align:left;vertical-align:top;font-size:13px}}
th{{background:#eef2f7;font-weight:600}}
td.time{{white-space:nowrap;font-weight:600}}
@media print,screen and (min-width:641px){{
 table.agenda{{table-layout:fixed}}
 table.agenda th:nth-child(1){{width:13%}}
 table.agenda th:nth-child(2){{width:8%}}
 table.agenda th:nth-child(4){{width:12%}}
}}
.sub{{color:#555;font-size:12px}}
.lang{{display:inline-block;background:#e7e0f7;color:#4b2a8c;border-radius:3px;padding:0 5px;font-size:12px}}
footer{{margin-top:14px;border-top:1px solid #c8cfd8;padding-top:6px;font-size:12px;color:#555}}
.grid{{table-layout:fixed}}
.grid td{{font-size:12px}}
.grid th:first-child,.grid td.time{{width:92px}}
.grid td.time{{font-size:12px}}
.grid th .sub{{font-weight:400}}
@media screen and (max-width:640px){{
 body{{padding:10px;font-size:16px}}
 h1{{font-size:20px}}
 table.agenda thead{{display:none}}
 table.agenda,table.agenda tbody,table.agenda tr,table.agenda td{{display:block;width:100%}}
 table.agenda tr{{border:1px solid #c8cfd8;border-radius:6px;margin-bottom:8px;padding:6px 8px}}
 table.agenda td{{border:none;padding:2px 0;font-size:15px}}
 table.agenda td[data-label]::before{{content:attr(data-label) ": ";color:#666;font-size:12px}}
 .gridwrap{{overflow-x:auto}}
}}
@page{{size:A4{};margin:10mm}}
@media print{{
 body{{padding:0;font-size:9pt;line-height:1.2}}
 h1{{font-size:15pt}}
 h2{{font-size:10.5pt;margin:8px 0 1px}}
 th,td{{font-size:8pt;padding:2px 4px}}
 .sub{{font-size:7.5pt}}
 footer{{font-size:8pt}}
 h2,.zone{{break-after:avoid}}
 thead{{display:table-header-group}}
 .grid{{break-inside:auto}}
 .gridpage{{break-after:page}}
 .gridpage:last-of-type{{break-after:auto}}
 tr{{break-inside:avoid}}
}}
</style>"#,
        if landscape { " landscape" } else { "" }
    )
}

fn page_start(out: &mut String, title: &str, lang: &str, landscape: bool) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n{}\n</head>\n<body>\n",
        escape(title),
        style(landscape)
    );
}

fn status_badge(status: Status, labels: &Labels) -> String {
    let (class, word) = match status {
        Status::Draft => ("draft", labels.draft),
        Status::Final => ("final", labels.final_),
    };
    format!("<span class=\"status {class}\">{}</span>", escape(word))
}

fn organiser_footer(out: &mut String, mission: &Mission, labels: &Labels) {
    if let Some(organiser) = &mission.organiser {
        let contact = [&organiser.email, &organiser.phone]
            .into_iter()
            .filter(|part| !part.is_empty())
            .map(|part| escape(part))
            .collect::<Vec<_>>()
            .join(" · ");
        let _ = writeln!(
            out,
            "<footer>{}: <strong>{}</strong>{}{}</footer>",
            escape(labels.organiser),
            escape(&organiser.name),
            if contact.is_empty() { "" } else { " · " },
            contact
        );
    }
}

/// One participant's agenda page: firms' in Korean and English, buyers' in English.
pub fn agenda_page(mission: &Mission, agenda: &Agenda, status: Status) -> String {
    let labels = Labels::for_side(agenda.side);
    let mut out = String::new();
    page_start(
        &mut out,
        &format!("{} - {}", agenda.name, mission.name),
        if agenda.side == Side::Firm {
            "ko"
        } else {
            "en"
        },
        false,
    );
    let _ = writeln!(
        out,
        "<header><div class=\"mission\">{}</div><h1>{}{}</h1><div class=\"who\">{}{}{}</div></header>",
        escape(&mission.name),
        escape(&agenda.name),
        status_badge(status, &labels),
        escape(&agenda.id),
        if agenda.booth.is_empty() {
            String::new()
        } else {
            format!(" · {}: {}", escape(labels.booth), escape(&agenda.booth))
        },
        {
            let contact = contact_line(&agenda.contact);
            if contact.is_empty() {
                String::new()
            } else {
                format!(" · {}", escape(&contact))
            }
        }
    );
    if agenda.withdrawn {
        let _ = writeln!(out, "<p><strong>{}</strong></p>", escape(labels.withdrawn));
    }
    if agenda.entries.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", escape(labels.no_meetings));
    }
    for (session_index, entries) in agenda.by_session() {
        let session = &mission.sessions[session_index];
        let heading = match agenda.side {
            Side::Firm => session_heading_bilingual(session),
            Side::Buyer => session_heading(session),
        };
        let _ = write!(
            out,
            "<section class=\"session\"><h2>{}</h2><div class=\"zone\">{} {} · {}</div>\n<table class=\"agenda\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>{}</tr></thead><tbody>\n",
            escape(&heading),
            escape(labels.session),
            escape(session.id.as_str()),
            escape(&zone_note(session)),
            escape(labels.time),
            escape(labels.place),
            escape(labels.with),
            escape(labels.interpreter),
            if agenda.side == Side::Firm {
                format!("<th>{}</th>", escape(labels.reasons))
            } else {
                String::new()
            }
        );
        for entry in entries {
            let contact = contact_line(&entry.with_contact);
            let _ = write!(
                out,
                "<tr><td class=\"time\" data-label=\"{}\">{}–{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\"><strong>{}</strong> <span class=\"sub\">{}{}</span>{}</td><td data-label=\"{}\">{}</td>",
                escape(labels.time),
                entry.range.start,
                entry.range.end,
                escape(labels.place),
                escape(if entry.place.is_empty() { "—" } else { &entry.place }),
                escape(labels.with),
                escape(&entry.with_name),
                escape(&entry.with_id),
                if entry.with_country.is_empty() {
                    String::new()
                } else {
                    format!(", {}", escape(&entry.with_country))
                },
                [&entry.with_products, &contact]
                    .into_iter()
                    .filter(|line| !line.is_empty())
                    .map(|line| format!("<br><span class=\"sub\">{}</span>", escape(line)))
                    .collect::<String>(),
                escape(labels.interpreter),
                match &entry.interpreter {
                    Some(language) => format!(
                        "<span class=\"lang\">{}</span>",
                        escape(&language_name(language))
                    ),
                    None => "—".to_string(),
                }
            );
            if agenda.side == Side::Firm {
                let _ = write!(
                    out,
                    "<td data-label=\"{}\" class=\"sub\">{}</td>",
                    escape(labels.reasons),
                    escape(&entry.reasons.join("; "))
                );
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table></section>\n");
    }
    organiser_footer(&mut out, mission, &labels);
    out.push_str("</body>\n</html>\n");
    out
}

/// How many firm columns one printed grid table holds on A4 landscape.
pub const GRID_COLUMNS: usize = 8;

/// The venue grid of every session: rows are slots, columns firms with their place, cells the
/// buyer and the interpreter. Sessions with many firms are split into pages of
/// [`GRID_COLUMNS`] firms.
pub fn grid_page(mission: &Mission, meetings: &[Meeting], status: Status) -> String {
    let labels = Labels::for_side(Side::Buyer);
    let mut out = String::new();
    page_start(
        &mut out,
        &format!("Venue grid - {}", mission.name),
        "en",
        true,
    );
    let _ = writeln!(
        out,
        "<header><div class=\"mission\">{}</div><h1>Venue grid{}</h1></header>",
        escape(&mission.name),
        status_badge(status, &labels)
    );
    for (session_index, session) in mission.sessions.iter().enumerate() {
        let grid = super::SessionGrid::new(mission, meetings, session_index);
        if grid.firms.is_empty() {
            continue;
        }
        for (part, firms) in grid.firms.chunks(GRID_COLUMNS).enumerate() {
            let _ = write!(
                out,
                "<section class=\"gridpage\"><h2>{} {}{}</h2><div class=\"zone\">{}</div><div class=\"gridwrap\"><table class=\"grid\"><thead><tr><th>{}</th>",
                escape(session.id.as_str()),
                escape(&session_heading(session)),
                if grid.firms.len() > GRID_COLUMNS {
                    format!(
                        " ({}/{})",
                        part + 1,
                        grid.firms.len().div_ceil(GRID_COLUMNS)
                    )
                } else {
                    String::new()
                },
                escape(&zone_note(session)),
                escape(labels.time)
            );
            for &firm in firms {
                let record = &mission.firms[firm];
                let _ = write!(
                    out,
                    "<th>{}<br><span class=\"sub\">{}{}</span></th>",
                    escape(&record.name),
                    escape(record.id.as_str()),
                    if record.booth.is_empty() {
                        String::new()
                    } else {
                        format!(" · {}", escape(&record.booth))
                    }
                );
            }
            out.push_str("</tr></thead><tbody>\n");
            for (row, slot) in grid.slots.iter().enumerate() {
                let range = mission.slots[*slot].range;
                let _ = write!(
                    out,
                    "<tr><td class=\"time\">{}–{}</td>",
                    range.start, range.end
                );
                for &firm in firms {
                    match grid.cell(row, firm) {
                        Some(meeting) => {
                            let meeting = &meetings[meeting];
                            let buyer = mission
                                .buyer_index(&meeting.buyer)
                                .map(|b| mission.buyers[b].company.as_str())
                                .unwrap_or_default();
                            let _ = write!(
                                out,
                                "<td>{}{} <span class=\"sub\">{}</span>{}</td>",
                                match meeting.table {
                                    Some(table) => format!("<strong>T{table}</strong> "),
                                    None => String::new(),
                                },
                                escape(buyer),
                                escape(meeting.buyer.as_str()),
                                match &meeting.interpreter {
                                    Some(language) =>
                                        format!(" <span class=\"lang\">{}</span>", escape(language)),
                                    None => String::new(),
                                }
                            );
                        }
                        None => out.push_str("<td></td>"),
                    }
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</tbody></table></div></section>\n");
        }
    }
    organiser_footer(&mut out, mission, &labels);
    out.push_str("</body>\n</html>\n");
    out
}
