//! The performance pack (`csc report`) as its readers get it: opened from disk in headless
//! Chromium with no network, printed to PDF, and its workbook checked cell by cell against the
//! published warehouse.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{open_workbook, Data, Reader, Xlsx};
use csc_pipeline::report::pack::pdf::find_chromium;
use csc_pipeline::report::pack::xlsx::{FIRST_FIGURE_COLUMN, HEADER_ROW};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{Date32Type, Float64Type, Int64Type};

use super::{csc, demo, demo_run, query, temp, text};

/// The pack files of the hand-made demo's run (as at 31 March 2023).
fn pack(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let reports = dir.join("reports");
    (
        reports.join("performance_pack_2023-03-31.html"),
        reports.join("performance_pack_2023-03-31.xlsx"),
        reports.join("performance_pack_2023-03-31.pdf"),
    )
}

/// Chromium, which `scripts/test.sh` installs; a machine without it skips the browser checks
/// unless `CSC_REQUIRE_CHROMIUM` is set (CI sets it).
fn chromium() -> Option<PathBuf> {
    let found = find_chromium();
    if found.is_none() {
        assert!(std::env::var_os("CSC_REQUIRE_CHROMIUM").is_none(), "CSC_REQUIRE_CHROMIUM is set but no Chromium was found");
        eprintln!("no Chromium: browser and PDF checks skipped");
    }
    found
}

/// Every fact of the published warehouse: (measure, period type, period start as days) →
/// (numerator, denominator, value, no_data_reason).
type Facts = HashMap<(String, String, i32), (Option<i64>, Option<i64>, Option<f64>, Option<String>)>;

async fn facts(wh: &Path) -> Facts {
    let mut out = Facts::new();
    for b in query("SELECT measure_id, period_type, period_start, numerator, denominator, value, no_data_reason FROM fact", wh).await {
        for i in 0..b.num_rows() {
            let key = (text(b.column(0), i), text(b.column(1), i), b.column(2).as_primitive::<Date32Type>().value(i));
            let n = b.column(3).as_primitive::<Int64Type>();
            let d = b.column(4).as_primitive::<Int64Type>();
            let v = b.column(5).as_primitive::<Float64Type>();
            let r = b.column(6);
            out.insert(
                key,
                (
                    n.is_valid(i).then(|| n.value(i)),
                    d.is_valid(i).then(|| d.value(i)),
                    v.is_valid(i).then(|| v.value(i)),
                    r.is_valid(i).then(|| text(r, i)),
                ),
            );
        }
    }
    out
}

