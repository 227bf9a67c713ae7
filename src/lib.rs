//! csc-pipeline: the nightly data pipeline for an English local authority's children's social
//! care records.
//!
//! The modules follow the data flow: [`extract`] finds and reads the exports, [`normalise`] types
//! them into the canonical core tables (recording every rejected cell in [`quality`]), [`model`]
//! runs the measure SQL in `sql/` with DataFusion, and [`publish`] writes the warehouse. [`run`]
//! ties the stages together; [`config`], [`reference`], [`schema`] and [`storage`] support them.

pub mod calendar;
pub mod config;
pub mod demo;
pub mod docs;
pub mod error;
pub mod extract;
pub mod logging;
pub mod manifest;
pub mod model;
pub mod normalise;
pub mod pseudonymise;
pub mod publish;
pub mod quality;
pub mod reference;
pub mod run;
pub mod schema;
pub mod storage;
pub mod synth;

pub use error::{Error, Result};

/// The version recorded in every run manifest: the crate version plus the git commit it was
/// built from, when the build could see one.
pub fn code_version() -> String {
    match option_env!("CSC_GIT_COMMIT") {
        Some(commit) if !commit.is_empty() => format!("{}+{}", env!("CARGO_PKG_VERSION"), commit),
        _ => env!("CARGO_PKG_VERSION").to_string(),
    }
}

/// Writes a short human summary of a finished run: where the warehouse is, the latest financial
/// year's measures and the data-quality issue counts.
pub fn report_summary(out: &mut impl std::io::Write, outcome: &run::RunOutcome) -> std::io::Result<()> {
    use datafusion::arrow::array::{Array, Date32Array, Float64Array, StringArray};
    let m = &outcome.manifest;
    writeln!(out, "Run {} {} for {} ({}), as at {}", m.run_id, m.status, m.la_name, m.la_code, m.as_at)?;
    writeln!(out, "Warehouse: {}", outcome.warehouse)?;
    writeln!(out, "  measures:  {}/marts/fact_measure/ ({} rows, partitioned by financial_year)", outcome.warehouse, m.measures.rows)?;
    writeln!(out, "  core:      {}/core/<table>/", outcome.warehouse)?;
    writeln!(out, "  quality:   {}/quality/issues/", outcome.warehouse)?;
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
        writeln!(out, "\nFinancial year {year} (to {}):", normalise::cells::from_date32(ends.value(latest)))?;
        for &i in rows.iter().filter(|&&i| years.value(i) == year) {
            let v = if values.is_null(i) { "n/a".to_string() } else { format!("{:.1}", values.value(i)) };
            writeln!(out, "  {:<34} {v:>10}", ids.value(i))?;
        }
    }
    let s = &m.issues;
    writeln!(out, "\nData-quality issues: {} ({} errors, {} warnings, {} notes)", s.total, s.by_severity.error, s.by_severity.warning, s.by_severity.info)?;
    for (code, n) in &s.by_code {
        writeln!(out, "  {code:<24} {n:>6}")?;
    }
    Ok(())
}
