//! Multi-year episode repair: one child's SSDA903 episodes from several years' returns made into
//! one history.
//!
//! Each year's return repeats the episodes still open on the previous 31 March, and what a
//! return says about an episode can be overtaken by a later one. The rules, in the order they
//! are applied (after LIIA's episode fixes, `existing-tools.md` §5; "later" means from a later
//! collection year, "latest" the LA's most recent year received):
//!
//! 0. **Re-submission**: episodes with the same start date are one episode; the latest return's
//!    version is kept (so an episode left open on 31 March takes the end date and reason a
//!    later return gives it). Two with the same start in one return: the first is kept.
//!
//! An *open episode error* is an episode with no end date from a return that is not the latest.
//! Stage 1 deals with those, judged against the neighbouring episodes (by start date) as
//! received:
//!
//! 1. **Duplicate (rule 3)**: a neighbour from a later return has the same reason for new
//!    episode, legal status, placement type, provider, URN and placement postcode — the same
//!    episode re-submitted with a corrected start date. Left out.
//! 2. **Superseded (rule 3A)**: the previous episode came from a later return, which has
//!    replaced this one. Left out.
//! 3. **Closed at the year end (rule 2)**: no later episode — the child left care after the
//!    return. Ends on 31 March of its collection year, reason unknown.
//! 4. **Closed before re-entry (rule 1A)**: the next episode starts a new period of care (S).
//!    Ends on the earlier of 31 March of its collection year and the day before the next
//!    episode, reason unknown.
//! 5. **Continued (rule 1)**: otherwise the child stayed in care: ends the day the next episode
//!    starts, reason X1.
//!
//! Stage 2, against the neighbours after stage 1, for an episode followed by one from a later
//! return:
//!
//! 6. **Overlap (rule 4)**: it ends after the next one starts: it ends when the next starts.
//! 7. **Gap after X1 (rule 5)**: it ends with X1 before the next one starts: it ends when the
//!    next starts.
//!
//! Any other overlap, X1 gap, or open episode the rules cannot close is flagged and left as
//! received. LIIA's invented codes (ceased reason `E99`, change reason `LIIAF`) are not used:
//! where a rule does not know the reason, the reason is left empty.

use chrono::{Datelike, NaiveDate};

/// One episode as the repair sees it. Codes are trimmed and upper case; the placement postcode
/// has no spaces.
#[derive(Debug, Clone, PartialEq)]
pub struct Episode {
    /// The caller's reference to the row the episode came from.
    pub source: usize,
    /// Collection year of the return it came from.
    pub year: Option<i32>,
    /// Return order: (collection year, file order); higher is later.
    pub rank: (i32, usize),
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub rne: String,
    pub ls: String,
    pub place: String,
    pub provider: String,
    pub urn: String,
    pub pl_post: String,
    /// Reason the episode ceased.
    pub rec: String,
}

impl Episode {
    fn same_placement_and_status(&self, other: &Episode) -> bool {
        (&self.rne, &self.ls, &self.place, &self.provider, &self.urn, &self.pl_post)
            == (&other.rne, &other.ls, &other.place, &other.provider, &other.urn, &other.pl_post)
    }

    fn is_open_error(&self, latest: Option<i32>) -> bool {
        self.end.is_none() && self.year < latest
    }
}

/// Which rule acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The same episode in a later return replaced this copy.
    Resubmitted,
    /// A second episode with the same start in the same return.
    DuplicateInReturn,
    /// Rule 3: re-submitted with a corrected start date.
    Duplicate,
    /// Rule 3A: replaced by a later return.
    Superseded,
    /// Rule 2: closed on 31 March of its year.
    ClosedAtYearEnd,
    /// Rule 1A: closed before a new period of care.
    ClosedBeforeReentry,
    /// Rule 1: continued into the next episode.
    Continued,
    /// Rule 4: overlap with a later return's episode trimmed.
    OverlapTrimmed,
    /// Rule 5: gap after X1 before a later return's episode bridged.
    GapBridged,
    /// Flag: overlaps the next episode; left as received.
    Overlap,
    /// Flag: ends with X1 but the next episode starts later; left as received.
    GapAfterX1,
    /// Flag: open in a return that is not the latest, and no rule could close it.
    OpenUnresolved,
}

