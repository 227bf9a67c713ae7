//! The short summary `csc run` and `csc demo` print when a run finishes.

/// Writes a short human summary of a finished run: where the warehouse is, the latest financial
/// year's measures and the data-quality issue counts.
pub fn run_summary(out: &mut impl std::io::Write, outcome: &crate::run::RunOutcome) -> std::io::Result<()> {
    let m = &outcome.manifest;
    writeln!(out, "Run {} {} for {} ({}), as at {}", m.run_id, m.status, m.la_name, m.la_code, m.as_at)?;
    if m.status == "skipped" {
        writeln!(
            out,
            "Nothing changed since the last successful run ({}); the warehouse {} is current. Use --force to run anyway.",
            m.error.as_deref().unwrap_or(""),
            outcome.warehouse
        )?;
        return Ok(());
    }
    writeln!(out, "Warehouse: {}", outcome.warehouse)?;
    writeln!(out, "  measures:  {}/marts/fact_measure/ ({} rows, partitioned by financial_year)", outcome.warehouse, m.measures.rows)?;
    writeln!(out, "  core:      {}/core/<table>/", outcome.warehouse)?;
    writeln!(out, "  quality:   {}/quality/issues/", outcome.warehouse)?;
    writeln!(out, "  restricted (identifiable core, Annex A lists, raw issues): {}/restricted/", outcome.warehouse)?;
    writeln!(out, "  manifest:  {}/_runs/{}.json", outcome.warehouse, m.run_id)?;
    latest_year(out, &outcome.fact)?;
    if !m.moved_sharply.is_empty() {
        writeln!(out, "\nMeasures that moved sharply since the last published run (check the inputs before sharing):")?;
        for mv in &m.moved_sharply {
            writeln!(out, "  {mv}")?;
        }
    }
    input_files(out, m)?;
    if !m.annex_a_notes.is_empty() {
        writeln!(out, "\nAnnex A notes (the workbook's Notes sheet has them in full):")?;
        for n in &m.annex_a_notes {
            writeln!(out, "  {n}")?;
        }
    }
    let s = &m.issues;
    writeln!(
        out,
        "\nData-quality issues: {} ({} errors, {} warnings, {} notes)",
        s.total, s.by_severity.error, s.by_severity.warning, s.by_severity.info
    )?;
    for (code, n) in &s.by_code {
        writeln!(out, "  {code:<24} {n:>6}")?;
    }
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

/// One line per input file: what it was read as, its rows and its issues.
fn input_files(out: &mut impl std::io::Write, m: &crate::manifest::Manifest) -> std::io::Result<()> {
    writeln!(out, "\nInput files: {}", m.inputs.len())?;
    let width = m.inputs.iter().map(|f| f.path.len()).max().unwrap_or(0).min(48);
    for f in &m.inputs {
        let kind = f.table.as_deref().unwrap_or("not recognised");
        let i = &f.issues;
        writeln!(out, "  {:<width$} {:<28} {:>8} rows {:>6} errors {:>6} warnings", f.path, kind, f.rows, i.error, i.warning)?;
    }
    Ok(())
}
