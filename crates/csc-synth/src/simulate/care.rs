//! Periods of care: looked-after children on each 31 March and children starting care each year
//! as published, placements and their changes, legal status, UASC, and a few disabled children
//! on short breaks (looked after under V3, which DfE does not count as looked after).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::people::{chance, day_between, new_child, pick, Cohort};
use super::{shuffle, Kind, Period, Segment, World};
use crate::dates::{add_years, age, fy_end, fy_start};
use crate::targets::Targets;

/// Share of children starting care in a year who are still looked after on its 31 March.
const STILL_IN_CARE_AT_YEAR_END: f64 = 0.72;
/// Share of children starting care who are unaccompanied asylum seekers (England ≈ 7 %).
const UASC_SHARE: f64 = 0.07;

/// Builds the periods of care for financial years `first..=last`.
pub fn simulate(w: &mut World, t: &Targets, first: i32, last: i32, rng: &mut ChaCha8Rng) {
    let d0 = fy_end(first - 1);
    let mut open: Vec<usize> = Vec::new();
    // The stock on the 31 March before the first simulated year, already in care for a while.
    for _ in 0..t.year(first - 1).cla_at31.count() {
        let cohort = if chance(rng, UASC_SHARE) { Cohort::Uasc } else { Cohort::Care };
        let child = new_child(rng, cohort, d0, 16);
        let in_care_days = (rng.random::<f64>().powi(2) * 2500.0) as i32 + 1;
        let start = (d0 - in_care_days).max(child.dob.max(d0 - 6000));
        open.push(add_period(w, rng, child, start));
    }
    for y in first..=last {
        let (fs, fe) = (fy_start(y), fy_end(y));
        let ty = t.year(y);
        let target = ty.cla_at31.count();
        let starts = ty.cla_starts.count();
        let mut eligible: Vec<usize> = Vec::new();
        let mut leaving: Vec<usize> = Vec::new();
        for &p in &open {
            if age(w.children[w.periods[p].child].dob, fe) < 18 {
                eligible.push(p);
            } else {
                leaving.push(p);
            }
        }
        shuffle(rng, &mut eligible);
        let mut new_open = ((STILL_IN_CARE_AT_YEAR_END * starts as f64).round() as usize).min(target);
        let carry = (target - new_open).min(eligible.len());
        new_open = target - carry;
        leaving.extend(eligible.drain(carry..));
        for p in leaving {
            let dob = w.children[w.periods[p].child].dob;
            let adult = add_years(dob, 18);
            let start = w.periods[p].start;
            let end = if adult <= fe { adult.max(fs) } else { day_between(rng, fs.max(start + 1), fe) };
            end_period(w, rng, p, end);
        }
        open = eligible;
        for i in 0..starts.max(new_open) {
            let stays = i < new_open;
            let start = day_between(rng, fs, if stays { fe } else { fe - 7 });
            let cohort = if chance(rng, UASC_SHARE) { Cohort::Uasc } else { Cohort::Care };
            let child = new_child(rng, cohort, start, 16);
            let p = add_period(w, rng, child, start);
            if stays {
                open.push(p);
            } else {
                let end = day_between(rng, start + 1, fe);
                end_period(w, rng, p, end);
            }
        }
    }
    short_breaks(w, t, first, last, rng);
    let moves = moves(w, t, first, last, rng);
    for (p, cuts) in moves.iter().enumerate() {
        if !w.periods[p].short_break {
            place(w, rng, p, cuts);
            let e = w.periods[p].episode;
            w.assess(rng, e, "Looked after", false);
        }
    }
}

/// Starts a period of care for a new child, with the referral that led to it.
fn add_period(w: &mut World, rng: &mut ChaCha8Rng, child: super::Child, start: i32) -> usize {
    let under5 = age(child.dob, start) < 5;
    let legal_status = if child.uasc {
        "V2"
    } else if under5 {
        pick(rng, &[("C2", 40.0), ("C1", 22.0), ("V2", 28.0), ("E1", 10.0)])
    } else {
        pick(rng, &[("C2", 38.0), ("C1", 14.0), ("V2", 48.0)])
    };
    w.children.push(child);
    let c = w.children.len() - 1;
    let referral = (start - rng.random_range(0..90)).max(w.children[c].dob);
    let e = w.add_episode(rng, referral, None, Kind::Care);
    w.episodes[e].child = Some(c);
    w.episodes[e].need = if w.children[c].uasc {
        "N8"
    } else {
        pick(rng, &[("N1", 65.0), ("N2", 3.0), ("N4", 6.0), ("N5", 14.0), ("N8", 9.0), ("N6", 3.0)])
    };
    w.periods.push(Period {
        child: c,
        episode: e,
        start,
        end: None,
        end_reason: "",
        legal_status,
        short_break: false,
        segments: Vec::new(),
    });
    w.periods.len() - 1
}