impl Rule {
    /// What the rule means, for issue messages.
    pub fn describe(self) -> &'static str {
        match self {
            Rule::Resubmitted => "re-submitted in a later return, whose version is kept",
            Rule::DuplicateInReturn => "a second episode with the same start date in the same return; the first is kept",
            Rule::Duplicate => "rule 3: the same episode re-submitted by a later return with a corrected start date; this copy is left out",
            Rule::Superseded => "rule 3A: left open by its return and replaced by a later return's episodes; left out",
            Rule::ClosedAtYearEnd => "rule 2: left open by its return and absent from later returns; ended on 31 March of its collection year, reason unknown",
            Rule::ClosedBeforeReentry => {
                "rule 1A: left open by its return, and the child started a new period of care later; ended on the earlier of 31 March of its year and the day before, reason unknown"
            }
            Rule::Continued => "rule 1: left open by its return, and a later episode continues the care; ended when the next episode starts, with reason X1",
            Rule::OverlapTrimmed => "rule 4: overlapped the next episode, from a later return; ended when that episode starts",
            Rule::GapBridged => "rule 5: ended with X1 before the next episode, from a later return, started; extended to that episode's start",
            Rule::Overlap => "overlaps the next episode; left as received",
            Rule::GapAfterX1 => "ends with X1 (a new episode the same day) but the next episode starts later; left as received",
            Rule::OpenUnresolved => "left open by a return that is not the latest, and no rule could close it (no collection year); left as received",
        }
    }

    /// Whether the rule left the episode out of the history.
    pub fn removes(self) -> bool {
        matches!(self, Rule::Resubmitted | Rule::DuplicateInReturn | Rule::Duplicate | Rule::Superseded)
    }

    /// Whether the rule only flags (changes nothing).
    pub fn flags(self) -> bool {
        matches!(self, Rule::Overlap | Rule::GapAfterX1 | Rule::OpenUnresolved)
    }
}

/// One repair (or flag) of one episode.
#[derive(Debug, Clone, PartialEq)]
pub struct Repair {
    /// The episode repaired, removed or flagged.
    pub source: usize,
    /// The episode the rule judged it against (the later copy, the next episode …).
    pub other: Option<usize>,
    pub rule: Rule,
    /// The end date before the repair.
    pub old_end: Option<NaiveDate>,
    /// The end date and reason after the repair (for rules that set them).
    pub new_end: Option<NaiveDate>,
    pub new_rec: Option<String>,
    /// For a re-submission: whether the copy left out said exactly what the kept one says.
    pub identical: bool,
}

impl Repair {
    fn new(e: &Episode, other: Option<&Episode>, rule: Rule) -> Self {
        Repair { source: e.source, other: other.map(|o| o.source), rule, old_end: e.end, new_end: None, new_rec: None, identical: false }
    }
}

/// A child's history after repair, in start order, and what was done.
#[derive(Debug, Default)]
pub struct Outcome {
    pub episodes: Vec<Episode>,
    pub repairs: Vec<Repair>,
}

/// 31 March of collection year `y`.
pub fn year_end(y: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, 3, 31).expect("31 March exists")
}

/// Repairs one child's episodes (from every return of one LA). `latest` is the LA's most recent
/// collection year received.
pub fn repair(mut episodes: Vec<Episode>, latest: Option<i32>) -> Outcome {
    let mut repairs = Vec::new();
    episodes.sort_by(|a, b| a.start.cmp(&b.start).then(a.rank.cmp(&b.rank)));
    let episodes = collapse_resubmissions(episodes, &mut repairs);
    let episodes = stage1(episodes, latest, &mut repairs);
    let episodes = stage2(episodes, &mut repairs);
    Outcome { episodes, repairs }
}

/// Rule 0: one episode per start date, the latest return's.
fn collapse_resubmissions(sorted: Vec<Episode>, repairs: &mut Vec<Repair>) -> Vec<Episode> {
    let mut out: Vec<Episode> = Vec::with_capacity(sorted.len());
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1].start == sorted[i].start {
            j += 1;
        }
        let group = &sorted[i..=j];
        // The latest return's copy; within that return, the first row.
        let best = group.iter().map(|e| e.rank).max().expect("non-empty group");
        let winner = group.iter().position(|e| e.rank == best).expect("the best rank is in the group");
        for (k, e) in group.iter().enumerate() {
            if k == winner {
                continue;
            }
            let w = &group[winner];
            let rule = if e.rank == w.rank { Rule::DuplicateInReturn } else { Rule::Resubmitted };
            let mut r = Repair::new(e, Some(w), rule);
            r.identical = e.end == w.end && e.rec == w.rec && e.same_placement_and_status(w);
            repairs.push(r);
        }
        out.push(group[winner].clone());
        i = j + 1;
    }
    out
}

