//! Child protection: CP plans whose count and D5 duration bands on each 31 March, and whose
//! starts each year, are the published ones; the ICPC that started each plan (and the ICPCs that
//! led to no plan), the S47 enquiry before each conference — a published share within 15 working
//! days — and the referral before that.
//!
//! A plan open on 31 March of year `y` and started in that financial year falls in one of the
//! first three D5 bands; started in year `y-1`, in "1 to 2 years"; earlier, in "2 years or more".
//! So the plans kept open on each 31 March are chosen band by band: new plans in the year's
//! three windows, then the right number of last year's plans carried on.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::people::{self, chance, day_between, pick};
use super::{apportion, shuffle, Icpc, Kind, Plan, World, S47};
use crate::dates::{cp_band, fy_end, fy_of, fy_start, working_day_near};
use crate::targets::Targets;

/// Builds CP plans and their conference, enquiry and referral for years `first..=last`.
pub fn simulate(w: &mut World, t: &Targets, first: i32, last: i32, rng: &mut ChaCha8Rng) {
    let y0 = first - 1;
    let d0 = fy_end(y0);
    let mut open: Vec<usize> = Vec::new();
    let bands0 = band_counts(t, y0);
    for (k, &n) in bands0.iter().enumerate() {
        let (lo, hi) = window(k, d0);
        for _ in 0..n {
            let start = working_day_near(day_between(rng, lo, hi), lo, hi);
            open.push(add_plan(w, rng, start));
        }
    }
    for y in first..=last {
        let (fs, fe, prev) = (fy_start(y), fy_end(y), fy_end(y - 1));
        let bands = band_counts(t, y);
        let (mut young, mut old): (Vec<usize>, Vec<usize>) = open.iter().partition(|&&p| cp_band(w.plans[p].start, prev) <= 2);
        shuffle(rng, &mut young);
        shuffle(rng, &mut old);
        let keep_young = bands[3].min(young.len());
        let keep_old = bands[4].min(old.len());
        let ending: Vec<usize> = young[keep_young..].iter().chain(&old[keep_old..]).copied().collect();
        for p in ending {
            let lo = fs.max(w.plans[p].start + 1);
            w.plans[p].end = Some(day_between(rng, lo, fe));
        }
        open = young[..keep_young].iter().chain(&old[..keep_old]).copied().collect();
        let windows: Vec<(i32, i32)> = (0..3).map(|k| window(k, fe)).map(|(lo, hi)| (lo.max(fs), hi.min(fe))).collect();
        for (k, &(lo, hi)) in windows.iter().enumerate() {
            for _ in 0..bands[k] {
                let start = working_day_near(day_between(rng, lo, hi), lo, hi);
                open.push(add_plan(w, rng, start));
            }
        }
        // Plans that start and end within the year.
        let staying = bands[0] + bands[1] + bands[2];
        let closers = t.year(y).cpp_starts.count().saturating_sub(staying);
        let weights: Vec<(usize, f64)> =
            windows.iter().enumerate().map(|(k, (lo, hi))| (k, f64::from(hi - lo + 1) * [0.3, 0.6, 1.0][k])).collect();
        for _ in 0..closers {
            let (lo, hi) = windows[pick(rng, &weights)];
            let start = working_day_near(day_between(rng, lo, hi), lo, hi);
            let p = add_plan(w, rng, start);
            w.plans[p].end = Some(day_between(rng, (start + 14).min(fe), fe));
        }
    }
    conferences(w, t, first, last, rng);
}

/// The D5 band counts for year `y`, whole numbers summing to the plans open on 31 March.
fn band_counts(t: &Targets, y: i32) -> Vec<usize> {
    let ty = t.year(y);
    let shares: Vec<f64> = ty.cpp_bands.iter().map(|b| b.value).collect();
    apportion(ty.cpp_at31.count(), &shares)
}

/// The start days (inclusive range) of plans in D5 band `k` on `at`, within three years.
fn window(k: usize, at: i32) -> (i32, i32) {
    let (mut lo, mut hi) = (i32::MAX, i32::MIN);
    for day in (at - 1100)..=at {
        if cp_band(day, at) == k {
            lo = lo.min(day);
            hi = hi.max(day);
        }
    }
    (lo, hi)
}

