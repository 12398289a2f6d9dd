//! PDF agendas: A4 portrait, one page per participant when the meetings fit, the mission's and
//! organiser's names, a `DRAFT` watermark on drafts. Text is set in Noto Sans CJK KR (bundled,
//! see `assets/fonts/README.md`), which covers Hangul, Vietnamese and English; krilla embeds
//! only the glyphs a document uses and maps them back to Unicode, so the text can be searched
//! and extracted.

use std::sync::OnceLock;

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Transform};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::Document;
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use super::agenda::{
    contact_line, language_name, session_heading, session_heading_bilingual, zone_note, Agenda,
    Entry,
};
use super::{Labels, Status};
use crate::error::{Error, Result};
use crate::model::{Mission, Session, Side};

/// The regular face (Noto Sans CJK KR, subset; OFL 1.1).
pub static FONT_BYTES: &[u8] =
    include_bytes!("../../assets/fonts/NotoSansCJKkr-Regular-subset.otf");
/// The bold face.
static BOLD_BYTES: &[u8] = include_bytes!("../../assets/fonts/NotoSansCJKkr-Bold-subset.otf");

const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 36.0;
const BOTTOM: f32 = PAGE_HEIGHT - 48.0;

/// The two faces, parsed once for krilla.
fn fonts() -> Option<&'static (Font, Font)> {
    static FONTS: OnceLock<Option<(Font, Font)>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let regular = Font::new(FONT_BYTES.into(), 0)?;
            let bold = Font::new(BOLD_BYTES.into(), 0)?;
            Some((regular, bold))
        })
        .as_ref()
}

/// Widths of text in one face, in points per point of size.
struct Measure {
    font: FontRef<'static>,
}

impl Measure {
    fn new(bytes: &'static [u8]) -> Option<Measure> {
        FontRef::new(bytes).ok().map(|font| Measure { font })
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let charmap = self.font.charmap();
        let metrics = self
            .font
            .glyph_metrics(Size::new(size), LocationRef::default());
        text.chars()
            .filter_map(|c| charmap.map(c))
            .map(|glyph| metrics.advance_width(glyph).unwrap_or(size * 0.5))
            .sum()
    }

    /// Whether the font has a glyph for the character.
    fn prints(&self, c: char) -> bool {
        self.font.charmap().map(c).is_some()
    }
}

/// The characters of `text` the agendas' font cannot print (emoji and the like): the PDF leaves
/// them out rather than print blanks, and `publish` warns about them.
pub fn unprintable(text: &str) -> Vec<char> {
    let Some(measure) = Measure::new(FONT_BYTES) else {
        return Vec::new();
    };
    let mut found: Vec<char> = text
        .chars()
        .filter(|&c| !c.is_whitespace() && !c.is_control() && !measure.prints(c))
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

/// The most lines the other side's cell of an agenda takes (name, products, contact).
const WITH_LINES: usize = 12;

/// Breaks `text` into lines no wider than `width`: at spaces where possible, inside a word
/// (Korean has no spaces between many words) where not; at most `max_lines`, the last one
/// ending in `…` when text was cut.
fn wrap(measure: &Measure, text: &str, size: f32, width: f32, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if measure.width(&candidate, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // The word alone may still be too wide: break it by characters.
            for c in word.chars() {
                let mut next = line.clone();
                next.push(c);
                if measure.width(&next, size) > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                } else {
                    line = next;
                }
            }
        }
        lines.push(line);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            while !last.is_empty() && measure.width(&format!("{last}…"), size) > width {
                last.pop();
            }
            last.push('…');
        }
    }
    lines
}

fn colour(red: u8, green: u8, blue: u8) -> Fill {
    Fill {
        paint: rgb::Color::new(red, green, blue).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::default(),
    }
}

fn rectangle(surface: &mut Surface, x: f32, y: f32, width: f32, height: f32, fill: Fill) {
    let mut path = PathBuilder::new();
    if let Some(rect) = Rect::from_xywh(x, y, width, height) {
        path.push_rect(rect);
    }
    if let Some(path) = path.finish() {
        surface.set_fill(Some(fill));
        surface.draw_path(&path);
    }
}