/// Stage 1: open episodes from returns that are not the latest.
fn stage1(eps: Vec<Episode>, latest: Option<i32>, repairs: &mut Vec<Repair>) -> Vec<Episode> {
    let mut keep = vec![true; eps.len()];
    let mut changed: Vec<(usize, NaiveDate, String, Repair)> = Vec::new();
    for (i, e) in eps.iter().enumerate() {
        if !e.is_open_error(latest) {
            continue;
        }
        let prev = i.checked_sub(1).map(|p| &eps[p]);
        let next = eps.get(i + 1);
        if let Some(d) =
            later(prev, e).filter(|p| p.same_placement_and_status(e)).or(later(next, e).filter(|n| n.same_placement_and_status(e)))
        {
            keep[i] = false;
            repairs.push(Repair::new(e, Some(d), Rule::Duplicate));
            continue;
        }
        if let Some(p) = later(prev, e) {
            keep[i] = false;
            repairs.push(Repair::new(e, Some(p), Rule::Superseded));
            continue;
        }
        let (rule, end, rec) = match next {
            None => match e.year.map(year_end).filter(|&d| d >= e.start) {
                Some(d) => (Rule::ClosedAtYearEnd, d, String::new()),
                None => {
                    repairs.push(Repair::new(e, None, Rule::OpenUnresolved));
                    continue;
                }
            },
            Some(n) if n.rne == "S" => {
                let before = n.start.pred_opt().expect("dates are far from the calendar's start");
                let end = e.year.map(year_end).filter(|&d| d < before && d >= e.start).unwrap_or(before);
                (Rule::ClosedBeforeReentry, end, String::new())
            }
            Some(n) => (Rule::Continued, n.start, "X1".to_string()),
        };
        let mut r = Repair::new(e, next, rule);
        r.new_end = Some(end);
        r.new_rec = Some(rec.clone());
        changed.push((i, end, rec, r));
    }
    let mut eps = eps;
    for (i, end, rec, r) in changed {
        eps[i].end = Some(end);
        eps[i].rec = rec;
        repairs.push(r);
    }
    eps.into_iter().zip(keep).filter_map(|(e, k)| k.then_some(e)).collect()
}

/// `o` when it came from a later collection year than `e`.
fn later<'e>(o: Option<&'e Episode>, e: &Episode) -> Option<&'e Episode> {
    o.filter(|o| o.year > e.year)
}

/// Stage 2: overlaps and X1 gaps against a later return's next episode; other overlaps and gaps
/// are flagged.
fn stage2(mut eps: Vec<Episode>, repairs: &mut Vec<Repair>) -> Vec<Episode> {
    for i in 0..eps.len().saturating_sub(1) {
        let (e, n) = (&eps[i], &eps[i + 1]);
        let overlaps = e.end.is_none_or(|d| d > n.start);
        let x1_gap = e.rec == "X1" && e.end.is_some_and(|d| d < n.start);
        let from_later = n.year > e.year;
        let rule = match (overlaps, x1_gap, from_later) {
            (true, _, true) if e.end.is_some() => Rule::OverlapTrimmed,
            (_, true, true) => Rule::GapBridged,
            (true, _, _) => Rule::Overlap,
            (_, true, _) => Rule::GapAfterX1,
            _ => continue,
        };
        let mut r = Repair::new(e, Some(n), rule);
        if !rule.flags() {
            let start = n.start;
            r.new_end = Some(start);
            eps[i].end = Some(start);
        }
        repairs.push(r);
    }
    eps
}

