//! The board table as a workbook: a contents sheet, then one sheet per area with the same rows as
//! the HTML. Figures are numbers with their number format, the header rows and indicator column
//! are frozen, and every text cell is written as text (never a formula), so nothing in it is
//! evaluated when it is opened.

use std::path::Path;

use rust_xlsxwriter::{Color, Format, FormatAlign, Url, Workbook, Worksheet, XlsxError};

use super::board::{reason_text, AreaView, Board, Cell};
use super::data::PackData;
use super::quality::QualityPage;
use super::settings::DATA_QUALITY_AREA;
use crate::{Error, Result};

/// Row (0-based) of the header row on an area sheet; data rows follow it.
pub const HEADER_ROW: u32 = 3;
/// Columns before the first figure: indicator, measure id, unit.
pub const FIRST_FIGURE_COLUMN: u16 = 3;

fn xlsx_err(path: &Path) -> impl Fn(XlsxError) -> Error + '_ {
    move |e| Error::Io { context: format!("cannot write {}", path.display()), source: std::io::Error::other(e.to_string()) }
}

/// An Excel sheet name for an area title: at most 31 characters, none of `[]:*?/\`, unique.
pub fn sheet_name(title: &str, taken: &[String]) -> String {
    let clean: String = title.chars().map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c }).collect();
    let base: String = clean.trim().chars().take(28).collect::<String>().trim().to_string();
    let mut name = base.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        name = format!("{base} {n}");
        n += 1;
    }
    name
}

/// The Excel number format for a unit.
fn number_format(unit: &str) -> &'static str {
    match unit {
        "count" => "#,##0",
        "percent" => "0.0\"%\"",
        _ => "0.0",
    }
}

/// Writes the workbook to `path`.
pub fn write(board: &Board, data: &PackData, quality: &QualityPage, marker: Option<&str>, path: &Path) -> Result<()> {
    let err = xlsx_err(path);
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new().set_bold().set_background_color(Color::RGB(0xF3F2F1)).set_text_wrap().set_align(FormatAlign::Top);
    let mut names: Vec<String> = Vec::new();
    for a in &board.areas {
        let name = sheet_name(&a.title, &names);
        names.push(name);
    }
    let contents = wb.add_worksheet().set_name("Contents").map_err(&err)?;
    contents
        .write_string_with_format(0, 0, format!("Performance pack: {} ({}) as at {}", data.la_name, data.la_code, data.as_at), &title)
        .map_err(&err)?;
    contents.write_string(1, 0, format!("Published run {}. Figures are read from the published warehouse.", data.run_id)).map_err(&err)?;
    let note = match marker {
        Some(m) => format!("Counts from 1 to 5, and figures built on them, are shown as {m}. \"no data\" is never zero."),
        None => "Internal pack: small numbers are not suppressed. Do not share outside the council.".to_string(),
    };
    contents.write_string(2, 0, note).map_err(&err)?;
    contents.write_string_with_format(4, 0, "Priority area", &head).map_err(&err)?;
    contents.write_string_with_format(4, 1, "RAG", &head).map_err(&err)?;
    contents.write_string_with_format(4, 2, "Indicators", &head).map_err(&err)?;
    for (i, (a, name)) in board.areas.iter().zip(&names).enumerate() {
        let row = 5 + i as u32;
        contents.write_url_with_text(row, 0, Url::new(format!("internal:'{name}'!A1")), &a.title).map_err(&err)?;
        contents
            .write_string(row, 1, a.rag.as_deref().unwrap_or(if a.id == DATA_QUALITY_AREA { "" } else { "no target" }))
            .map_err(&err)?;
        contents.write_number(row, 2, a.rows.len() as f64).map_err(&err)?;
    }
    contents.set_column_width(0, 60).map_err(&err)?;
    for (a, name) in board.areas.iter().zip(&names) {
        let ws = wb.add_worksheet().set_name(name).map_err(&err)?;
        ws.write_string_with_format(0, 0, &a.title, &title).map_err(&err)?;
        ws.write_string(
            1,
            0,
            format!("{} ({}) as at {}; RAG {}", data.la_name, data.la_code, data.as_at, a.rag.as_deref().unwrap_or("not rated")),
        )
        .map_err(&err)?;
        if a.id == DATA_QUALITY_AREA {
            quality_sheet(ws, quality, &head).map_err(&err)?;
        } else {
            area_sheet(ws, board, a, data, marker, &head, &bold).map_err(&err)?;
        }
    }
    wb.save(path).map_err(&err)?;
    Ok(())
}

