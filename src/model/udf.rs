//! Rust functions the measure SQL calls, registered in every DataFusion session:
//!
//! | SQL | returns |
//! |---|---|
//! | `working_days(start, end)` | elapsed England and Wales working days (DfE tables: same day = 0) |
//! | `working_days_inclusive(start, end)` | working days counting the start day (DfE validator) |
//! | `add_working_days(date, n)` | the date `n` working days later |
//! | `days_between(start, end)` | calendar days from start to end (action lists) |
//! | `age_at(date_of_birth, date)` | age in whole years |
//! | `financial_year(date)` | `2022-23` |
//! | `financial_year_start(date)` | 1 April of that year |
//! | `la_population_0_17(la_code, date)` | ONS 0–17 population of the mid-year before the end of the financial year containing `date` |
//! | `placement_la(postcode)` | the SSDA903 `PL_LA` of a placement postcode (or sector): its upper-tier LA's GSS code, or `SCO`, `WAL`, `NIR` |
//! | `placement_la_name(postcode)` | that LA's name, or `Scotland`, `Wales`, `Northern Ireland` |
//! | `placement_location(postcode, la_code)` | `PL_LOCATION`: `IN` when the placement is in LA `la_code` (DfE or GSS code), else `OUT` |
//! | `postcode_distance_miles(home, placement)` | `PL_DISTANCE`: miles between two postcodes' sector centroids, one decimal place |
//!
//! The postcode functions use `reference/postcodes` ([`crate::reference::postcodes`]) and return
//! NULL for a postcode whose sector and district are not in it.
//!
//! Every function returns NULL when an argument is NULL.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Date32Array, Float64Array, Int32Array, Int64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Date32Type, Int64Type};
use datafusion::common::{exec_err, Result as DfResult};
use datafusion::logical_expr::{create_udf, ColumnarValue, ScalarUDF, Volatility};
use datafusion::prelude::SessionContext;

use chrono::Datelike;

use crate::calendar::{age_at, financial_year_label, financial_year_start, Calendar, Counting};
use crate::normalise::cells::{date32, from_date32};

/// Registers every function with a session.
pub fn register(ctx: &SessionContext, population: &datafusion::arrow::array::RecordBatch) {
    let cal = Calendar::england_and_wales();
    let date2 = |name: &str, f: fn(&Calendar, i32, i32) -> i64| -> ScalarUDF {
        create_udf(
            name,
            vec![DataType::Date32, DataType::Date32],
            DataType::Int64,
            Volatility::Immutable,
            Arc::new(move |args: &[ColumnarValue]| {
                let arrays = ColumnarValue::values_to_arrays(args)?;
                let (a, b) = (dates(&arrays[0])?, dates(&arrays[1])?);
                let out: Int64Array = a.iter().zip(b.iter()).map(|(x, y)| Some(f(cal, x?, y?))).collect();
                Ok(ColumnarValue::Array(Arc::new(out)))
            }),
        )
    };
    ctx.register_udf(date2("working_days", |c, a, b| c.working_days(a, b, Counting::Elapsed)));
    ctx.register_udf(date2("working_days_inclusive", |c, a, b| c.working_days(a, b, Counting::Inclusive)));
    // Calendar days from the first date to the second (negative when the second is earlier).
    ctx.register_udf(date2("days_between", |_, a, b| i64::from(b) - i64::from(a)));
    ctx.register_udf(create_udf(
        "add_working_days",
        vec![DataType::Date32, DataType::Int64],
        DataType::Date32,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let start = dates(&arrays[0])?;
            let n = arrays[1]
                .as_primitive_opt::<Int64Type>()
                .ok_or_else(|| datafusion::error::DataFusionError::Execution("add_working_days: n must be an integer".into()))?;
            let out: Date32Array = start.iter().zip(n.iter()).map(|(d, n)| Some(cal.add_working_days(d?, n?))).collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    ));
    ctx.register_udf(create_udf(
        "age_at",
        vec![DataType::Date32, DataType::Date32],
        DataType::Int32,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let (born, on) = (dates(&arrays[0])?, dates(&arrays[1])?);
            let out: Int32Array = born.iter().zip(on.iter()).map(|(b, o)| age_at(from_date32(b?), from_date32(o?))).collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    ));
    ctx.register_udf(create_udf(
        "financial_year",
        vec![DataType::Date32],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let out: StringArray = dates(&arrays[0])?.iter().map(|d| d.map(|d| financial_year_label(from_date32(d)))).collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    ));
    ctx.register_udf(create_udf(
        "financial_year_start",
        vec![DataType::Date32],
        DataType::Date32,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let out: Date32Array = dates(&arrays[0])?.iter().map(|d| d.map(|d| date32(financial_year_start(from_date32(d))))).collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    ));
    register_postcode_functions(ctx);
    let lookup = population_lookup(population);
    ctx.register_udf(create_udf(
        "la_population_0_17",
        vec![DataType::Utf8, DataType::Date32],
        DataType::Int64,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let codes = datafusion::arrow::compute::cast(&arrays[0], &DataType::Utf8)?;
            let codes = codes.as_string::<i32>();
            let days = dates(&arrays[1])?;
            let out: Int64Array = codes
                .iter()
                .zip(days.iter())
                .map(|(code, day)| {
                    // DfE: a year ending 31 March Y uses the mid-(Y-1) estimate, the mid-year in
                    // which the financial year starts.
                    let year = financial_year_start(from_date32(day?)).year();
                    lookup.get(&(code?.to_string(), year)).copied()
                })
                .collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    ));
}