/// The collection year (named by its 31 March) a day falls in.
pub fn collection_year_of(d: NaiveDate) -> i32 {
    if d.month() >= 4 {
        d.year() + 1
    } else {
        d.year()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn ep(source: usize, year: i32, start: &str, end: &str, rne: &str, place: &str, rec: &str) -> Episode {
        Episode {
            source,
            year: Some(year),
            rank: (year, 0),
            start: d(start),
            end: (!end.is_empty()).then(|| d(end)),
            rne: rne.into(),
            ls: "C2".into(),
            place: place.into(),
            provider: "PR1".into(),
            urn: String::new(),
            pl_post: String::new(),
            rec: rec.into(),
        }
    }

    fn spans(o: &Outcome) -> Vec<(usize, String, Option<String>, String)> {
        o.episodes.iter().map(|e| (e.source, e.start.to_string(), e.end.map(|d| d.to_string()), e.rec.clone())).collect()
    }

    #[test]
    fn an_open_episode_takes_the_later_returns_end() {
        let o = repair(
            vec![ep(0, 2022, "2021-05-01", "", "S", "U4", ""), ep(1, 2023, "2021-05-01", "2022-06-30", "S", "U4", "E4A")],
            Some(2023),
        );
        assert_eq!(spans(&o), vec![(1, "2021-05-01".into(), Some("2022-06-30".into()), "E4A".into())]);
        assert_eq!(o.repairs.len(), 1);
        assert_eq!((o.repairs[0].rule, o.repairs[0].identical), (Rule::Resubmitted, false));
    }

    #[test]
    fn identical_resubmissions_collapse_and_same_return_duplicates_keep_the_first() {
        let a = ep(0, 2022, "2021-05-01", "", "S", "U4", "");
        let mut b = a.clone();
        b.source = 1;
        b.year = Some(2023);
        b.rank = (2023, 1);
        let mut c = b.clone();
        c.source = 2;
        let o = repair(vec![a, b, c], Some(2023));
        assert_eq!(o.episodes.len(), 1);
        assert_eq!(o.episodes[0].source, 1);
        let rules: Vec<(usize, Rule, bool)> = o.repairs.iter().map(|r| (r.source, r.rule, r.identical)).collect();
        assert_eq!(rules, vec![(0, Rule::Resubmitted, true), (2, Rule::DuplicateInReturn, true)]);
    }

    #[test]
    fn open_episodes_close_by_rule_1_1a_and_2() {
        // Rule 1: a later P episode continues the care.
        let o = repair(
            vec![ep(0, 2018, "2016-01-13", "", "P", "U6", ""), ep(1, 2020, "2017-08-20", "2019-06-21", "T", "U4", "X1")],
            Some(2022),
        );
        assert_eq!(spans(&o)[0], (0, "2016-01-13".into(), Some("2017-08-20".into()), "X1".into()));
        // Rule 1A: the next episode is a new period of care, after 31 March.
        let o = repair(
            vec![ep(0, 2017, "2016-10-24", "", "P", "P2", ""), ep(1, 2018, "2017-04-20", "2017-06-13", "S", "H5", "E8")],
            Some(2022),
        );
        assert_eq!(spans(&o)[0], (0, "2016-10-24".into(), Some("2017-03-31".into()), String::new()));
        // Rule 2: nothing later.
        let o = repair(vec![ep(0, 2020, "2019-05-10", "", "S", "R5", "")], Some(2022));
        assert_eq!(spans(&o)[0], (0, "2019-05-10".into(), Some("2020-03-31".into()), String::new()));
        assert_eq!(o.repairs[0].rule, Rule::ClosedAtYearEnd);
        // The latest return's open episode is simply open.
        let o = repair(vec![ep(0, 2022, "2019-05-10", "", "S", "R5", "")], Some(2022));
        assert!(o.repairs.is_empty() && o.episodes[0].end.is_none());
    }

    #[test]
    fn stage_two_trims_overlaps_and_bridges_x1_gaps_only_against_later_returns() {
        let o = repair(
            vec![ep(0, 2019, "2018-11-23", "2018-12-24", "S", "U6", "X1"), ep(1, 2020, "2018-12-20", "2019-08-19", "P", "U6", "X1")],
            Some(2020),
        );
        assert_eq!(spans(&o)[0].2.as_deref(), Some("2018-12-20"));
        let o = repair(
            vec![ep(0, 2020, "2019-11-06", "2020-03-29", "P", "U6", "X1"), ep(1, 2022, "2020-04-02", "", "P", "U6", "")],
            Some(2022),
        );
        assert_eq!(spans(&o)[0].2.as_deref(), Some("2020-04-02"));
        // The same faults inside one return are flagged, not changed.
        let o = repair(
            vec![ep(0, 2020, "2019-11-06", "2020-03-29", "P", "U6", "X1"), ep(1, 2020, "2020-03-20", "", "P", "U6", "")],
            Some(2020),
        );
        assert_eq!(spans(&o)[0].2.as_deref(), Some("2020-03-29"));
        assert_eq!(o.repairs[0].rule, Rule::Overlap);
    }
}