/// One column of the meetings table.
struct Column {
    label: &'static str,
    width: f32,
}

/// The pen: where the next line goes, on which page.
struct Pen {
    regular: Font,
    bold: Font,
    measure: Measure,
    measure_bold: Measure,
    y: f32,
}

impl Pen {
    /// The pen with the bundled faces, at the top of the page; `None` when they do not load.
    fn load() -> Option<Pen> {
        let (regular, bold) = fonts()?;
        Some(Pen {
            regular: regular.clone(),
            bold: bold.clone(),
            measure: Measure::new(FONT_BYTES)?,
            measure_bold: Measure::new(BOLD_BYTES)?,
            y: 0.0,
        })
    }

    /// The widths of the regular or the bold face.
    fn measure(&self, bold: bool) -> &Measure {
        if bold {
            &self.measure_bold
        } else {
            &self.measure
        }
    }

    fn text(
        &self,
        surface: &mut Surface,
        (x, y): (f32, f32),
        size: f32,
        bold: bool,
        fill: Fill,
        text: &str,
    ) {
        if text.is_empty() {
            return;
        }
        surface.set_fill(Some(fill));
        let font = if bold { &self.bold } else { &self.regular };
        // What the font has no glyph for is left out (`publish` warns), not drawn as blanks.
        let measure = self.measure(bold);
        let printable: String = text.chars().filter(|&c| measure.prints(c)).collect();
        // A line that began with a left-out character does not begin with the space after it.
        let printable = if text.starts_with(char::is_whitespace) {
            printable.as_str()
        } else {
            printable.trim_start()
        };
        surface.draw_text(
            Point::from_xy(x, y),
            font.clone(),
            size,
            printable,
            false,
            TextDirection::Auto,
        );
    }
}

/// The text of each column of one meeting's row, and whether it is bold (not yet wrapped).
fn row_cells(agenda: &Agenda, entry: &Entry) -> Vec<(String, bool)> {
    let mut with = format!("{} ({}", entry.with_name, entry.with_id);
    if !entry.with_country.is_empty() {
        with.push_str(&format!(", {}", entry.with_country));
    }
    with.push(')');
    // The contact whole (contract v3): on one line when it fits, else wrapped at its spaces
    // and, in a long e-mail address, between characters; before the products line, so that
    // only the products are cut when the cell runs out of lines.
    let contact = contact_line(&entry.with_contact);
    if !contact.is_empty() {
        with.push('\n');
        with.push_str(&contact);
    }
    if !entry.with_products.is_empty() {
        with.push('\n');
        with.push_str(&entry.with_products);
    }
    let mut cells = vec![
        (format!("{}–{}", entry.range.start, entry.range.end), true),
        (
            if entry.place.is_empty() {
                "—".to_string()
            } else {
                entry.place.clone()
            },
            false,
        ),
        (with, false),
        (
            entry
                .interpreter
                .as_deref()
                .map(language_name)
                .unwrap_or_else(|| "—".to_string()),
            false,
        ),
    ];
    if agenda.side == Side::Firm {
        cells.push((entry.reasons.join("; "), false));
    }
    cells
}

fn columns(side: Side, labels: &Labels) -> Vec<Column> {
    let usable = PAGE_WIDTH - 2.0 * MARGIN;
    match side {
        Side::Firm => vec![
            Column {
                label: labels.time,
                width: 62.0,
            },
            Column {
                label: labels.place,
                width: 46.0,
            },
            Column {
                label: labels.with,
                width: 160.0,
            },
            Column {
                label: labels.interpreter,
                width: 60.0,
            },
            Column {
                label: labels.reasons,
                width: usable - 62.0 - 46.0 - 160.0 - 60.0,
            },
        ],
        Side::Buyer => vec![
            Column {
                label: labels.time,
                width: 70.0,
            },
            Column {
                label: labels.place,
                width: 60.0,
            },
            Column {
                label: labels.with,
                width: usable - 70.0 - 60.0 - 70.0,
            },
            Column {
                label: labels.interpreter,
                width: 70.0,
            },
        ],
    }
}