/// The placement functions over postcodes (see the module docs).
fn register_postcode_functions(ctx: &SessionContext) {
    use crate::reference::postcodes::{pl_la_name, postcodes};
    let text1 = |name: &str, f: fn(&str) -> Option<String>| {
        create_udf(
            name,
            vec![DataType::Utf8],
            DataType::Utf8,
            Volatility::Immutable,
            Arc::new(move |args: &[ColumnarValue]| {
                let arrays = ColumnarValue::values_to_arrays(args)?;
                let a = datafusion::arrow::compute::cast(&arrays[0], &DataType::Utf8)?;
                let out: StringArray = a.as_string::<i32>().iter().map(|v| f(v?)).collect();
                Ok(ColumnarValue::Array(Arc::new(out)))
            }),
        )
    };
    ctx.register_udf(text1("placement_la", |p| postcodes().pl_la(p).map(str::to_string)));
    ctx.register_udf(text1("placement_la_name", pl_la_name));
    ctx.register_udf(create_udf(
        "placement_location",
        vec![DataType::Utf8, DataType::Utf8],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let out: StringArray =
                text_pairs(args)?.into_iter().map(|(p, la)| postcodes().pl_location(&p?, &la?).map(str::to_string)).collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    ));
    ctx.register_udf(create_udf(
        "postcode_distance_miles",
        vec![DataType::Utf8, DataType::Utf8],
        DataType::Float64,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let out: Float64Array = text_pairs(args)?.into_iter().map(|(a, b)| postcodes().distance_miles(&a?, &b?)).collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    ));
}

/// The two text arguments of a function, row by row.
fn text_pairs(args: &[ColumnarValue]) -> DfResult<Vec<(Option<String>, Option<String>)>> {
    let arrays = ColumnarValue::values_to_arrays(args)?;
    let a = datafusion::arrow::compute::cast(&arrays[0], &DataType::Utf8)?;
    let b = datafusion::arrow::compute::cast(&arrays[1], &DataType::Utf8)?;
    Ok(a.as_string::<i32>().iter().zip(b.as_string::<i32>().iter()).map(|(x, y)| (x.map(str::to_string), y.map(str::to_string))).collect())
}

fn dates(a: &ArrayRef) -> DfResult<&Date32Array> {
    match a.as_primitive_opt::<Date32Type>() {
        Some(d) => Ok(d),
        None => exec_err!("expected a date, got {}", a.data_type()),
    }
}

