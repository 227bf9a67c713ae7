//! Who each referral is about. Referrals are taken in date order; a child already known is
//! reused — one whose last referral was within 12 months, or whose CP plan ended — just often
//! enough that each year's re-referral share and second-or-subsequent plan share come out as
//! published (the running count is kept on target, so the year's share is met to within one
//! case). A child is never referred while an episode of theirs is open.
//!
//! When a referral or plan in the window is a repeat of one before the window, that earlier
//! record is marked to be written as history, so the extract shows why it is a repeat.

use std::collections::BTreeMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::people::{new_child, Cohort};
use super::{Kind, World};
use crate::dates::{add_months, age, fy_of, within_12_months, Window};
use crate::targets::Targets;

#[derive(Debug, Clone, Copy)]
struct State {
    /// Date and episode of the last referral.
    last_referral: Option<(i32, usize)>,
    /// The day the child's last episode closes (`i32::MAX` while open).
    busy_until: i32,
    last_plan: Option<usize>,
}

const UNKNOWN: State = State { last_referral: None, busy_until: i32::MIN, last_plan: None };

/// Running count of (cases, repeats) in a year, kept on the target share.
#[derive(Debug, Default, Clone, Copy)]
struct Share {
    n: usize,
    k: usize,
}

impl Share {
    fn want(&self, pct: f64) -> bool {
        (self.k as f64 + 0.5) < pct / 100.0 * (self.n + 1) as f64
    }
}

/// Assigns a child to every referral.
pub fn children(w: &mut World, t: &Targets, window: Window, rng: &mut ChaCha8Rng) {
    let mut order: Vec<usize> = (0..w.episodes.len()).collect();
    order.sort_by_key(|&e| (w.episodes[e].referral, e));
    let mut state: Vec<State> = vec![UNKNOWN; w.children.len()];
    // (referral date, child), in date order.
    let mut recent: Vec<(i32, usize)> = Vec::with_capacity(order.len());
    // (plan end, child) of every plan with an end.
    let mut plan_ended: Vec<(i32, usize)> = Vec::new();
    let mut rereferrals: BTreeMap<i32, Share> = BTreeMap::new();
    let mut subsequent: BTreeMap<i32, Share> = BTreeMap::new();
    for e in order {
        let d = w.episodes[e].referral;
        let y = fy_of(d);
        let plan = match w.episodes[e].kind {
            Kind::Protection(p) => Some(p),
            _ => None,
        };
        let child = match w.episodes[e].child {
            Some(c) => c,
            None => {
                let want_rr = rereferrals.entry(y).or_default().want(t.year(y).rereferral_pct.value);
                let mut chosen = None;
                if let Some(p) = plan {
                    let py = fy_of(w.plans[p].start);
                    if subsequent.entry(py).or_default().want(t.year(py).cpp_subsequent_pct.value) {
                        chosen = previous_plan_child(w, &state, &plan_ended, d, want_rr, rng);
                    }
                }
                if chosen.is_none() && want_rr {
                    let max_age = if plan.is_some() { 15 } else { 17 };
                    chosen = recent_child(w, &state, &recent, d, max_age, plan.is_some(), rng);
                }
                chosen.unwrap_or_else(|| {
                    let (cohort, max_age) = if plan.is_some() { (Cohort::Protection, 15) } else { (Cohort::Referral, 17) };
                    w.children.push(new_child(rng, cohort, d, max_age));
                    state.push(UNKNOWN);
                    w.children.len() - 1
                })
            }
        };
        if state.len() < w.children.len() {
            state.resize(w.children.len(), UNKNOWN);
        }
        let written = |start: i32, end: Option<i32>| window.touches(start, end);
        let ep_written = written(d, w.episodes[e].close);
        // Re-referral, as the report will measure it.
        let share = rereferrals.entry(y).or_default();
        share.n += 1;
        if let Some((prev, prev_e)) = state[child].last_referral {
            if within_12_months(prev, d) {
                share.k += 1;
                if ep_written && !written(prev, w.episodes[prev_e].close) {
                    w.episodes[prev_e].history = true;
                }
            }
        }
        if let Some(p) = plan {
            let share = subsequent.entry(fy_of(w.plans[p].start)).or_default();
            share.n += 1;
            if let Some(prev_p) = state[child].last_plan {
                share.k += 1;
                let (s, end) = (w.plans[p].start, w.plans[p].end);
                if written(s, end) && !written(w.plans[prev_p].start, w.plans[prev_p].end) {
                    w.plans[prev_p].history = true;
                }
            }
            if let Some(end) = w.plans[p].end {
                plan_ended.push((end, child));
            }
            state[child].last_plan = Some(p);
        }
        state[child].last_referral = Some((d, e));
        state[child].busy_until = w.episodes[e].close.unwrap_or(i32::MAX);
        recent.push((d, child));
        w.episodes[e].child = Some(child);
    }
}

fn free_and_aged(w: &World, s: &State, c: usize, d: i32, max_age: i32) -> bool {
    s.busy_until < d && w.children[c].dob <= d && age(w.children[c].dob, d) <= max_age
}

/// A child whose last referral was within the 12 months before `d` and who is free now.
fn recent_child(
    w: &World,
    state: &[State],
    recent: &[(i32, usize)],
    d: i32,
    max_age: i32,
    for_plan: bool,
    rng: &mut ChaCha8Rng,
) -> Option<usize> {
    let lo = recent.partition_point(|(r, _)| *r < add_months(d, -12));
    let hi = recent.partition_point(|(r, _)| *r <= d - 7);
    if lo >= hi {
        return None;
    }
    for _ in 0..24 {
        let (r, c) = recent[rng.random_range(lo..hi)];
        let s = &state[c];
        // Only the child's latest referral counts; a child with an earlier plan would make this
        // plan a subsequent one, which is decided separately.
        if s.last_referral.map(|(l, _)| l) == Some(r) && free_and_aged(w, s, c, d, max_age) && !(for_plan && s.last_plan.is_some()) {
            return Some(c);
        }
    }
    None
}

/// A child whose CP plan ended at least a month before `d`, free now, preferring one whose last
/// referral is (or is not) within 12 months as `want_rr` says.
fn previous_plan_child(
    w: &World,
    state: &[State],
    plan_ended: &[(i32, usize)],
    d: i32,
    want_rr: bool,
    rng: &mut ChaCha8Rng,
) -> Option<usize> {
    if plan_ended.is_empty() {
        return None;
    }
    let mut fallback = None;
    for _ in 0..40 {
        let (end, c) = plan_ended[rng.random_range(0..plan_ended.len())];
        let s = &state[c];
        if end + 30 >= d || !free_and_aged(w, s, c, d, 15) {
            continue;
        }
        let recent = s.last_referral.is_some_and(|(l, _)| within_12_months(l, d));
        if recent == want_rr {
            return Some(c);
        }
        fallback.get_or_insert(c);
    }
    fallback
}