/// Period type and start (days since 1970) of each figure column of the board, as at
/// 31 March 2023: April 2022 .. March 2023 (13 months from March 2022), then 2022-23 (to date),
/// 2021-22 and 2020-21.
fn board_periods() -> Vec<(&'static str, i32)> {
    let day = |y, m| {
        chrono::NaiveDate::from_ymd_opt(y, m, 1)
            .unwrap()
            .signed_duration_since(chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
            .num_days() as i32
    };
    let mut cols: Vec<(&str, i32)> = (0..13).map(|k| 2022 * 12 + 2 + k).map(|m| ("month", day(m / 12, (m % 12 + 1) as u32))).collect();
    cols.extend([("financial_year", day(2022, 4)), ("financial_year", day(2021, 4)), ("financial_year", day(2020, 4))]);
    cols
}

#[tokio::test]
async fn the_workbook_shows_exactly_the_published_figures_and_suppresses_small_numbers() {
    let dir = temp();
    demo(dir.path());
    let wh = dir.path().join("warehouse");
    let facts = facts(&wh).await;
    // An internal pack shows every figure: each must equal the warehouse's.
    let internal = dir.path().join("internal");
    let o = csc(&["report", "--warehouse", wh.to_str().unwrap(), "--out", internal.to_str().unwrap(), "--unsuppressed", "--no-pdf"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let periods = board_periods();
    let check = |path: &Path, suppressed: bool| {
        let mut wb: Xlsx<_> = open_workbook(path).unwrap();
        let sheets = wb.sheet_names();
        assert_eq!(sheets[0], "Contents");
        let (mut numbers, mut hidden, mut no_data) = (0, 0, 0);
        for sheet in &sheets[1..] {
            let range = wb.worksheet_range(sheet).unwrap();
            if range.get_value((HEADER_ROW, 0)) != Some(&Data::String("Indicator".into())) {
                continue; // the data-quality sheet
            }
            for row in HEADER_ROW + 1.. {
                let Some(Data::String(id)) = range.get_value((row, 1)) else { break };
                for (k, (ptype, start)) in periods.iter().enumerate() {
                    let cell = range.get_value((row, FIRST_FIGURE_COLUMN as u32 + k as u32)).cloned().unwrap_or(Data::Empty);
                    let fact = facts.get(&(id.clone(), ptype.to_string(), *start));
                    match (&cell, fact) {
                        (Data::Float(x), Some((_, _, Some(v), None))) => {
                            assert_eq!(x, v, "{sheet} {id} {ptype} {start}");
                            numbers += 1;
                        }
                        (Data::String(s), Some((n, d, Some(v), None))) if s == "[c]" => {
                            assert!(suppressed);
                            let small = |x: Option<i64>| x.is_some_and(|x| (1..=5).contains(&x));
                            assert!(
                                small(*n) || small(*d) || (1.0..=5.0).contains(v),
                                "{id} {ptype} {start} hidden but not small: {n:?}/{d:?}"
                            );
                            hidden += 1;
                        }
                        (Data::String(s), Some((None, None, None, Some(_)))) | (Data::String(s), Some((_, _, None, _)))
                            if s == "no data" =>
                        {
                            no_data += 1
                        }
                        (Data::Empty, None) => {}
                        other => panic!("{sheet} {id} {ptype} {start}: workbook {other:?}"),
                    }
                    if let (Data::Float(_), Some((n, d, _, _))) = (&cell, fact) {
                        if suppressed {
                            let small = |x: Option<i64>| x.is_some_and(|x| (1..=5).contains(&x));
                            assert!(!small(*n) && !small(*d), "{id} {ptype} {start}: a small number is shown");
                        }
                    }
                }
            }
        }
        (numbers, hidden, no_data)
    };
    let (numbers, hidden, no_data) = check(&internal.join("performance_pack_2023-03-31.xlsx"), false);
    assert!(numbers > 300 && hidden == 0 && no_data > 0, "{numbers} numbers, {hidden} hidden, {no_data} no data");
    // The demo's own (public) pack hides the hand-made extract's many small numbers.
    let (_, public_xlsx, _) = pack(dir.path());
    let (numbers, hidden, _) = check(&public_xlsx, true);
    assert!(numbers > 50 && hidden > 50, "{numbers} numbers, {hidden} hidden");
}

#[tokio::test]
async fn a_measure_without_its_source_table_is_no_data_with_its_reason_never_zero() {
    let dir = temp();
    demo(dir.path());
    let wh = dir.path().join("warehouse");
    // The hand-made extract has CP plans but no visits table.
    let b = query(
        "SELECT count(*), count(value), min(no_data_reason), count(numerator) FROM fact WHERE measure_id = 'cp_visited_within_10wd_pct'",
        &wh,
    )
    .await;
    let n = |i: usize| b[0].column(i).as_primitive::<Int64Type>().value(0);
    assert!(n(0) > 0);
    assert_eq!((n(1), n(3)), (0, 0), "no value and no numerator: never 0");
    assert_eq!(text(b[0].column(2), 0), "source_table_missing");
    // A true zero stays a zero: contacts are supplied, so a month without one is 0, not no data.
    let b = query("SELECT count(*) FROM fact WHERE measure_id = 'contacts' AND no_data_reason IS NOT NULL", &wh).await;
    assert_eq!(b[0].column(0).as_primitive::<Int64Type>().value(0), 0);
    let (html, _, _) = pack(dir.path());
    let page = std::fs::read_to_string(html).unwrap();
    let row =
        page.split("<tr>").find(|r| r.contains("href=\"#def-cp_visited_within_10wd_pct\"")).expect("a row for the CP visits indicator");
    assert!(row.contains("no data: the export had no cp_visit records"), "{row}");
    assert!(!row.contains("0.0%"), "{row}");
}

#[tokio::test]
async fn the_pack_opens_offline_in_chromium_with_every_chart_and_prints_to_a_paginated_pdf() {
    let dir = temp();
    let o = demo_run(dir.path());
    let stdout = String::from_utf8_lossy(&o.stdout);
    let (html, xlsx, pdf) = pack(dir.path());
    assert!(
        stdout.contains(html.to_str().unwrap()) && stdout.contains(xlsx.to_str().unwrap()),
        "the demo says where the pack went: {stdout}"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    // Self-contained: no script, no stylesheet or image from anywhere, no web font.
    for banned in ["<script", "<link", "<img", "@import", "url(", "src=\"http", "href=\"http"] {
        assert!(!page.contains(banned), "the pack must not contain {banned}");
    }
    // No targets and no commentary in the demo: every default area is still there, complete.
    for area in
        ["front_door", "assessments", "s47_icpc", "children_in_need", "child_protection", "looked_after", "workforce", "data_quality"]
    {
        assert!(page.contains(&format!("id=\"area-{area}\"")), "area {area}");
        assert!(page.contains(&format!("href=\"#area-{area}\"")), "contents links to {area}");
    }
    assert!(page.contains("No commentary for this month.") && page.contains("no target"));
    // The hand-made extract has no early-help table: list 2 is no data, not 0 children.
    assert!(page.contains("no data: the export had no early_help_episode records"));
    let charts: Vec<&str> = page.split("<figure class=\"chart\"").skip(1).collect();
    assert!(charts.len() > 20, "{} charts", charts.len());
    for c in &charts {
        let svg = &c[c.find("<svg").expect("each chart is an SVG")..c.find("</svg>").expect("closed")];
        assert!(
            svg.contains("<polyline") || svg.contains("<path") || svg.contains("<circle"),
            "an empty chart: {}",
            &c[..c.len().min(120)]
        );
    }
    // Every indicator's glossary entry exists.
    for id in page.split("href=\"#def-").skip(1).map(|s| &s[..s.find('"').unwrap()]) {
        assert!(page.contains(&format!("id=\"def-{id}\"")), "no definition for {id}");
    }
    let Some(chromium) = chromium() else { return };
    // Opened from disk with every host unreachable: no console error and no failed request.
    let shot = dir.path().join("pack.png");
    let o = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg("--host-resolver-rules=MAP * ~NOTFOUND")
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg("--window-size=1400,1800")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{log}");
    for line in log.lines() {
        assert!(!line.contains("CONSOLE") && !line.contains("net::ERR_") && !line.contains("Failed to load resource"), "{line}");
    }
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 50_000, "a screenshot with something on it ({} bytes)", png.len());
    // The PDF the demo printed: A4 landscape, a page per area at least, numbered, with the
    // contents and every area's title.
    let info = String::from_utf8(Command::new("pdfinfo").arg(&pdf).output().expect("pdfinfo (poppler-utils) is installed").stdout).unwrap();
    let pages: usize = info.lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap();
    assert!(pages >= 12, "{pages} pages\n{info}");
    let size: Vec<f64> =
        info.lines().find_map(|l| l.strip_prefix("Page size:")).unwrap().split_whitespace().filter_map(|w| w.parse().ok()).collect();
    assert!((size[0] - 842.0).abs() < 2.0 && (size[1] - 595.0).abs() < 2.0, "A4 landscape (842 x 595 points): {info}");
    let text = String::from_utf8(Command::new("pdftotext").args(["-layout", pdf.to_str().unwrap(), "-"]).output().unwrap().stdout).unwrap();
    for s in [
        "Contents",
        "Front door: contacts and referrals",
        "Children looked after",
        "Annex A analysis",
        "Glossary of indicators",
        &format!("Page {pages} of {pages}"),
    ] {
        assert!(text.contains(s), "the PDF has no {s:?}");
    }
}

#[test]
fn a_pipeline_file_with_a_report_section_writes_the_pack_after_the_run() {
    let dir = temp();
    super::copy_demo(&dir.path().join("in"));
    let pipeline = dir.path().join("p.toml");
    std::fs::write(dir.path().join("words.md"), "## front_door\n### Analysis\nContacts rose <sharply> & quickly.\n").unwrap();
    let text = "[la]\ncode = \"852\"\n[input]\nlocation = \"in\"\n[warehouse]\nlocation = \"wh\"\n[run]\nas_at = 2023-03-31\n\
                [targets.rereferral_12m_pct]\ntarget = 23.0\ngood = \"low\"\n\
                [report]\nout = \"packs\"\ncommentary = \"words.md\"\nsuppression_marker = \"*\"\n\
                [[report.areas]]\nid = \"front_door\"\ntitle = \"The front door\"\nmeasures = [\"referrals\", \"rereferral_12m_pct\"]\n";
    std::fs::write(&pipeline, text).unwrap();
    let o = csc(&["run", "--pipeline", pipeline.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(dir.path().join("packs/performance_pack_2023-03-31.html")).unwrap();
    assert!(page.contains("The front door") && page.contains("Contacts rose &lt;sharply&gt; &amp; quickly."), "commentary, escaped");
    assert!(page.contains("<th>Target</th>") && page.contains("23.0%"), "the target is shown");
    assert!(!page.contains("id=\"area-assessments\""), "only the configured areas");
    // A report area naming a measure the run does not compute is refused before anything runs.
    std::fs::write(&pipeline, text.replace("[run]\n", "[run]\nmeasures = [\"referrals\"]\n")).unwrap();
    let o = csc(&["run", "--pipeline", pipeline.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("[targets.rereferral_12m_pct]") && err.contains("line 10"), "{err}");
}
