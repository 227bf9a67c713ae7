//! The pack as one self-contained HTML file: styles and SVG charts inline, no script, no font and
//! nothing else fetched, so it opens from a file share in a locked-down browser. The same file,
//! printed by headless Chromium, is the PDF (A4 landscape, numbered pages, linked contents).

use std::fmt::Write as _;

use super::annex_a::AnnexAnalysis;
use super::board::{format_value, reason_text, thousands, AreaView, Board, Cell, Row, MONTHS};
use super::chart::{trend_svg, Trend};
use super::data::PackData;
use super::quality::QualityPage;
use super::settings::DATA_QUALITY_AREA;

/// Everything one page set shows.
pub struct Pack<'a> {
    pub data: &'a PackData,
    pub board: &'a Board,
    pub annex_a: &'a AnnexAnalysis,
    pub quality: &'a QualityPage,
    /// The suppression marker; `None` for an unsuppressed (internal) pack.
    pub marker: Option<&'a str>,
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
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

const STYLE: &str = include_str!("pack.css");

/// Renders the whole pack.
pub fn render(p: &Pack) -> String {
    let d = p.data;
    let mut h = String::new();
    let title = format!("Children's social care performance pack: {} as at {}", d.la_name, d.as_at.format("%-d %B %Y"));
    let _ = write!(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n", esc(&title));
    cover(&mut h, p, &title);
    contents(&mut h, p);
    for area in &p.board.areas {
        if area.id == DATA_QUALITY_AREA {
            quality_page(&mut h, p, area);
        } else {
            area_page(&mut h, p, area);
        }
    }
    annex_a_page(&mut h, p);
    glossary(&mut h, p);
    let _ = write!(h, "</body>\n</html>\n");
    h
}

fn cover(h: &mut String, p: &Pack, title: &str) {
    let d = p.data;
    let _ = write!(h, "<header class=\"cover\">\n<h1>{}</h1>\n<p class=\"sub\">{} ({}) &middot; figures as at {} &middot; published run {} &middot; finished {}</p>\n", esc(title), esc(&d.la_name), esc(&d.la_code), d.as_at.format("%-d %B %Y"), esc(&d.run_id), esc(&d.finished_at));
    let note = match p.marker {
        Some(m) => format!(
            "Counts from 1 to 5, and percentages, rates and averages built on them, are shown as <b>{}</b> to protect children's privacy.",
            esc(m)
        ),
        None => "<b>Internal pack: small numbers are not suppressed.</b> Do not share outside the council.".to_string(),
    };
    let _ = write!(h, "<p class=\"note\">{note} <b>no data</b> means the figure could not be computed, with the reason; it never means zero. Indicator names link to their definitions in the glossary.</p>\n</header>\n");
}

fn rag_badge(rag: Option<&str>) -> String {
    match rag {
        Some(r @ ("Red" | "Amber" | "Green")) => format!("<span class=\"rag rag-{}\">{r}</span>", r.to_lowercase()),
        _ => "<span class=\"rag rag-none\">no target</span>".to_string(),
    }
}

fn contents(h: &mut String, p: &Pack) {
    let _ = write!(h, "<nav class=\"contents\" id=\"contents\">\n<h2>Contents</h2>\n<table>\n<thead><tr><th>Priority area</th><th>RAG</th><th>Indicators</th><th>With a figure</th></tr></thead>\n<tbody>\n");
    for a in &p.board.areas {
        let with_figure = a.rows.iter().filter(|r| r.no_data.is_none()).count();
        let (n, with) = if a.id == DATA_QUALITY_AREA {
            (String::from("issues by rule and file"), String::new())
        } else {
            (a.rows.len().to_string(), with_figure.to_string())
        };
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#area-{}\">{}</a></td><td>{}</td><td>{n}</td><td>{with}</td></tr>",
            esc(&a.id),
            esc(&a.title),
            if a.id == DATA_QUALITY_AREA { String::new() } else { rag_badge(a.rag.as_deref()) }
        );
    }
    let _ = writeln!(h, "<tr><td><a href=\"#annex-a\">Annex A analysis</a></td><td></td><td>lists 1-10</td><td></td></tr>");
    let _ = writeln!(h, "<tr><td><a href=\"#glossary\">Glossary of indicators</a></td><td></td><td></td><td></td></tr>");
    let _ = write!(h, "</tbody>\n</table>\n</nav>\n");
}