/// What every page of one agenda shows in its frame.
struct Sheet<'a> {
    mission: &'a Mission,
    agenda: &'a Agenda,
    labels: &'a Labels,
    status: Status,
}

/// The blue of the mission's name, the rules and the session headings.
fn blue() -> Fill {
    colour(0x1d, 0x4e, 0x89)
}

/// The grey of the frame's secondary lines.
fn grey() -> Fill {
    colour(0x55, 0x55, 0x55)
}

/// The near-black of names and table text.
fn ink() -> Fill {
    colour(0x1a, 0x1a, 0x1a)
}

/// Draws the page's frame: header with mission, participant and status, the watermark on
/// drafts, and the organiser and page number at the foot. Returns where the body starts.
fn frame(surface: &mut Surface, pen: &Pen, sheet: &Sheet, page: usize) -> f32 {
    if sheet.status == Status::Draft {
        watermark(surface, pen);
    }
    let y = masthead(surface, pen, sheet);
    let y = participant(surface, pen, sheet, page > 1, y);
    foot(surface, pen, sheet, page);
    y + 16.0
}

/// Draws a large, light diagonal "DRAFT" behind the content.
fn watermark(surface: &mut Surface, pen: &Pen) {
    surface.push_transform(&Transform::from_rotate_at(
        -35.0,
        PAGE_WIDTH / 2.0,
        PAGE_HEIGHT / 2.0,
    ));
    let size = 120.0;
    let width = pen.measure_bold.width("DRAFT", size);
    // Drawn as outlines, not text: the watermark is no part of the agenda's text (copying
    // or extracting it would otherwise interleave its letters with the meetings).
    surface.set_fill(Some(colour(0xEE, 0xEE, 0xEE)));
    surface.draw_text(
        Point::from_xy((PAGE_WIDTH - width) / 2.0, PAGE_HEIGHT / 2.0 + size * 0.35),
        pen.bold.clone(),
        size,
        "DRAFT",
        true,
        TextDirection::Auto,
    );
    surface.pop();
}

/// Draws the header's first lines: the mission's name, the draft or final badge and the
/// agenda's title. Returns where the participant's name goes.
fn masthead(surface: &mut Surface, pen: &Pen, sheet: &Sheet) -> f32 {
    let mut y = MARGIN + 10.0;
    pen.text(surface, (MARGIN, y), 9.0, true, blue(), &sheet.mission.name);
    status_badge(surface, pen, sheet, y);
    y += 16.0;
    pen.text(surface, (MARGIN, y), 9.0, false, grey(), sheet.labels.title);
    y + 19.0
}

/// Draws the badge that says whether the agenda is a draft or final, right of the line at `y`.
fn status_badge(surface: &mut Surface, pen: &Pen, sheet: &Sheet, y: f32) {
    let labels = sheet.labels;
    let badge = match sheet.status {
        Status::Draft => labels.draft,
        Status::Final => labels.final_,
    };
    let badge_width = pen.measure_bold.width(badge, 9.0) + 10.0;
    let badge_x = PAGE_WIDTH - MARGIN - badge_width;
    let (background, ink) = match sheet.status {
        Status::Draft => (colour(0xFF, 0xF1, 0xC2), colour(0x7A, 0x5A, 0x00)),
        Status::Final => (colour(0xDF, 0xF3, 0xE3), colour(0x1E, 0x6B, 0x32)),
    };
    rectangle(surface, badge_x, y - 10.0, badge_width, 14.0, background);
    pen.text(surface, (badge_x + 5.0, y), 9.0, true, ink, badge);
}

/// Draws the participant's name (marked continued after the first page), the line about them
/// and the rule under the header, from `y`. Returns where the rule is.
fn participant(surface: &mut Surface, pen: &Pen, sheet: &Sheet, continued: bool, y: f32) -> f32 {
    let Sheet { agenda, labels, .. } = *sheet;
    let mut y = y;
    let name = if continued {
        format!("{} ({})", agenda.name, labels.continued)
    } else {
        agenda.name.clone()
    };
    for line in wrap(&pen.measure_bold, &name, 17.0, PAGE_WIDTH - 2.0 * MARGIN, 4) {
        pen.text(surface, (MARGIN, y), 17.0, true, ink(), &line);
        y += 21.0;
    }
    // Wrapped: a long contact must not run off the page.
    let who = wrap(
        &pen.measure,
        &who_line(agenda, labels),
        9.0,
        PAGE_WIDTH - 2.0 * MARGIN,
        3,
    );
    for (index, line) in who.iter().enumerate() {
        if index > 0 {
            y += 11.0;
        }
        pen.text(surface, (MARGIN, y - 4.0), 9.0, false, grey(), line);
    }
    y += 4.0;
    rectangle(surface, MARGIN, y, PAGE_WIDTH - 2.0 * MARGIN, 2.0, blue());
    y
}

