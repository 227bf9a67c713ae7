//! The rest of the front door: S47 enquiries that led to no conference, the referrals closed with
//! no further action or after assessment, the cases kept open on CIN plans so that the children
//! in need on 31 March match, and contacts (about five per referral).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::people::{self, chance, day_between, new_child, pick, Cohort};
use super::{shuffle, Contact, Kind, World, S47};
use crate::dates::{age, fy_end, fy_of, fy_start, working_day_near, Window};
use crate::targets::Targets;

/// Adds S47 enquiries without a conference until each year has its published S47 count.
pub fn enquiries(w: &mut World, t: &Targets, first: i32, last: i32, rng: &mut ChaCha8Rng) {
    for y in first..=last {
        let (fs, fe) = (fy_start(y), fy_end(y));
        let have = w.s47s.iter().filter(|s| fy_of(s.start) == y).count();
        for _ in have..t.year(y).s47.count() {
            let start = working_day_near(day_between(rng, fs, fe), fs, fe);
            let end = people::working_days_after(start, rng.random_range(5..=25));
            let referral = people::working_days_after(start, -rng.random_range(0..=5));
            let outcome = pick(rng, &[(0, 45.0), (1, 35.0), (2, 20.0)]);
            let close = match outcome {
                0 => Some(end + rng.random_range(0..20)),
                1 => Some(end + rng.random_range(60..300)),
                _ => None,
            };
            let e = w.add_episode(rng, referral, close, Kind::Enquiry);
            w.assess(rng, e, "Strategy discussion", false);
            match outcome {
                1 => w.episodes[e].cin_plan = Some((end, close)),
                2 => {
                    let auth = w.episodes[e].assessment.as_ref().and_then(|a| a.auth).unwrap_or(end);
                    w.episodes[e].close = Some(auth.max(end) + rng.random_range(0..=10));
                    w.episodes[e].close_reason = "RC8";
                }
                _ => w.episodes[e].close_reason = "RC8",
            }
            w.s47s.push(S47 { episode: e, start, end, to_icpc: false });
        }
    }
}

/// Adds the referrals each year still needs: a published share closed with no further action at
/// the referral, the rest closed after their assessment.
pub fn others(w: &mut World, t: &Targets, first: i32, last: i32, rng: &mut ChaCha8Rng) {
    for y in first..=last {
        let (fs, fe) = (fy_start(y), fy_end(y));
        let ty = t.year(y);
        let have = w.episodes.iter().filter(|e| fy_of(e.referral) == y).count();
        let total = ty.referrals.count();
        let missing = total.saturating_sub(have);
        let nfa = ((ty.nfa_pct.value / 100.0 * total as f64).round() as usize).min(missing);
        for i in 0..missing {
            let date = day_between(rng, fs, fe);
            if i < nfa {
                let e = w.add_episode(rng, date, Some(date), Kind::Other);
                w.episodes[e].nfa = true;
                w.episodes[e].close_reason = "RC8";
                continue;
            }
            let e = w.add_episode(rng, date, None, Kind::Other);
            let early_help = chance(rng, 0.35);
            w.assess(rng, e, if early_help { "Early help" } else { "No further action" }, true);
            let auth = w.episodes[e].assessment.as_ref().and_then(|a| a.auth).unwrap_or(date);
            w.episodes[e].close = Some(auth + rng.random_range(0..=10));
            w.episodes[e].close_reason = if early_help { "RC9" } else { "RC8" };
        }
    }
}