/// Ends period `p` on `end` with a reason fitting the child's age then; the referral's episode
/// closes with it.
fn end_period(w: &mut World, rng: &mut ChaCha8Rng, p: usize, end: i32) {
    let dob = w.children[w.periods[p].child].dob;
    let years = age(dob, end);
    let reason = if years >= 18 {
        pick(rng, &[("E17", 25.0), ("E5", 55.0), ("E6", 20.0)])
    } else if years >= 16 {
        pick(rng, &[("E4A", 30.0), ("E5", 25.0), ("E13", 12.0), ("E8", 13.0), ("E3", 5.0), ("E4B", 15.0)])
    } else if years < 6 {
        pick(rng, &[("E4A", 35.0), ("E11", 15.0), ("E12", 8.0), ("E45", 8.0), ("E47", 10.0), ("E41", 8.0), ("E13", 8.0), ("E8", 8.0)])
    } else {
        pick(rng, &[("E4A", 45.0), ("E4B", 10.0), ("E45", 6.0), ("E47", 8.0), ("E41", 8.0), ("E13", 10.0), ("E3", 4.0), ("E8", 9.0)])
    };
    let period = &mut w.periods[p];
    period.end = Some(end);
    period.end_reason = reason;
    let e = period.episode;
    w.episodes[e].close = Some(end);
    w.episodes[e].close_reason = match reason {
        "E11" | "E12" => "RC1",
        "E41" => "RC3",
        "E45" | "E47" => "RC4",
        "E3" => "RC5",
        _ => "RC7",
    };
}

/// Share of the other children in care in a year who move placement once in it.
const ONE_MOVE_SHARE: f64 = 0.2;
/// Share of the children with three or more placements in a year who have four or more.
const FOUR_PLUS_SHARE: f64 = 0.25;