/// The line under the participant's name: id, booth, contact and number of meetings.
fn who_line(agenda: &Agenda, labels: &Labels) -> String {
    let mut who = vec![agenda.id.clone()];
    if !agenda.booth.is_empty() {
        who.push(format!("{}: {}", labels.booth, agenda.booth));
    }
    let contact = contact_line(&agenda.contact);
    if !contact.is_empty() {
        who.push(format!("{}: {}", labels.contact, contact));
    }
    who.push(format!("{}: {}", labels.meetings, agenda.entries.len()));
    who.join(" · ")
}

/// Draws the foot: the organiser and the page number.
fn foot(surface: &mut Surface, pen: &Pen, sheet: &Sheet, page: usize) {
    let foot = PAGE_HEIGHT - 26.0;
    rectangle(
        surface,
        MARGIN,
        foot - 12.0,
        PAGE_WIDTH - 2.0 * MARGIN,
        0.6,
        colour(0xC8, 0xCF, 0xD8),
    );
    if let Some(organiser) = &sheet.mission.organiser {
        let mut parts = vec![organiser.name.clone()];
        parts.extend(
            [&organiser.email, &organiser.phone]
                .into_iter()
                .filter(|part| !part.is_empty())
                .cloned(),
        );
        pen.text(
            surface,
            (MARGIN, foot),
            8.0,
            false,
            grey(),
            &format!("{}: {}", sheet.labels.organiser, parts.join(" · ")),
        );
    }
    let number = format!("{page}");
    let width = pen.measure.width(&number, 8.0);
    pen.text(
        surface,
        (PAGE_WIDTH - MARGIN - width, foot),
        8.0,
        false,
        grey(),
        &number,
    );
}

/// One meeting's cells on an agenda, wrapped to their columns.
fn wrapped_row(pen: &Pen, sheet: &Sheet, columns: &[Column], entry: &Entry) -> Vec<Vec<String>> {
    row_cells(sheet.agenda, entry)
        .into_iter()
        .zip(columns)
        .map(|((text, bold), column)| {
            // The other side (name, products, contact) has room to be printed
            // whole; the reasons are a summary, cut with `…` after three lines.
            let lines = if column.label == sheet.labels.with {
                WITH_LINES
            } else {
                3
            };
            wrap(
                pen.measure(bold),
                &text,
                ROW_TEXT_SIZE,
                column.width - 8.0,
                lines,
            )
        })
        .collect()
}

/// The size of the meetings' text.
const ROW_TEXT_SIZE: f32 = 8.5;
/// The height of one line of a meeting's row.
const ROW_LINE_HEIGHT: f32 = 10.0;

/// One session's table of meetings on an agenda: its heading, its column heads and its rows,
/// wrapped to the columns and ready to draw.
struct SessionTable<'a> {
    session: &'a Session,
    labels: &'a Labels,
    columns: &'a [Column],
    heading: String,
    /// Each meeting's cells, as wrapped lines.
    rows: Vec<Vec<Vec<String>>>,
    /// Each row's height.
    heights: Vec<f32>,
    /// The column heads, as wrapped lines.
    head_lines: Vec<Vec<String>>,
    head_height: f32,
}

