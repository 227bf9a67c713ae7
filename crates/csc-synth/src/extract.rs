//! What an SSD extract for the window holds: every record that happened in the window or was
//! still open in it, dates after the window's end left blank (not yet known), and the earlier
//! referrals and plans that make a window referral a re-referral or a window plan a repeat.
//! Identifiers are numbered in date order within each table.

use super::dates::Window;
use super::records::{
    Assessment, CareLeaver, CinPlan, ClaEpisode, ClaPlacement, ClaReview, Contact, CpPlan, Icpc, Immigration, LegalStatus, Person,
    Referral, Ssd, S47,
};
use super::returns::Codes;
use super::simulate::{people, World};
use crate::dates::{add_years, age, fy_end, fy_of};

const UNWRITTEN: usize = usize::MAX;

/// Numbers the written items of a table in (date, index) order: `ids[i]` is item `i`'s rank, or
/// [`UNWRITTEN`].
fn rank(n: usize, written: impl Iterator<Item = (i32, usize)>) -> (Vec<usize>, Vec<usize>) {
    let mut keys: Vec<(i32, usize)> = written.collect();
    keys.sort_unstable();
    let mut ids = vec![UNWRITTEN; n];
    let order: Vec<usize> = keys.iter().map(|&(_, i)| i).collect();
    for (r, &i) in order.iter().enumerate() {
        ids[i] = r;
    }
    (ids, order)
}

fn id(base: usize, rank: usize) -> String {
    (base + rank + 1).to_string()
}

/// A worker id, spread over sixty workers.
fn worker(i: usize) -> String {
    format!("W{:03}", (i * 7919) % 60 + 1)
}