/// The dates each period of care moves to a new placement, year by year. In each year exactly
/// the published share of the children looked after on its 31 March have three or more
/// placements during it (DfE placement stability, measured as `sql/measures/
/// cla_placement_count_bands.sql` does: the placement held on 1 April, or the first one, plus
/// the moves in the year), teenagers more often than younger children; some of the others move
/// once. Moves keep a week clear of the year's ends, so each year's placements are its own.
fn moves(w: &World, t: &Targets, first: i32, last: i32, rng: &mut ChaCha8Rng) -> Vec<Vec<i32>> {
    let mut cuts: Vec<Vec<i32>> = vec![Vec::new(); w.periods.len()];
    for y in first..=last {
        let (fs, fe) = (fy_start(y), fy_end(y));
        let mut cohort: Vec<usize> = Vec::new();
        let mut leaving: Vec<usize> = Vec::new();
        for (p, period) in w.periods.iter().enumerate() {
            if period.short_break || period.start > fe || period.end.is_some_and(|e| e < fs) {
                continue;
            }
            if period.end.is_none_or(|e| e > fe) {
                cohort.push(p);
            } else {
                leaving.push(p);
            }
        }
        // The first and last days a move may fall on this year.
        let range = |p: usize| {
            let period = &w.periods[p];
            (period.start.max(fs) + 7, period.end.map_or(fe, |e| e.min(fe)) - 7)
        };
        let wanted = (t.year(y).cla_3plus_pct.value / 100.0 * cohort.len() as f64).round() as usize;
        // Weighted sampling without replacement (key u^(1/weight)): teenagers move most.
        let mut ranked: Vec<(f64, usize)> = cohort
            .iter()
            .filter(|&&p| range(p).1 - range(p).0 >= 14)
            .map(|&p| {
                let weight = match age(w.children[w.periods[p].child].dob, fe) {
                    13.. => 3.0,
                    5..=12 => 1.5,
                    _ => 1.0,
                };
                (rng.random::<f64>().powf(1.0 / weight), p)
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut unstable = vec![false; w.periods.len()];
        for &(_, p) in ranked.iter().take(wanted) {
            unstable[p] = true;
        }
        for p in cohort.into_iter().chain(leaving) {
            let (lo, hi) = range(p);
            let n = if unstable[p] {
                2 + usize::from(chance(rng, FOUR_PLUS_SHARE))
            } else if hi >= lo && chance(rng, ONE_MOVE_SHARE) {
                1
            } else {
                0
            };
            // One move in each of n equal parts of the range: distinct days, in order.
            let width = f64::from(hi - lo + 1) / n.max(1) as f64;
            for k in 0..n {
                let a = lo + (width * k as f64) as i32;
                let b = (lo + (width * (k + 1) as f64) as i32 - 1).max(a);
                cuts[p].push(day_between(rng, a, b));
            }
        }
    }
    cuts
}

/// Splits period `p` into placements at the move dates `cuts` (ascending).
fn place(w: &mut World, rng: &mut ChaCha8Rng, p: usize, cuts: &[i32]) {
    let (start, end) = (w.periods[p].start, w.periods[p].end);
    let dob = w.children[w.periods[p].child].dob;
    let mut bounds = vec![start];
    bounds.extend_from_slice(cuts);
    let mut segments = Vec::with_capacity(bounds.len());
    for (i, &s) in bounds.iter().enumerate() {
        let seg_end = bounds.get(i + 1).copied().or(end);
        let years_old = age(dob, s);
        let placement_type = if years_old < 1 && chance(rng, 0.15) {
            "R3"
        } else if years_old >= 16 {
            pick(rng, &[("H5", 20.0), ("K3", 20.0), ("U6", 25.0), ("U4", 10.0), ("K2", 15.0), ("P2", 5.0), ("U3", 5.0)])
        } else {
            pick(
                rng,
                &[
                    ("U6", 42.0),
                    ("U4", 16.0),
                    ("U3", 10.0),
                    ("U1", 6.0),
                    ("K2", 12.0),
                    ("P1", 5.0),
                    ("U5", 2.0),
                    ("R1", 2.0),
                    ("S1", 1.0),
                    ("Z1", 1.0),
                    ("K1", 1.0),
                    ("R2", 1.0),
                    ("R5", 1.0),
                ],
            )
        };
        let provider = match placement_type {
            "P1" | "P2" => "PR0",
            "K2" | "H5" | "K3" => pick(rng, &[("PR1", 20.0), ("PR4", 70.0), ("PR5", 10.0)]),
            _ => pick(rng, &[("PR1", 62.0), ("PR4", 33.0), ("PR2", 3.0), ("PR5", 2.0)]),
        };
        let reason_new = if i == 0 { "S" } else { pick(rng, &[("P", 70.0), ("T", 15.0), ("B", 10.0), ("U", 5.0)]) };
        let change_reason = if seg_end.is_some() && i + 1 < bounds.len() {
            pick(
                rng,
                &[
                    ("CARPL", 35.0),
                    ("CREQB", 15.0),
                    ("CREQO", 14.0),
                    ("CHILD", 6.0),
                    ("STAND", 5.0),
                    ("LAREQ", 10.0),
                    ("ALLEG", 3.0),
                    ("CLOSE", 5.0),
                    ("OTHER", 7.0),
                ],
            )
        } else {
            ""
        };
        let far = chance(rng, 0.2);
        let (postcode, distance) = w.sectors.placement(rng, far);
        segments.push(Segment { start: s, end: seg_end, reason_new, placement_type, provider, postcode, distance, change_reason });
    }
    w.periods[p].segments = segments;
}

/// A few disabled children receive short breaks (V3) all through the years: a handful of short
/// stays a year, none spanning 31 March. Their CIN episodes stay open.
fn short_breaks(w: &mut World, t: &Targets, first: i32, last: i32, rng: &mut ChaCha8Rng) {
    let n = ((t.year(first).cla_at31.value * 0.03).round() as usize).max(2);
    for _ in 0..n {
        let known = fy_start(first - 1) + rng.random_range(0..365);
        let child = new_child(rng, Cohort::ShortBreaks, known, 12);
        let adult = add_years(child.dob, 18);
        w.children.push(child);
        let c = w.children.len() - 1;
        let e = w.add_episode(rng, known, (adult <= fy_end(last)).then_some(adult), Kind::ShortBreaks);
        w.episodes[e].child = Some(c);
        w.assess(rng, e, "Short breaks", false);
        // Stays of one child never overlap (one episode of care at a time).
        let mut stays: Vec<(i32, i32)> = Vec::new();
        for y in first..=last {
            let (fs, fe) = (fy_start(y), fy_end(y));
            for _ in 0..rng.random_range(3..=6) {
                let start = day_between(rng, fs.max(known + 1), fe - 10);
                let end = start + rng.random_range(1..=4);
                if end >= adult || end >= fe || stays.iter().any(|&(s, e)| start < e && s < end) {
                    continue;
                }
                stays.push((start, end));
                let (postcode, distance) = w.sectors.placement(rng, false);
                w.periods.push(Period {
                    child: c,
                    episode: e,
                    start,
                    end: Some(end),
                    end_reason: "E4A",
                    legal_status: "V3",
                    short_break: true,
                    segments: vec![Segment {
                        start,
                        end: Some(end),
                        reason_new: "S",
                        placement_type: pick(rng, &[("K2", 60.0), ("U6", 40.0)]),
                        provider: "PR1",
                        postcode,
                        distance,
                        change_reason: "",
                    }],
                });
            }
        }
    }
}
