//! Measures that moved sharply since the last published run: the check a nightly run makes so
//! that a lost file or a broken export shows up as "referrals fell by 60 %" in the run summary
//! and the manifest, instead of in next month's board report.
//!
//! Each run records a headline value per measure id in its manifest: the latest rolling 12
//! months where the measure has one, else its latest month. The next run compares its own
//! headlines with the published run's. A move is sharp when a percentage moves by at least
//! [`PERCENT_POINTS`] points, or any other measure by at least [`RELATIVE`] of its previous value
//! and by at least [`MIN_ABSOLUTE`] (so 2 → 3 children is not an alarm), or a value appears or
//! disappears.

use std::collections::{BTreeMap, HashMap};

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{Date32Type, Float64Type};
use serde::{Deserialize, Serialize};

use crate::normalise::cells::from_date32;

/// Change in percentage points that counts as sharp for percentage measures.
pub const PERCENT_POINTS: f64 = 10.0;
/// Relative change that counts as sharp for counts, rates, days and averages.
pub const RELATIVE: f64 = 0.25;
/// Smallest absolute change that can count as sharp for those.
pub const MIN_ABSOLUTE: f64 = 5.0;

/// A measure's value for the period it is compared on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Headline {
    pub measure_id: String,
    pub period_type: String,
    pub period_end: String,
    pub value: Option<f64>,
}

/// A sharp move between two runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Move {
    pub measure_id: String,
    pub previous: Option<f64>,
    pub current: Option<f64>,
    /// The previous and current periods compared (they differ when the as-at date moved).
    pub previous_period_end: String,
    pub current_period_end: String,
}

impl std::fmt::Display for Move {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = |x: Option<f64>| x.map_or("none".to_string(), |x| format!("{x:.1}"));
        write!(f, "{}: {} → {}", self.measure_id, v(self.previous), v(self.current))?;
        if let (Some(p), Some(c)) = (self.previous, self.current) {
            if p != 0.0 {
                write!(f, " ({:+.0} %)", (c - p) / p.abs() * 100.0)?;
            }
        }
        write!(f, " (periods to {} and {})", self.previous_period_end, self.current_period_end)
    }
}

/// The headline value of every measure in a fact table: its latest rolling 12 months, or its
/// latest month where it has no rolling periods.
pub fn headlines(fact: &RecordBatch) -> Vec<Headline> {
    let (Some(ids), Some(types), Some(ends), Some(values)) = (
        fact.column_by_name("measure_id"),
        fact.column_by_name("period_type"),
        fact.column_by_name("period_end"),
        fact.column_by_name("value"),
    ) else {
        return Vec::new();
    };
    let (ids, types, ends, values) =
        (ids.as_string::<i32>(), types.as_string::<i32>(), ends.as_primitive::<Date32Type>(), values.as_primitive::<Float64Type>());
    // Per measure: (rank of period type, period end) → row; rolling 12 months outranks month.
    let mut best: BTreeMap<&str, ((u8, i32), usize)> = BTreeMap::new();
    for i in 0..fact.num_rows() {
        let rank = match types.value(i) {
            "rolling_12_months" => 2,
            "month" => 1,
            _ => continue,
        };
        let key = (rank, ends.value(i));
        let entry = best.entry(ids.value(i)).or_insert((key, i));
        if key > entry.0 {
            *entry = (key, i);
        }
    }
    best.into_iter()
        .map(|(id, (_, i))| Headline {
            measure_id: id.to_string(),
            period_type: types.value(i).to_string(),
            period_end: from_date32(ends.value(i)).to_string(),
            value: values.is_valid(i).then(|| values.value(i)),
        })
        .collect()
}

/// The measures whose headline moved sharply between two runs. `units` gives each measure's
/// unit (from the measure SQL headers); measures compared on different period types are
/// skipped (a change of definition, not of data).
pub fn sharp_moves(previous: &[Headline], current: &[Headline], units: &HashMap<String, (String, String)>) -> Vec<Move> {
    let before: HashMap<&str, &Headline> = previous.iter().map(|h| (h.measure_id.as_str(), h)).collect();
    let mut moves = Vec::new();
    for now in current {
        let Some(then) = before.get(now.measure_id.as_str()) else { continue };
        if then.period_type != now.period_type {
            continue;
        }
        let percent = units.get(&now.measure_id).is_some_and(|(unit, _)| unit == "percent");
        let sharp = match (then.value, now.value) {
            (None, None) => false,
            (Some(_), None) | (None, Some(_)) => true,
            (Some(p), Some(c)) if percent => (c - p).abs() >= PERCENT_POINTS,
            (Some(p), Some(c)) => (c - p).abs() >= MIN_ABSOLUTE && (c - p).abs() >= RELATIVE * p.abs(),
        };
        if sharp {
            moves.push(Move {
                measure_id: now.measure_id.clone(),
                previous: then.value,
                current: now.value,
                previous_period_end: then.period_end.clone(),
                current_period_end: now.period_end.clone(),
            });
        }
    }
    moves
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(id: &str, value: Option<f64>) -> Headline {
        Headline { measure_id: id.into(), period_type: "rolling_12_months".into(), period_end: "2023-03-31".into(), value }
    }

    #[test]
    fn flags_large_relative_moves_percentage_points_and_gaps_only() {
        let units: HashMap<String, (String, String)> =
            [("referrals", "count"), ("small", "count"), ("timely_pct", "percent"), ("steady_pct", "percent"), ("gone", "count")]
                .iter()
                .map(|(i, u)| (i.to_string(), (u.to_string(), "neutral".to_string())))
                .collect();
        let before = [
            h("referrals", Some(4000.0)),
            h("small", Some(2.0)),
            h("timely_pct", Some(80.0)),
            h("steady_pct", Some(80.0)),
            h("gone", Some(10.0)),
        ];
        let after = [
            h("referrals", Some(1600.0)),
            h("small", Some(4.0)),
            h("timely_pct", Some(69.0)),
            h("steady_pct", Some(75.0)),
            h("gone", None),
        ];
        let moved: Vec<String> = sharp_moves(&before, &after, &units).into_iter().map(|m| m.measure_id).collect();
        assert_eq!(moved, ["referrals", "timely_pct", "gone"]);
    }

    #[test]
    fn a_change_of_period_type_is_not_a_move() {
        let mut month = h("referrals", Some(10.0));
        month.period_type = "month".into();
        assert!(sharp_moves(&[h("referrals", Some(4000.0))], &[month], &HashMap::new()).is_empty());
    }
}