impl<'a> SessionTable<'a> {
    /// Lays out the session's meetings of one agenda in the columns.
    fn new(
        pen: &Pen,
        sheet: &Sheet<'a>,
        columns: &'a [Column],
        session: &'a Session,
        entries: &[&Entry],
    ) -> SessionTable<'a> {
        let Sheet { agenda, labels, .. } = *sheet;
        let heading = match agenda.side {
            Side::Firm => session_heading_bilingual(session),
            Side::Buyer => session_heading(session),
        };
        let rows: Vec<Vec<Vec<String>>> = entries
            .iter()
            .map(|entry| wrapped_row(pen, sheet, columns, entry))
            .collect();
        let heights = rows
            .iter()
            .map(|cells| {
                cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * ROW_LINE_HEIGHT + 4.0
            })
            .collect();
        let head_lines: Vec<Vec<String>> = columns
            .iter()
            .map(|column| wrap(&pen.measure_bold, column.label, 8.0, column.width - 8.0, 2))
            .collect();
        let head_height = head_lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * 10.0 + 5.0;
        SessionTable {
            session,
            labels,
            columns,
            heading,
            rows,
            heights,
            head_lines,
            head_height,
        }
    }

    /// The room the table needs on the page it starts on: the heading, the table head and the
    /// first row stay together.
    fn room_to_start(&self) -> f32 {
        42.0 + 26.0 + self.heights.first().copied().unwrap_or(0.0)
    }

    /// Draws the session's heading (marked continued on a later page) and its zone.
    fn draw_heading(&self, surface: &mut Surface, pen: &mut Pen, continued: bool) {
        pen.y += 12.0;
        let heading = if continued {
            format!("{} ({})", self.heading, self.labels.continued)
        } else {
            self.heading.clone()
        };
        for line in wrap(
            &pen.measure_bold,
            &heading,
            10.5,
            PAGE_WIDTH - 2.0 * MARGIN,
            2,
        ) {
            pen.text(surface, (MARGIN, pen.y), 10.5, true, blue(), &line);
            pen.y += 12.0;
        }
        pen.text(
            surface,
            (MARGIN, pen.y),
            8.0,
            false,
            colour(0x66, 0x66, 0x66),
            &format!(
                "{} {} · {}",
                self.labels.session,
                self.session.id,
                zone_note(self.session)
            ),
        );
        pen.y += 5.0;
    }

    /// Draws the row of column heads.
    fn draw_head(&self, surface: &mut Surface, pen: &mut Pen) {
        rectangle(
            surface,
            MARGIN,
            pen.y,
            PAGE_WIDTH - 2.0 * MARGIN,
            self.head_height,
            colour(0xEE, 0xF2, 0xF7),
        );
        let mut x = MARGIN;
        for (column, lines) in self.columns.iter().zip(&self.head_lines) {
            for (index, line) in lines.iter().enumerate() {
                pen.text(
                    surface,
                    (x + 4.0, pen.y + 10.5 + 10.0 * index as f32),
                    8.0,
                    true,
                    ink(),
                    line,
                );
            }
            x += column.width;
        }
        pen.y += self.head_height;
    }

    /// Draws the meeting of row `index`: every other row shaded, the time and the other
    /// side's name in bold, a rule under it.
    fn draw_row(&self, surface: &mut Surface, pen: &mut Pen, index: usize) {
        let (cells, height) = (&self.rows[index], self.heights[index]);
        if index % 2 == 1 {
            rectangle(
                surface,
                MARGIN,
                pen.y,
                PAGE_WIDTH - 2.0 * MARGIN,
                height,
                colour(0xF7, 0xF9, 0xFB),
            );
        }
        let mut x = MARGIN;
        for (column_index, (lines, column)) in cells.iter().zip(self.columns).enumerate() {
            for (line_index, line) in lines.iter().enumerate() {
                let ink = if line_index > 0 && column_index == 2 {
                    grey()
                } else {
                    ink()
                };
                pen.text(
                    surface,
                    (
                        x + 4.0,
                        pen.y + 3.0 + ROW_LINE_HEIGHT * (line_index as f32 + 0.8),
                    ),
                    ROW_TEXT_SIZE,
                    column_index == 0 || (column_index == 2 && line_index == 0),
                    ink,
                    line,
                );
            }
            x += column.width;
        }
        pen.y += height;
        rectangle(
            surface,
            MARGIN,
            pen.y - 0.4,
            PAGE_WIDTH - 2.0 * MARGIN,
            0.4,
            colour(0xC8, 0xCF, 0xD8),
        );
    }
}