/// Builds the extract from the simulation; `seed` keys the details drawn here (CLA reviews).
pub fn extract(w: &World, window: Window, seed: u64) -> Ssd {
    let cut = |d: Option<i32>| d.filter(|&d| d <= window.to);
    // A code is recorded as the DfE list stood in the collection year of the record's date (5D
    // and RC9 from 2022/23, K3 from 2024/25): the SSD reader checks them so.
    let codes_on = |day: i32| Codes { year: fy_of(day) };
    let touches = |s: i32, e: Option<i32>| window.touches(s, e);
    let mut ssd = Ssd::default();
    let mut person_used = vec![false; w.children.len()];
    let child_of = |e: usize| w.episodes[e].child.unwrap_or(0);

    // Referrals (CIN episodes).
    let full: Vec<bool> = w.episodes.iter().map(|e| touches(e.referral, e.close)).collect();
    let (ref_ids, order) =
        rank(w.episodes.len(), w.episodes.iter().enumerate().filter(|(i, e)| full[*i] || e.history).map(|(i, e)| (e.referral, i)));
    let person_id = |c: usize| id(1_000_000, c);
    for &e in &order {
        let ep = &w.episodes[e];
        person_used[child_of(e)] = true;
        let close = cut(ep.close);
        ssd.referrals.push(Referral {
            id: id(2_000_000, ref_ids[e]),
            person: person_id(child_of(e)),
            date: Some(ep.referral),
            need: ep.need,
            source: codes_on(ep.referral).referral_source(ep.source),
            source_desc: people::source_label(codes_on(ep.referral).referral_source(ep.source)),
            outcome: if ep.nfa { "No further action" } else { "Single assessment" },
            nfa: if ep.nfa { "Y" } else { "N" },
            close_reason: close.map_or("", |d| codes_on(d).closure_reason(ep.close_reason)),
            close_date: close,
            team: "Front Door",
            worker: worker(e),
        });
    }
    let referral_id = |e: usize| if ref_ids[e] == UNWRITTEN { String::new() } else { id(2_000_000, ref_ids[e]) };

    // Assessments and CIN plans of fully written episodes (an open referral's assessment even when
    // it was done before the window: the referral's outcome).
    let assessed = |e: usize| full[e] && w.episodes[e].assessment.as_ref().is_some_and(|a| a.start <= window.to);
    let (ass_ids, ass_order) = rank(
        w.episodes.len(),
        (0..w.episodes.len()).filter(|&e| assessed(e)).filter_map(|e| w.episodes[e].assessment.as_ref().map(|a| (a.start, e))),
    );
    for &e in &ass_order {
        let Some(a) = &w.episodes[e].assessment else { continue };
        ssd.assessments.push(Assessment {
            id: id(3_000_000, ass_ids[e]),
            person: person_id(child_of(e)),
            referral: referral_id(e),
            start: Some(a.start),
            child_seen: if w.children[child_of(e)].dob <= a.start { "Y" } else { "N" },
            auth: cut(a.auth),
            outcome: a.outcome,
            nfa: if cut(a.auth).is_none() {
                ""
            } else if a.nfa {
                "Y"
            } else {
                "N"
            },
            team: "Assessment",
            worker: worker(e + 1),
        });
    }
    let planned = |e: usize| full[e] && w.episodes[e].cin_plan.is_some_and(|(s, end)| touches(s, end) && s <= window.to);
    let (cinp_ids, cinp_order) =
        rank(w.episodes.len(), (0..w.episodes.len()).filter(|&e| planned(e)).filter_map(|e| w.episodes[e].cin_plan.map(|(s, _)| (s, e))));
    for &e in &cinp_order {
        let Some((s, end)) = w.episodes[e].cin_plan else { continue };
        ssd.cin_plans.push(CinPlan {
            id: id(7_000_000, cinp_ids[e]),
            referral: referral_id(e),
            person: person_id(child_of(e)),
            start: Some(s),
            end: cut(end),
            team: "Children in Need",
            worker: worker(e + 2),
        });
    }

    // S47 enquiries, ICPCs and CP plans.
    // An enquiry is written when it touches the window or led to a conference in it.
    let mut conference_in_window = vec![false; w.s47s.len()];
    for c in &w.icpcs {
        conference_in_window[c.s47] |= touches(c.date, Some(c.date));
    }
    let s47_written = |i: usize, s: &super::simulate::S47| full[s.episode] && (touches(s.start, Some(s.end)) || conference_in_window[i]);
    let (s47_ids, s47_order) = rank(w.s47s.len(), w.s47s.iter().enumerate().filter(|(i, s)| s47_written(*i, s)).map(|(i, s)| (s.start, i)));
    for &i in &s47_order {
        let s = &w.s47s[i];
        let end = cut(Some(s.end));
        ssd.s47s.push(S47 {
            id: id(4_000_000, s47_ids[i]),
            referral: referral_id(s.episode),
            person: person_id(child_of(s.episode)),
            start: Some(s.start),
            end,
            nfa: match (end, s.to_icpc) {
                (None, _) => "",
                (Some(_), true) => "N",
                (Some(_), false) => "Y",
            },
            outcome: if end.is_none() {
                ""
            } else if s.to_icpc {
                "ICPC"
            } else {
                "No further action under S47"
            },
            worker: worker(i),
            team: "Assessment",
        });
    }
    let plan_written: Vec<bool> = w.plans.iter().map(|p| p.episode != usize::MAX && (touches(p.start, p.end) || p.history)).collect();
    let (plan_ids, plan_order) =
        rank(w.plans.len(), w.plans.iter().enumerate().filter(|(i, _)| plan_written[*i]).map(|(i, p)| (p.start, i)));
    let plan_id = |p: usize| if plan_ids[p] == UNWRITTEN { String::new() } else { id(6_000_000, plan_ids[p]) };
    let (icpc_ids, icpc_order) = rank(
        w.icpcs.len(),
        w.icpcs.iter().enumerate().filter(|(_, c)| full[c.episode] && touches(c.date, Some(c.date))).map(|(i, c)| (c.date, i)),
    );
    let icpc_id = |i: usize| if icpc_ids[i] == UNWRITTEN { String::new() } else { id(5_000_000, icpc_ids[i]) };
    for &i in &icpc_order {
        let c = &w.icpcs[i];
        let s47 = &w.s47s[c.s47];
        ssd.icpcs.push(Icpc {
            id: icpc_id(i),
            meeting: format!("M{}", id(5_000_000, icpc_ids[i])),
            s47: if s47_ids[c.s47] == UNWRITTEN { String::new() } else { id(4_000_000, s47_ids[c.s47]) },
            person: person_id(child_of(c.episode)),
            plan: c.plan.map(plan_id).unwrap_or_default(),
            referral: referral_id(c.episode),
            transfer_in: "N",
            target: Some(people::working_days_after(s47.start, 15)),
            date: Some(c.date),
            cp: if c.plan.is_some() { "Y" } else { "N" },
            outcome: if c.plan.is_some() { "CP plan" } else { "No CP plan" },
            team: "Child Protection Conference",
            worker: worker(i + 3),
        });
    }
    for &p in &plan_order {
        let plan = &w.plans[p];
        person_used[child_of(plan.episode)] = true;
        ssd.cp_plans.push(CpPlan {
            id: plan_id(p),
            referral: referral_id(plan.episode),
            icpc: plan.icpc.map(icpc_id).unwrap_or_default(),
            person: person_id(child_of(plan.episode)),
            start: Some(plan.start),
            end: cut(plan.end),
            initial_category: plan.category,
            ola: "N",
            latest_category: plan.latest_category,
        });
    }

    // Periods of care: episodes (one per placement), placements, legal statuses.
    let mut segments: Vec<(i32, usize, usize)> = Vec::new();
    for (p, period) in w.periods.iter().enumerate() {
        for (k, s) in period.segments.iter().enumerate() {
            if touches(s.start, s.end) {
                segments.push((s.start, p, k));
            }
        }
    }
    segments.sort_unstable();
    let (period_ids, period_order) =
        rank(w.periods.len(), w.periods.iter().enumerate().filter(|(_, p)| touches(p.start, p.end)).map(|(i, p)| (p.start, i)));
    for (n, &(_, p, k)) in segments.iter().enumerate() {
        let period = &w.periods[p];
        let s = &period.segments[k];
        let last = k + 1 == period.segments.len();
        let end = cut(s.end);
        let c = period.child;
        person_used[c] = true;
        let cla_id = format!("CLA{}", id(8_000_000, period_ids[p]));
        let placement_id = id(10_000_000, n);
        ssd.cla_episodes.push(ClaEpisode {
            id: id(9_000_000, n),
            person: person_id(c),
            start: Some(s.start),
            start_reason: s.reason_new,
            need: w.episodes[period.episode].need,
            end,
            end_reason: match (end, last) {
                (None, _) => "",
                (Some(_), false) => "X1",
                (Some(_), true) => period.end_reason,
            },
            cla_id: cla_id.clone(),
            referral: referral_id(period.episode),
            placement: placement_id.clone(),
            entered_care: Some(period.start),
            last_iro_contact: Some(end.unwrap_or(window.to) - (n % 80) as i32).filter(|&d| d >= s.start),
        });
        ssd.cla_placements.push(ClaPlacement {
            id: placement_id,
            start: Some(s.start),
            placement_type: codes_on(s.start).placement(s.placement_type),
            urn: if matches!(s.placement_type, "K1" | "K2" | "H5" | "K3") {
                format!("SC{:06}", (n * 104_729) % 1_000_000)
            } else {
                String::new()
            },
            distance: Some(s.distance),
            cla_id,
            provider: s.provider,
            postcode: s.postcode.clone(),
            end,
            change_reason: if end.is_some() { s.change_reason } else { "" },
            person: person_id(c),
        });
    }
    for &p in &period_order {
        let period = &w.periods[p];
        ssd.legal_statuses.push(LegalStatus {
            id: id(11_000_000, period_ids[p]),
            person: person_id(period.child),
            status: period.legal_status,
            start: Some(period.start),
            end: cut(period.end),
        });
    }
    // Reviews held in the window, of every period of care but short breaks.
    let mut reviews: Vec<(i32, String, super::details::Review, &'static str)> = Vec::new();
    for &p in &period_order {
        let period = &w.periods[p];
        if period.short_break {
            continue;
        }
        let cla_id = format!("CLA{}", id(8_000_000, period_ids[p]));
        let person = person_id(period.child);
        for r in super::details::cla_reviews(seed, &cla_id, period.start, period.end, window.to + 1)
            .into_iter()
            .filter(|r| r.held >= window.from)
        {
            let participation = super::details::review_code(seed, &person, r.held, w.children[period.child].dob);
            reviews.push((r.held, cla_id.clone(), r, participation));
        }
    }
    reviews.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    for (n, (_, cla_id, r, participation)) in reviews.into_iter().enumerate() {
        ssd.cla_reviews.push(ClaReview {
            id: id(14_000_000, n),
            cla_id,
            due: Some(r.due),
            held: Some(r.held),
            cancelled: "N",
            participation,
        });
    }
    let mut uasc: Vec<(i32, usize)> = Vec::new();
    for &p in &period_order {
        let c = w.periods[p].child;
        if w.children[c].uasc && !uasc.iter().any(|&(_, u)| u == c) {
            uasc.push((w.periods[p].start, c));
        }
    }
    uasc.sort_unstable();
    for (n, &(start, c)) in uasc.iter().enumerate() {
        ssd.immigration.push(Immigration {
            person: person_id(c),
            id: id(12_000_000, n),
            status: "UASC",
            start: Some(start),
            end: cut(Some(add_years(w.children[c].dob, 18))),
        });
    }

    // Contacts (already within the window).
    for (n, c) in w.contacts.iter().enumerate() {
        person_used[c.child] = true;
        ssd.contacts.push(Contact {
            id: id(20_000_000, n),
            person: person_id(c.child),
            date: Some(c.date),
            source: codes_on(c.date).referral_source(c.source),
            source_desc: people::source_label(codes_on(c.date).referral_source(c.source)),
            outcome: c.outcome,
        });
    }

    // Care leavers: the table as at each 31 March of the window (the last as at its end).
    for y in fy_of(window.from)..=fy_of(window.to) {
        let day = fy_end(y).min(window.to);
        let table = care_leavers(w, y, day, &person_id);
        for row in &table {
            person_used[row_child(row)] = true;
        }
        if y == fy_of(window.to) {
            ssd.care_leavers = table.clone();
        }
        ssd.care_leaver_years.insert(y, table);
    }

    // People: everyone a written record names. The unborn appear with an expected date of birth
    // until born.
    for (c, child) in w.children.iter().enumerate() {
        if !person_used[c] {
            continue;
        }
        let born = child.dob <= window.to;
        let under5 = born && age(child.dob, window.to) < 5;
        ssd.persons.push(Person {
            id: person_id(c),
            forename: if born { child.forename } else { "" },
            surname: child.surname,
            sex: if born { child.sex } else { "U" },
            gender: if born { child.sex } else { "U" },
            ethnicity: if born { child.ethnicity } else { "NOBT" },
            dob: born.then_some(child.dob),
            common_child_id: if born && !under5 && !child.uasc {
                csc_pipeline::quality::formats::upn_from(&format!("{:012}", (c as u64 * 2_654_435_761) % 1_000_000_000_000))
                    .expect("12 digits have a check letter")
            } else {
                String::new()
            },
            legacy_id: format!("L{}", person_id(c)),
            upn_unknown: if !born || under5 {
                "UN1"
            } else if child.uasc {
                "UN2"
            } else {
                ""
            },
            send_flag: if child.disabled { "Y" } else { "N" },
            expected_dob: child.expected_dob,
            death_date: None,
            is_mother: "N",
            nationality: child.nationality,
        });
    }
    ssd
}

/// The child index behind a written care-leaver row (its person id is `1_000_001 + child`).
fn row_child(row: &CareLeaver) -> usize {
    row.person.parse::<usize>().map_or(0, |id| id - 1_000_001)
}

/// The care-leaver table as an extract taken on `day` would hold it: every young person who had
/// left care by then with a position in financial year `y`, in order of leaving.
fn care_leavers(w: &World, y: i32, day: i32, person_id: &dyn Fn(usize) -> String) -> Vec<CareLeaver> {
    let mut rows = Vec::new();
    for (i, l) in w.leavers.iter().enumerate() {
        let Some(p) = l.positions.get(&y).filter(|_| l.left <= day) else { continue };
        let in_touch = p.in_touch == "YES";
        let spread = |k: usize, days: usize| (i * k % days) as i32;
        rows.push(CareLeaver {
            id: id(13_000_000, i),
            person: person_id(l.child),
            eligibility: if age(w.children[l.child].dob, day) >= 18 { "Former relevant" } else { "Relevant" },
            in_touch: p.in_touch,
            latest_contact: Some(if in_touch { day - spread(37, 56) } else { day - 120 - spread(29, 200) }).filter(|&d| d >= l.left),
            accommodation: p.accommodation,
            suitable: p.suitable(),
            activity: p.activity,
            pathway_review: Some(day - spread(53, 180)).filter(|&d| d >= l.left - 90),
            advisor: format!("Personal Adviser {:02}", i * 7 % 18 + 1),
            team: "Leaving Care",
            worker: worker(i + 5),
        });
    }
    rows
}