fn add_plan(w: &mut World, rng: &mut ChaCha8Rng, start: i32) -> usize {
    let category = pick(rng, people::CATEGORIES);
    let latest_category = if chance(rng, 0.12) { pick(rng, people::CATEGORIES) } else { category };
    w.plans.push(Plan { episode: usize::MAX, start, end: None, icpc: None, category, latest_category, history: false });
    w.plans.len() - 1
}

/// Working days from the S47 start to the ICPC: within 15 (mostly 11–15, as published), or late.
fn conference_delay(rng: &mut ChaCha8Rng, within: bool) -> i64 {
    if within {
        if chance(rng, 0.11) {
            rng.random_range(2..=10)
        } else {
            rng.random_range(11..=15)
        }
    } else if chance(rng, 0.55) {
        rng.random_range(16..=20)
    } else {
        rng.random_range(21..=45)
    }
}

/// Gives every plan its ICPC (or makes it a transfer-in when the year's plans outnumber its
/// ICPCs), adds the ICPCs that led to no plan, and builds the S47 and referral before each.
fn conferences(w: &mut World, t: &Targets, first: i32, last: i32, rng: &mut ChaCha8Rng) {
    let earliest = w.plans.iter().map(|p| fy_of(p.start)).min().unwrap_or(first);
    for y in earliest..=last {
        let ty = t.year(y);
        let mut plans: Vec<usize> = (0..w.plans.len()).filter(|&p| fy_of(w.plans[p].start) == y).collect();
        shuffle(rng, &mut plans);
        let target = ty.icpc.count();
        let with_icpc = plans.len().min(target);
        // (date, plan) of every ICPC of the year.
        let mut icpcs: Vec<(i32, Option<usize>)> = plans[..with_icpc].iter().map(|&p| (w.plans[p].start, Some(p))).collect();
        for &p in &plans[with_icpc..] {
            transfer_in(w, rng, p);
        }
        if y >= first {
            let (fs, fe) = (fy_start(y), fy_end(y));
            for _ in with_icpc..target {
                icpcs.push((working_day_near(day_between(rng, fs, fe), fs, fe), None));
            }
        }
        let within = (ty.icpc_15wd_pct.value / 100.0 * icpcs.len() as f64).round() as usize;
        shuffle(rng, &mut icpcs);
        for (i, (date, plan)) in icpcs.into_iter().enumerate() {
            journey(w, rng, date, plan, i < within);
        }
    }
}

/// S47 → ICPC on `date` (→ the plan, if any), with the referral before them.
fn journey(w: &mut World, rng: &mut ChaCha8Rng, date: i32, plan: Option<usize>, within: bool) {
    let wd = conference_delay(rng, within);
    let s47_start = people::working_days_after(date, -wd);
    let s47_end = people::working_days_after(s47_start, rng.random_range(3..=wd.max(3))).min(date);
    let referral = people::working_days_after(s47_start, -rng.random_range(0..=8));
    let e = match plan {
        Some(p) => {
            let end = w.plans[p].end;
            let step_down = end.filter(|_| chance(rng, 0.6)).map(|e| (e, e + rng.random_range(60..270)));
            let close = step_down.map(|(_, c)| c).or(end);
            let e = w.add_episode(rng, referral, close, Kind::Protection(p));
            w.episodes[e].cin_plan = step_down.map(|(s, c)| (s, Some(c)));
            w.plans[p].episode = e;
            e
        }
        None => {
            let cin_plan = chance(rng, 0.55);
            let close = date + if cin_plan { rng.random_range(90..400) } else { rng.random_range(3..40) };
            let e = w.add_episode(rng, referral, Some(close), Kind::Conference);
            if cin_plan {
                w.episodes[e].cin_plan = Some((date, Some(close)));
            }
            e
        }
    };
    w.assess(rng, e, "Strategy discussion", false);
    w.s47s.push(S47 { episode: e, start: s47_start, end: s47_end, to_icpc: true });
    w.icpcs.push(Icpc { episode: e, s47: w.s47s.len() - 1, date, plan });
    if let Some(p) = plan {
        w.plans[p].icpc = Some(w.icpcs.len() - 1);
    }
}

/// A plan transferred in from another authority: no S47 or ICPC here.
fn transfer_in(w: &mut World, rng: &mut ChaCha8Rng, p: usize) {
    let referral = w.plans[p].start - rng.random_range(0..6);
    let e = w.add_episode(rng, referral, w.plans[p].end, Kind::Protection(p));
    w.episodes[e].source = "5C";
    w.plans[p].episode = e;
    w.assess(rng, e, "Child protection transfer in", false);
}