/// One agenda as a PDF document.
pub fn agenda_pdf(mission: &Mission, agenda: &Agenda, status: Status) -> Result<Vec<u8>> {
    let failed = |what: &str| {
        Error::Unsupported(format!(
            "cannot draw the PDF agenda of {}: {what}",
            agenda.id
        ))
    };
    let mut pen = Pen::load().ok_or_else(|| failed("the bundled font does not load"))?;
    let labels = Labels::for_side(agenda.side);
    let columns = columns(agenda.side, &labels);
    let settings = || PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT);
    let sheet = Sheet {
        mission,
        agenda,
        labels: &labels,
        status,
    };
    let mut document = Document::new();
    let mut page_number = 1;
    let mut page = document.start_page_with(settings().ok_or_else(|| failed("page size"))?);
    let mut surface = page.surface();
    pen.y = frame(&mut surface, &pen, &sheet, page_number);
    // Ends the page and starts the next with its frame. A macro, not a function: krilla's page
    // borrows the document and the surface borrows the page.
    macro_rules! next_page {
        () => {
            surface.finish();
            page.finish();
            page_number += 1;
            page = document.start_page_with(settings().ok_or_else(|| failed("page size"))?);
            surface = page.surface();
            pen.y = frame(&mut surface, &pen, &sheet, page_number);
        };
    }
    let notices = [
        (agenda.withdrawn, labels.withdrawn, true),
        (agenda.entries.is_empty(), labels.no_meetings, false),
    ];
    for (_, notice, bold) in notices.into_iter().filter(|(shown, ..)| *shown) {
        pen.y += 14.0;
        for line in wrap(&pen.measure, notice, 10.0, PAGE_WIDTH - 2.0 * MARGIN, 4) {
            pen.text(&mut surface, (MARGIN, pen.y), 10.0, bold, ink(), &line);
            pen.y += 13.0;
        }
    }
    for (session_index, entries) in agenda.by_session() {
        let session = &mission.sessions[session_index];
        let table = SessionTable::new(&pen, &sheet, &columns, session, &entries);
        if pen.y + table.room_to_start() > BOTTOM {
            next_page!();
        }
        table.draw_heading(&mut surface, &mut pen, false);
        table.draw_head(&mut surface, &mut pen);
        for (index, height) in table.heights.iter().enumerate() {
            if pen.y + height > BOTTOM {
                next_page!();
                table.draw_heading(&mut surface, &mut pen, true);
                table.draw_head(&mut surface, &mut pen);
            }
            table.draw_row(&mut surface, &mut pen, index);
        }
        pen.y += 4.0;
    }
    surface.finish();
    page.finish();
    document
        .finish()
        .map_err(|error| failed(&format!("{error:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_font_has_hangul_vietnamese_and_latin() {
        let font = FontRef::new(FONT_BYTES).unwrap();
        let charmap = font.charmap();
        for c in "드론 máy bay không người lái ỗ ự Đ Drone–→…·".chars() {
            if c != ' ' {
                assert!(charmap.map(c).is_some(), "no glyph for {c:?}");
            }
        }
    }

    #[test]
    fn wrapping_keeps_lines_inside_the_width_and_marks_cuts() {
        let measure = Measure::new(FONT_BYTES).unwrap();
        let text = "산업용 드론과 항공 촬영 드론을 만듭니다. Industrial multicopter drones for aerial survey, crop spraying and inspection";
        let lines = wrap(&measure, text, 9.0, 120.0, 20);
        assert!(lines.len() > 2);
        for line in &lines {
            assert!(measure.width(line, 9.0) <= 120.0, "{line}");
        }
        assert_eq!(lines.join(" ").replace("  ", " "), text);
        let cut = wrap(&measure, text, 9.0, 120.0, 2);
        assert_eq!(cut.len(), 2);
        assert!(cut[1].ends_with('…'));
        // A word wider than the column is broken inside.
        let long = wrap(&measure, &"가".repeat(40), 9.0, 60.0, 20);
        assert!(long.len() > 1 && long.iter().all(|line| measure.width(line, 9.0) <= 60.0));
    }
}