/// A cell's text and class.
fn cell_html(c: &Cell, unit: &str, marker: Option<&str>, data: &PackData, row: &Row) -> String {
    match c {
        Cell::Value(v) => format!("<td class=\"num\">{}</td>", format_value(unit, *v)),
        Cell::Suppressed => format!("<td class=\"num supp\" title=\"a small number, hidden\">{}</td>", esc(marker.unwrap_or(""))),
        Cell::NoData(r) => format!("<td class=\"nodata\" title=\"{}\">no data</td>", esc(&reason_text(r, Some(&row.info), data))),
        Cell::Absent => "<td class=\"absent\">&ndash;</td>".to_string(),
    }
}

fn opt(unit: &str, v: Option<f64>) -> String {
    v.map(|v| format_value(unit, v)).unwrap_or_else(|| "&ndash;".into())
}

fn area_page(h: &mut String, p: &Pack, a: &AreaView) {
    let b = p.board;
    let _ = write!(
        h,
        "<section class=\"area\" id=\"area-{}\">\n<div class=\"area-head\"><h2>{}</h2>{}</div>\n",
        esc(&a.id),
        esc(&a.title),
        rag_badge(a.rag.as_deref())
    );
    let _ = write!(h, "<table class=\"board\">\n<thead><tr><th class=\"ind\">Indicator</th>");
    for (i, c) in b.columns.iter().enumerate() {
        let class = if i >= MONTHS as usize { " class=\"year\"" } else { "" };
        let _ = write!(h, "<th{class}>{}</th>", esc(&c.label));
    }
    let _ = write!(h, "<th>Target</th><th>RAG</th><th>Stat. neighbours</th><th>Region</th><th>England</th><th>DfE year</th><th>National rank</th></tr></thead>\n<tbody>\n");
    for r in &a.rows {
        let unit = r.info.unit.as_str();
        let _ = write!(h, "<tr><td class=\"ind\"><a href=\"#def-{}\">{}</a>", esc(&r.measure_id), esc(&r.info.name));
        if let Some(why) = &r.no_data {
            let _ = write!(h, "<div class=\"why\">{}</div>", esc(why));
        }
        h.push_str("</td>");
        for c in &r.cells {
            h.push_str(&cell_html(c, unit, p.marker, p.data, r));
        }
        let bm = r.benchmark.clone().unwrap_or_default();
        let rank = match (bm.national_rank, bm.national_ranked, bm.national_quartile) {
            (Some(rk), Some(of), Some(q)) => format!("{rk} of {of} (Q{q})"),
            _ => "&ndash;".into(),
        };
        let year = if bm.financial_year.is_empty() { "&ndash;".to_string() } else { esc(&bm.financial_year) };
        let _ = writeln!(
            h,
            "<td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{year}</td><td>{rank}</td></tr>",
            opt(unit, r.target),
            r.rag.as_deref().map(|x| rag_badge(Some(x))).unwrap_or_else(|| "&ndash;".into()),
            opt(unit, bm.sn_mean),
            opt(unit, bm.region_value),
            opt(unit, bm.england_value)
        );
    }
    let _ = write!(h, "</tbody>\n</table>\n");
    let _ = write!(
        h,
        "<div class=\"commentary\">\n<div><h3>Analysis</h3>{}</div>\n<div><h3>Next steps</h3>{}</div>\n</div>\n",
        markdown(&a.analysis),
        markdown(&a.next_steps)
    );
    let _ = writeln!(h, "<div class=\"charts\">");
    for r in &a.rows {
        if let Some(svg) = trend_svg(&trend(p, r), 380, 190) {
            let _ = writeln!(
                h,
                "<figure class=\"chart\" data-measure=\"{}\"><figcaption>{}</figcaption>{svg}</figure>",
                esc(&r.measure_id),
                esc(&r.info.name)
            );
        }
    }
    let _ = write!(h, "</div>\n</section>\n");
}

/// The chart of a row: its months, or its financial years when it has no monthly figure.
fn trend(p: &Pack, r: &Row) -> Trend {
    let b = p.board;
    let months: Vec<Option<f64>> = r.cells[..MONTHS as usize].iter().map(Cell::value).collect();
    let months_shown = months.iter().flatten().count() >= 2;
    let (labels, values) = if months_shown {
        (b.columns[..MONTHS as usize].iter().map(|c| c.label.clone()).collect(), months)
    } else {
        let years: Vec<usize> = (MONTHS as usize..b.columns.len()).rev().collect();
        (years.iter().map(|&i| b.columns[i].label.clone()).collect(), years.iter().map(|&i| r.cells[i].value()).collect())
    };
    // England's or the neighbours' count is not comparable with one LA's, nor a month's flow
    // rate with a year's, so those get no reference lines; snapshot rates, percentages and
    // averages do.
    let comparable = r.info.unit != "count" && !(r.info.unit == "rate_per_10k" && r.info.basis == "flow" && months_shown);
    let bm = r.benchmark.clone().filter(|_| comparable).unwrap_or_default();
    Trend { labels, values, target: r.target, england: bm.england_value, neighbours: bm.sn_mean, unit: r.info.unit.clone() }
}