/// (LA code, mid-year) → population, from the `ref_population` batch.
fn population_lookup(batch: &datafusion::arrow::array::RecordBatch) -> HashMap<(String, i32), i64> {
    let mut map = HashMap::new();
    let (Some(year), Some(level), Some(code), Some(pop)) = (
        batch.column_by_name("year").and_then(|c| c.as_primitive_opt::<datafusion::arrow::datatypes::Int32Type>()),
        batch.column_by_name("geographic_level").and_then(|c| c.as_string_opt::<i32>()),
        batch.column_by_name("la_code").and_then(|c| c.as_string_opt::<i32>()),
        batch.column_by_name("population_0_17").and_then(|c| c.as_primitive_opt::<Int64Type>()),
    ) else {
        return map;
    };
    for i in 0..batch.num_rows() {
        if level.value(i) == "Local authority" && code.is_valid(i) {
            map.insert((code.value(i).to_string(), year.value(i)), pop.value(i));
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::RecordBatch;

    async fn one_row(sql: &str) -> RecordBatch {
        let ctx = SessionContext::new();
        register(&ctx, &crate::reference::population_batch().unwrap());
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        batches.into_iter().find(|b| b.num_rows() > 0).unwrap()
    }

    #[tokio::test]
    async fn working_day_functions_in_sql() {
        // ICPC exactly 15 working days after an S47 started Thu 1 Sep 2022, across the state
        // funeral (Mon 19 Sep): Fri 23 Sep. Inclusive counting makes it 16.
        let b = one_row(
            "SELECT working_days(DATE '2022-09-01', DATE '2022-09-23'), working_days_inclusive(DATE '2022-09-01', DATE '2022-09-23'), \
             add_working_days(DATE '2022-09-01', 15), working_days(NULL, DATE '2022-09-23')",
        )
        .await;
        assert_eq!(b.column(0).as_primitive::<Int64Type>().value(0), 15);
        assert_eq!(b.column(1).as_primitive::<Int64Type>().value(0), 16);
        assert_eq!(from_date32(b.column(2).as_primitive::<Date32Type>().value(0)).to_string(), "2022-09-23");
        assert!(b.column(3).is_null(0));
    }

    #[tokio::test]
    async fn age_financial_year_and_population_in_sql() {
        let b = one_row(
            "SELECT age_at(DATE '2005-04-01', DATE '2023-03-31'), financial_year(DATE '2023-03-31'), financial_year_start(DATE '2023-03-31'), \
             la_population_0_17('852', DATE '2022-04-01'), la_population_0_17('852', DATE '2022-03-31'), la_population_0_17('999', DATE '2022-03-31')",
        )
        .await;
        assert_eq!(b.column(0).as_primitive::<datafusion::arrow::datatypes::Int32Type>().value(0), 17);
        let fy = datafusion::arrow::compute::cast(b.column(1), &DataType::Utf8).unwrap();
        assert_eq!(fy.as_string::<i32>().value(0), "2022-23");
        assert_eq!(from_date32(b.column(2).as_primitive::<Date32Type>().value(0)).to_string(), "2022-04-01");
        // FY2022-23 uses mid-2022 (49,978); FY2021-22 uses mid-2021 (49,388).
        assert_eq!(b.column(3).as_primitive::<Int64Type>().value(0), 49_978);
        assert_eq!(b.column(4).as_primitive::<Int64Type>().value(0), 49_388);
        assert!(b.column(5).is_null(0));
    }

    #[tokio::test]
    async fn placement_postcode_functions_in_sql() {
        // Southampton (852) placing in Portsmouth, 15.7 miles away (the known answer in
        // src/reference/postcodes.rs); the analyst copy's sector-only postcodes work too.
        let b = one_row(
            "SELECT placement_la('PO1 1AA'), placement_la_name('PO1 1AA'), placement_location('PO1 1AA', '852'), placement_location('SO14 7', '852'), \
             postcode_distance_miles('SO14 7LY', 'PO1 1AA'), placement_la('nope'), postcode_distance_miles('SO14 7LY', NULL)",
        )
        .await;
        let text =
            |i: usize| datafusion::arrow::compute::cast(b.column(i), &DataType::Utf8).unwrap().as_string::<i32>().value(0).to_string();
        assert_eq!((text(0), text(1), text(2), text(3)), ("E06000044".into(), "Portsmouth".into(), "OUT".into(), "IN".into()));
        assert_eq!(b.column(4).as_primitive::<datafusion::arrow::datatypes::Float64Type>().value(0), 15.7);
        assert!(b.column(5).is_null(0) && b.column(6).is_null(0));
    }
}