/// Keeps the published number of CIN episodes open on each 31 March: referrals of the year that
/// closed after assessment instead continue on a CIN plan past 31 March (some for more than a
/// year), or, when too many are open, CIN plans close before it.
pub fn balance_children_in_need(w: &mut World, t: &Targets, first: i32, last: i32, rng: &mut ChaCha8Rng) {
    for y in first..=last {
        let d = fy_end(y);
        let open = w.episodes.iter().filter(|e| e.open_on(d)).count();
        let target = t.year(y).cin_at31.count();
        if open < target {
            // This year's referrals closed after assessment first; then, for small authorities,
            // earlier referrals and enquiries that closed during the year.
            let closed_before = |e: &super::Episode| {
                // Closed during this year, so keeping it open changes no earlier 31 March.
                !e.nfa
                    && e.cin_plan.is_none()
                    && e.close.is_some_and(|c| c <= d && c > fy_end(y - 1))
                    && e.assessment.as_ref().and_then(|a| a.auth).is_some_and(|a| a <= d)
            };
            let mut first_choice: Vec<usize> = Vec::new();
            let mut second_choice: Vec<usize> = Vec::new();
            // Last, where referrals are few against the children in need (City of London):
            // children whose CP plan ended, or who left care, in the year going on to a CIN plan,
            // and referrals closed with no further action that are assessed instead.
            let mut third_choice: Vec<usize> = Vec::new();
            for (i, ep) in w.episodes.iter().enumerate() {
                let in_year = ep.close.is_some_and(|c| c <= d && c > fy_end(y - 1));
                if closed_before(ep) {
                    if ep.kind == Kind::Other && fy_of(ep.referral) == y {
                        first_choice.push(i);
                    } else if matches!(ep.kind, Kind::Other | Kind::Enquiry | Kind::Conference) {
                        second_choice.push(i);
                    }
                } else if in_year && ep.kind != Kind::ShortBreaks {
                    // A child who left care in the year going home on a CIN plan.
                    let plan_ended = match ep.kind {
                        Kind::Protection(p) => w.plans[p].end.is_some_and(|end| end <= d),
                        Kind::Care => ep.child.is_some_and(|c| age(w.children[c].dob, d) < 17),
                        _ => true,
                    };
                    if plan_ended && (!ep.nfa || ep.referral <= d - 30) {
                        third_choice.push(i);
                    }
                }
            }
            shuffle(rng, &mut first_choice);
            shuffle(rng, &mut second_choice);
            shuffle(rng, &mut third_choice);
            let wanted = target - open;
            for &e in third_choice.iter().take(wanted.saturating_sub(first_choice.len() + second_choice.len())) {
                let ep = &w.episodes[e];
                let after = match ep.kind {
                    Kind::Protection(p) => w.plans[p].end.unwrap_or(ep.referral),
                    Kind::Care => ep.close.unwrap_or(ep.referral),
                    _ => ep.referral,
                };
                if ep.nfa {
                    w.episodes[e].nfa = false;
                    w.episodes[e].close = Some(d + 1);
                    w.assess(rng, e, "CIN plan", false);
                }
                let ep = &mut w.episodes[e];
                let plan_start = ep
                    .cin_plan
                    .map(|(s, _)| s)
                    .unwrap_or_else(|| ep.assessment.as_ref().and_then(|a| a.auth).unwrap_or(after).max(after).min(d));
                ep.cin_plan = Some((plan_start, None));
                first_choice.push(e);
            }
            // Where children stay in need for years (many open cases for few referrals), plans
            // run longer.
            let per_referral = target as f64 / t.year(y).referrals.value.max(1.0);
            let long = (per_referral - 0.3).clamp(0.35, 0.95);
            for &e in first_choice.iter().chain(&second_choice).take(wanted) {
                let close = d + if chance(rng, 1.0 - long) { rng.random_range(1..=365) } else { rng.random_range(366..=1500) };
                let ep = &mut w.episodes[e];
                let plan_start = ep
                    .cin_plan
                    .map(|(s, _)| s)
                    .unwrap_or_else(|| ep.assessment.as_ref().and_then(|a| a.auth).unwrap_or(ep.referral).min(d));
                ep.close = Some(close);
                ep.close_reason = "RC7";
                ep.cin_plan = Some((plan_start, Some(close)));
                if let Some(a) = ep.assessment.as_mut() {
                    a.outcome = "CIN plan";
                    a.nfa = false;
                }
            }
        } else if open > target {
            let mut candidates: Vec<usize> = (0..w.episodes.len())
                .filter(|&e| {
                    let ep = &w.episodes[e];
                    let stepping_down = match ep.kind {
                        Kind::Protection(p) => w.plans[p].end.is_some_and(|end| end <= d) && ep.cin_plan.is_some(),
                        _ => false,
                    };
                    (stepping_down || matches!(ep.kind, Kind::Other | Kind::Enquiry | Kind::Conference))
                        && ep.open_on(d)
                        && ep.assessment.as_ref().and_then(|a| a.auth).is_some_and(|a| a <= d)
                        && ep.cin_plan.is_none_or(|(s, _)| s <= d)
                })
                .collect();
            shuffle(rng, &mut candidates);
            for &e in candidates.iter().take(open - target) {
                let ep = &mut w.episodes[e];
                let earliest =
                    ep.assessment.as_ref().and_then(|a| a.auth).unwrap_or(ep.referral).max(ep.cin_plan.map_or(ep.referral, |(s, _)| s));
                let close = day_between(rng, earliest.max(fy_start(y)).min(d), d);
                ep.close = Some(close);
                if let Some((s, _)) = ep.cin_plan {
                    ep.cin_plan = Some((s, Some(close)));
                }
            }
        }
    }
}

/// Contacts: one before each referral, then contacts that led nowhere (about a half about
/// children already known) until each year has five contacts per published referral.
pub fn contacts(w: &mut World, t: &Targets, window: Window, rng: &mut ChaCha8Rng) {
    let mut contacts: Vec<Contact> = Vec::new();
    for ep in &w.episodes {
        let Some(child) = ep.child else { continue };
        // Never before a born child's birth (an unborn child's record keeps its expected date).
        let kid = &w.children[child];
        let born = if kid.expected_dob.is_some() { i32::MIN } else { kid.dob };
        let date = (ep.referral - rng.random_range(0..=3)).max(born);
        if (window.from..=window.to).contains(&date) {
            contacts.push(Contact { child, date, source: ep.source, outcome: "Referral to children's social care" });
        }
    }
    for y in fy_of(window.from)..=fy_of(window.to) {
        let (lo, hi) = (fy_start(y).max(window.from), fy_end(y).min(window.to));
        let share = f64::from(hi - lo + 1) / f64::from(fy_end(y) - fy_start(y) + 1);
        let target = (t.year(y).contacts.value * share).round() as usize;
        let have = contacts.iter().filter(|c| (lo..=hi).contains(&c.date)).count();
        for _ in have..target {
            let date = day_between(rng, lo, hi);
            let mut child = None;
            if chance(rng, 0.45) && !w.children.is_empty() {
                for _ in 0..8 {
                    let c = rng.random_range(0..w.children.len());
                    let a = age(w.children[c].dob, date);
                    if (0..=17).contains(&a) {
                        child = Some(c);
                        break;
                    }
                }
            }
            let child = child.unwrap_or_else(|| {
                w.children.push(new_child(rng, Cohort::Contact, date, 17));
                w.children.len() - 1
            });
            let outcome = pick(
                rng,
                &[
                    ("Information and advice", 40.0),
                    ("Early help", 25.0),
                    ("No further action", 25.0),
                    ("Signposted to universal services", 10.0),
                ],
            );
            contacts.push(Contact { child, date, source: pick(rng, people::SOURCES), outcome });
        }
    }
    contacts.sort_by_key(|c| (c.date, c.child));
    w.contacts = contacts;
}