/// The performance team's Markdown: paragraphs and `- ` bullet lists, everything escaped.
pub fn markdown(md: &str) -> String {
    if md.trim().is_empty() {
        return "<p class=\"empty\">No commentary for this month.</p>".into();
    }
    let mut out = String::new();
    for block in md.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
        let lines: Vec<&str> = block.lines().collect();
        if lines.iter().all(|l| l.trim_start().starts_with("- ") || l.trim_start().starts_with("* ")) {
            out.push_str("<ul>");
            for l in lines {
                let _ = write!(out, "<li>{}</li>", esc(l.trim_start()[2..].trim()));
            }
            out.push_str("</ul>");
        } else {
            let _ = write!(out, "<p>{}</p>", esc(&lines.join(" ")));
        }
    }
    out
}

fn count_text(n: i64, marker: Option<&str>) -> String {
    match marker {
        Some(m) if (1..=5).contains(&n) => esc(m),
        _ => thousands(n),
    }
}

fn annex_a_page(h: &mut String, p: &Pack) {
    let a = p.annex_a;
    let _ = write!(
        h,
        "<section class=\"area\" id=\"annex-a\">\n<div class=\"area-head\"><h2>Annex A analysis as at {}</h2></div>\n",
        p.data.as_at.format("%-d %B %Y")
    );
    let pop = a
        .population
        .map(|n| format!("ONS mid-{} population aged 0-17: {}.", a.population_year, thousands(n)))
        .unwrap_or_else(|| "No ONS population for this LA, so no rates.".into());
    let _ = writeln!(
        h,
        "<p class=\"note\">Aggregates of the Ofsted Annex A lists published for the as-at date; no child-level row is shown. {pop}</p>"
    );
    let _ = write!(h, "<table class=\"lists\">\n<thead><tr><th>List</th><th>Rows</th><th>Children</th><th>Children per 10,000</th></tr></thead>\n<tbody>\n");
    for l in &a.lists {
        let (rows, children, rate) = match (l.rows, l.children) {
            (Some(0) | None, _) if l.missing_table.is_some() => (
                format!(
                    "<span class=\"nodata\">no data: the export had no {} records</span>",
                    esc(l.missing_table.as_deref().unwrap_or_default())
                ),
                String::new(),
                String::new(),
            ),
            (Some(r), Some(c)) => {
                let rate = match (a.population, p.marker) {
                    (_, Some(_)) if (1..=5).contains(&c) => esc(p.marker.unwrap_or_default()),
                    (Some(pop), _) if pop > 0 => format!("{:.1}", c as f64 * 10_000.0 / pop as f64),
                    _ => "&ndash;".into(),
                };
                (count_text(r, p.marker), count_text(c, p.marker), rate)
            }
            _ => ("<span class=\"nodata\">no data: not published</span>".to_string(), String::new(), String::new()),
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{rows}</td><td class=\"num\">{children}</td><td class=\"num\">{rate}</td></tr>",
            esc(&l.title)
        );
    }
    let _ = write!(h, "</tbody>\n</table>\n<div class=\"tabs\">\n");
    for t in &a.tables {
        let list =
            super::annex_a::LIST_TITLES.iter().find(|(l, _, _)| *l == t.list).map(|(_, title, _)| format!("{title}: ")).unwrap_or_default();
        let _ = write!(h, "<table class=\"xtab\">\n<caption>{}{}</caption>\n<thead><tr><th></th>", esc(&list), esc(&t.title));
        for c in &t.columns {
            let _ = write!(h, "<th>{}</th>", esc(c));
        }
        h.push_str("</tr></thead>\n<tbody>\n");
        for (ri, r) in t.rows.iter().enumerate() {
            let _ = write!(h, "<tr><td>{}</td>", esc(r));
            for ci in 0..t.columns.len() {
                let n = t.cells.get(&(ri, ci)).copied().unwrap_or(0);
                let _ = write!(h, "<td class=\"num\">{}</td>", count_text(n, p.marker));
            }
            h.push_str("</tr>\n");
        }
        if t.rows.is_empty() {
            let _ = writeln!(h, "<tr><td colspan=\"{}\" class=\"nodata\">no rows</td></tr>", t.columns.len() + 1);
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</div>\n</section>\n");
}

fn quality_page(h: &mut String, p: &Pack, area: &AreaView) {
    let q = p.quality;
    let _ =
        write!(h, "<section class=\"area\" id=\"area-{}\">\n<div class=\"area-head\"><h2>{}</h2></div>\n", esc(&area.id), esc(&area.title));
    let _ = write!(
        h,
        "<div class=\"commentary\">\n<div><h3>Analysis</h3>{}</div>\n<div><h3>Next steps</h3>{}</div>\n</div>\n",
        markdown(&area.analysis),
        markdown(&area.next_steps)
    );
    let _ = write!(h, "<div class=\"tabs\">\n<table class=\"xtab wide\">\n<caption>Issues by rule</caption>\n<thead><tr><th>Rule</th><th>Severity</th><th>Issues</th><th>What it means and what to do</th></tr></thead>\n<tbody>\n");
    for r in &q.by_rule {
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td class=\"sev-{}\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&r.code),
            esc(&r.severity),
            esc(&r.severity),
            thousands(r.count as i64),
            esc(r.meaning.as_deref().unwrap_or(""))
        );
    }
    if q.by_rule.is_empty() {
        h.push_str("<tr><td colspan=\"4\">No data-quality issues in the published run.</td></tr>\n");
    }
    h.push_str("</tbody>\n</table>\n<table class=\"xtab\">\n<caption>Issues by file</caption>\n<thead><tr><th>File</th><th>Errors</th><th>Warnings</th><th>Notes</th></tr></thead>\n<tbody>\n");
    for (f, e, w, n) in &q.by_file {
        let _ = writeln!(h, "<tr><td>{}</td><td class=\"num\">{e}</td><td class=\"num\">{w}</td><td class=\"num\">{n}</td></tr>", esc(f));
    }
    h.push_str("</tbody>\n</table>\n<table class=\"xtab\">\n<caption>Issues over the last published runs</caption>\n<thead><tr><th>Run</th><th>As at</th><th>Errors</th><th>Warnings</th><th>All</th></tr></thead>\n<tbody>\n");
    for r in &q.runs {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&r.finished_at),
            esc(&r.as_at),
            r.errors,
            r.warnings,
            r.total
        );
    }
    h.push_str("</tbody>\n</table>\n<table class=\"xtab\">\n<caption>Measures that moved sharply since the run before</caption>\n<thead><tr><th>Indicator</th><th>Before</th><th>Now</th></tr></thead>\n<tbody>\n");
    for (id, before, now) in &q.moved {
        let info = p.data.measures.get(id);
        let unit = info.map(|i| i.unit.as_str()).unwrap_or("");
        let name = info.map(|i| i.name.clone()).unwrap_or_else(|| id.clone());
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&name),
            opt(unit, *before),
            opt(unit, *now)
        );
    }
    if q.moved.is_empty() {
        h.push_str("<tr><td colspan=\"3\">None: no headline moved sharply.</td></tr>\n");
    }
    h.push_str("</tbody>\n</table>\n</div>\n</section>\n");
}

fn glossary(h: &mut String, p: &Pack) {
    let _ = write!(h, "<section class=\"area\" id=\"glossary\">\n<div class=\"area-head\"><h2>Glossary of indicators</h2></div>\n<dl class=\"glossary\">\n");
    let shown: Vec<&Row> = p.board.areas.iter().flat_map(|a| &a.rows).collect();
    for r in shown {
        let i = &r.info;
        let _ = write!(
            h,
            "<dt id=\"def-{}\">{}</dt>\n<dd><p class=\"meta\">{} &middot; {} &middot; id <code>{}</code> &middot; <code>{}</code>",
            esc(&r.measure_id),
            esc(&i.name),
            esc(&i.unit.replace('_', " ")),
            esc(crate::docs::good_word(&i.good)),
            esc(&r.measure_id),
            esc(&i.source_sql)
        );
        if !i.source_tables.is_empty() {
            let _ = write!(h, " &middot; needs: {}", esc(&i.source_tables.join(", ")));
        }
        h.push_str("</p><ul>");
        for line in i.definition.lines() {
            let _ = write!(h, "<li>{}</li>", esc(line.trim_start_matches("- ")));
        }
        h.push_str("</ul></dd>\n");
    }
    h.push_str("</dl>\n</section>\n");
}
