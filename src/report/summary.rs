//! The short summary `csc run` and `csc demo` print when a run finishes.

/// Writes a short human summary of a finished run: where the warehouse is, the latest financial
/// year's measures and the data-quality issue counts.
pub fn run_summary(out: &mut impl std::io::Write, outcome: &crate::run::RunOutcome) -> std::io::Result<()> {
    let m = &outcome.manifest;
    writeln!(out, "Run {} {} for {} ({}), as at {}", m.run_id, m.status, m.la_name, m.la_code, m.as_at)?;
    if m.status == crate::manifest::RunStatus::Skipped {
        writeln!(
            out,
            "Nothing changed since the last successful run ({}); the warehouse {} is current. Use --force to run anyway.",
            m.error.as_deref().unwrap_or(""),
            outcome.warehouse
        )?;
        return Ok(());
    }
    writeln!(out, "Warehouse: {}", outcome.warehouse)?;
    writeln!(
        out,
        "  marts/fact_measure/ ({} rows, by financial_year), core/<table>/, quality/issues/, manifest _runs/{}.json",
        m.measures.rows, m.run_id
    )?;
    writeln!(out, "  restricted/: the identifiable core, Annex A and action lists, issues with raw values")?;
    latest_year(out, &outcome.fact)?;
    if !m.moved_sharply.is_empty() {
        writeln!(out, "\nMeasures that moved sharply since the last published run (check the inputs before sharing):")?;
        for mv in &m.moved_sharply {
            writeln!(out, "  {mv}")?;
        }
    }
    input_files(out, m)?;
    if !m.annex_a_notes.is_empty() {
        writeln!(out, "Annex A notes: {} (the workbook's Notes sheet and the manifest's annex_a_notes have them)", m.annex_a_notes.len())?;
    }
    let s = &m.issues;
    writeln!(
        out,
        "Data-quality issues: {} ({} errors, {} warnings, {} notes; `csc issues` lists them), by rule:",
        s.total, s.by_severity.error, s.by_severity.warning, s.by_severity.info
    )?;
    wrapped(out, s.by_code.iter().map(|(code, n)| format!("{code} {n}")))?;
    Ok(())
}

/// The latest financial year in one line: how many measures have a value, and how many are no
/// data, by reason (the performance pack, `csc report`, shows each with its name).
fn latest_year(out: &mut impl std::io::Write, f: &datafusion::arrow::array::RecordBatch) -> std::io::Result<()> {
    use datafusion::arrow::array::{Array, Date32Array, StringArray};
    let text = |name: &str| f.column_by_name(name).and_then(|c| c.as_any().downcast_ref::<StringArray>().cloned());
    let (Some(types), Some(years), Some(reasons)) = (text("period_type"), text("financial_year"), text("no_data_reason")) else {
        return Ok(());
    };
    let Some(starts) = f.column_by_name("period_start").and_then(|c| c.as_any().downcast_ref::<Date32Array>().cloned()) else {
        return Ok(());
    };
    let rows: Vec<usize> = (0..f.num_rows()).filter(|&i| types.value(i) == "financial_year").collect();
    let Some(&latest) = rows.iter().max_by_key(|&&i| starts.value(i)) else { return Ok(()) };
    let year = years.value(latest);
    let mut no_data: std::collections::BTreeMap<&str, usize> = Default::default();
    let mut valued = 0;
    for &i in rows.iter().filter(|&&i| years.value(i) == year) {
        if reasons.is_null(i) {
            valued += 1;
        } else {
            *no_data.entry(reasons.value(i)).or_default() += 1;
        }
    }
    let reasons: Vec<String> = no_data.iter().map(|(r, n)| format!("{n} {r}")).collect();
    let no_data = if reasons.is_empty() { String::new() } else { format!("; no data for {}", reasons.join(", ")) };
    writeln!(out, "\nFinancial year {year}: {valued} measures computed{no_data}")
}

/// Input files the summary names at most: those with the most errors, then warnings.
const FILES_SHOWN: usize = 5;

/// How many input files were read, and a line for each of the few that were not recognised or
/// raised the most issues (every file, with its hash and counts, is in the manifest's `inputs`).
fn input_files(out: &mut impl std::io::Write, m: &crate::manifest::Manifest) -> std::io::Result<()> {
    let mut flagged: Vec<&crate::manifest::InputEntry> =
        m.inputs.iter().filter(|f| f.table.is_none() || f.issues.error > 0 || f.issues.warning > 0).collect();
    flagged.sort_by_key(|f| (f.table.is_some(), std::cmp::Reverse((f.issues.error, f.issues.warning))));
    let rows: usize = m.inputs.iter().map(|f| f.rows).sum();
    let clean = m.inputs.len() - flagged.len();
    writeln!(out, "Input files: {} ({rows} rows; {clean} without errors or warnings)", m.inputs.len())?;
    let width = flagged.iter().take(FILES_SHOWN).map(|f| f.path.len()).max().unwrap_or(0).min(48);
    for f in flagged.iter().take(FILES_SHOWN) {
        let kind = f.table.as_deref().unwrap_or("not recognised");
        let i = &f.issues;
        writeln!(out, "  {:<width$} {:<24} {:>8} rows {:>6} errors {:>6} warnings", f.path, kind, f.rows, i.error, i.warning)?;
    }
    if flagged.len() > FILES_SHOWN {
        writeln!(out, "  and {} more with issues (the manifest's inputs lists every file)", flagged.len() - FILES_SHOWN)?;
    }
    Ok(())
}

/// Writes items separated by ` · `, wrapped at 100 characters, each line indented by two spaces.
pub fn wrapped(out: &mut impl std::io::Write, items: impl Iterator<Item = String>) -> std::io::Result<()> {
    let mut line = String::new();
    for item in items {
        if !line.is_empty() && line.len() + 3 + item.len() > 98 {
            writeln!(out, "  {line}")?;
            line.clear();
        }
        if !line.is_empty() {
            line.push_str(" · ");
        }
        line.push_str(&item);
    }
    if !line.is_empty() {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}