fn area_sheet(
    ws: &mut Worksheet,
    board: &Board,
    a: &AreaView,
    data: &PackData,
    marker: Option<&str>,
    head: &Format,
    bold: &Format,
) -> Result<(), XlsxError> {
    let mut headers: Vec<String> = vec!["Indicator".into(), "Measure id".into(), "Unit".into()];
    headers.extend(board.columns.iter().map(|c| c.label.clone()));
    headers.extend(
        ["Target", "RAG", "Statistical neighbours", "Region", "England", "DfE year", "National rank", "LAs ranked", "Quartile", "Note"]
            .map(String::from),
    );
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(HEADER_ROW, c as u16, h, head)?;
    }
    let grey = Format::new().set_italic().set_font_color(Color::RGB(0x505A5F));
    for (i, r) in a.rows.iter().enumerate() {
        let row = HEADER_ROW + 1 + i as u32;
        let unit = r.info.unit.as_str();
        let num = Format::new().set_num_format(number_format(unit));
        ws.write_string_with_format(row, 0, &r.info.name, bold)?;
        ws.write_string(row, 1, &r.measure_id)?;
        ws.write_string(row, 2, unit.replace('_', " "))?;
        let mut col = FIRST_FIGURE_COLUMN;
        for c in &r.cells {
            match c {
                Cell::Value(v) => {
                    ws.write_number_with_format(row, col, *v, &num)?;
                }
                Cell::Suppressed => {
                    ws.write_string_with_format(row, col, marker.unwrap_or(""), &grey)?;
                }
                Cell::NoData(_) => {
                    ws.write_string_with_format(row, col, "no data", &grey)?;
                }
                Cell::Absent => {}
            }
            col += 1;
        }
        let bm = r.benchmark.clone().unwrap_or_default();
        let mut number = |col: u16, v: Option<f64>, f: &Format| -> Result<(), XlsxError> {
            if let Some(v) = v {
                ws.write_number_with_format(row, col, v, f)?;
            }
            Ok(())
        };
        let whole = Format::new().set_num_format("0");
        number(col, r.target, &num)?;
        number(col + 2, bm.sn_mean, &num)?;
        number(col + 3, bm.region_value, &num)?;
        number(col + 4, bm.england_value, &num)?;
        number(col + 6, bm.national_rank.map(|v| v as f64), &whole)?;
        number(col + 7, bm.national_ranked.map(|v| v as f64), &whole)?;
        number(col + 8, bm.national_quartile.map(|v| v as f64), &whole)?;
        if let Some(rag) = &r.rag {
            ws.write_string(row, col + 1, rag)?;
        }
        if !bm.financial_year.is_empty() {
            ws.write_string(row, col + 5, &bm.financial_year)?;
        }
        let note = r.no_data.clone().or_else(|| {
            r.cells.iter().find_map(|c| if let Cell::NoData(reason) = c { Some(reason_text(reason, Some(&r.info), data)) } else { None })
        });
        if let Some(note) = note {
            ws.write_string_with_format(row, col + 9, note, &grey)?;
        }
    }
    ws.set_column_width(0, 48)?;
    ws.set_column_width(1, 26)?;
    ws.set_freeze_panes(HEADER_ROW + 1, 1)?;
    let mut text_row = HEADER_ROW + 3 + a.rows.len() as u32;
    for (label, text) in [("Analysis", &a.analysis), ("Next steps", &a.next_steps)] {
        ws.write_string_with_format(text_row, 0, label, head)?;
        ws.write_string(text_row + 1, 0, if text.is_empty() { "No commentary for this month." } else { text.as_str() })?;
        text_row += 3;
    }
    Ok(())
}

fn quality_sheet(ws: &mut Worksheet, q: &QualityPage, head: &Format) -> Result<(), XlsxError> {
    for (c, h) in ["Rule", "Severity", "Issues", "What it means and what to do"].iter().enumerate() {
        ws.write_string_with_format(HEADER_ROW, c as u16, *h, head)?;
    }
    for (i, r) in q.by_rule.iter().enumerate() {
        let row = HEADER_ROW + 1 + i as u32;
        ws.write_string(row, 0, &r.code)?;
        ws.write_string(row, 1, &r.severity)?;
        ws.write_number(row, 2, r.count as f64)?;
        ws.write_string(row, 3, r.meaning.as_deref().unwrap_or(""))?;
    }
    ws.set_column_width(0, 30)?;
    ws.set_column_width(3, 90)?;
    ws.set_freeze_panes(HEADER_ROW + 1, 0)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_short_clean_and_unique() {
        let a = sheet_name("Section 47 enquiries and initial child protection conferences", &[]);
        assert!(a.chars().count() <= 31);
        assert_eq!(sheet_name("Front door: contacts", &[]), "Front door  contacts");
        assert_eq!(sheet_name("Adoption", &["adoption".into()]), "Adoption 2");
    }
}
