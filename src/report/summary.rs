//! The short summary `csc run` and `csc demo` print when a run finishes.

/// Writes a short human summary of a finished run: where the warehouse is, the latest financial
/// year's measures and the data-quality issue counts.
pub fn run_summary(out: &mut impl std::io::Write, outcome: &crate::run::RunOutcome) -> std::io::Result<()> {
    use datafusion::arrow::array::{Array, Date32Array, Float64Array, StringArray};
    let m = &outcome.manifest;
    writeln!(out, "Run {} {} for {} ({}), as at {}", m.run_id, m.status, m.la_name, m.la_code, m.as_at)?;
    if m.status == "skipped" {
        writeln!(out, "Nothing changed since the last successful run ({}); the warehouse {} is current. Use --force to run anyway.", m.error.as_deref().unwrap_or(""), outcome.warehouse)?;
        return Ok(());
    }
    writeln!(out, "Warehouse: {}", outcome.warehouse)?;
    writeln!(out, "  measures:  {}/marts/fact_measure/ ({} rows, partitioned by financial_year)", outcome.warehouse, m.measures.rows)?;
    writeln!(out, "  core:      {}/core/<table>/", outcome.warehouse)?;
    writeln!(out, "  quality:   {}/quality/issues/", outcome.warehouse)?;
    writeln!(out, "  restricted (identifiable core, Annex A lists, raw issues): {}/restricted/", outcome.warehouse)?;
    writeln!(out, "  manifest:  {}/_runs/{}.json", outcome.warehouse, m.run_id)?;
    let f = &outcome.fact;
    let col = |name: &str| f.column_by_name(name).cloned();
    let (Some(ids), Some(types), Some(starts), Some(ends), Some(values), Some(years)) =
        (col("measure_id"), col("period_type"), col("period_start"), col("period_end"), col("value"), col("financial_year"))
    else {
        return Ok(());
    };
    let ids = ids.as_any().downcast_ref::<StringArray>();
    let types = types.as_any().downcast_ref::<StringArray>();
    let starts = starts.as_any().downcast_ref::<Date32Array>();
    let ends = ends.as_any().downcast_ref::<Date32Array>();
    let values = values.as_any().downcast_ref::<Float64Array>();
    let years = years.as_any().downcast_ref::<StringArray>();
    let (Some(ids), Some(types), Some(starts), Some(ends), Some(values), Some(years)) = (ids, types, starts, ends, values, years) else {
        return Ok(());
    };
    let rows: Vec<usize> = (0..f.num_rows()).filter(|&i| types.value(i) == "financial_year").collect();
    if let Some(&latest) = rows.iter().max_by_key(|&&i| starts.value(i)) {
        let year = years.value(latest);
        writeln!(out, "\nFinancial year {year} (to {}):", crate::normalise::cells::from_date32(ends.value(latest)))?;
        for &i in rows.iter().filter(|&&i| years.value(i) == year) {
            let v = if values.is_null(i) { "n/a".to_string() } else { format!("{:.1}", values.value(i)) };
            writeln!(out, "  {:<34} {v:>10}", ids.value(i))?;
        }
    }
    if !m.moved_sharply.is_empty() {
        writeln!(out, "\nMeasures that moved sharply since the last published run (check the inputs before sharing):")?;
        for mv in &m.moved_sharply {
            writeln!(out, "  {mv}")?;
        }
    }
    input_files(out, m)?;
    let s = &m.issues;
    writeln!(out, "\nData-quality issues: {} ({} errors, {} warnings, {} notes)", s.total, s.by_severity.error, s.by_severity.warning, s.by_severity.info)?;
    for (code, n) in &s.by_code {
        writeln!(out, "  {code:<24} {n:>6}")?;
    }
    Ok(())
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
