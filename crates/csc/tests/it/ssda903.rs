//! The SSDA903 reader: the third-party 903 files (LIIA's dirty 2020 header and episodes, its
//! multi-year episodes built for the episode-repair rules; see tests/fixtures/third_party/
//! README.md) read into the core tables with each known fault reported at its row and column
//! letter and each repair as the rules say, and generated 903 returns for several years giving
//! the same looked-after figures through the whole pipeline as the SSD extract they were built
//! from.

use std::path::Path;

use csc_pipeline::extract::FileKind;
use csc_pipeline::extract::InputFile;
use csc_pipeline::normalise::{normalise, recognise, CoreTable};
use csc_pipeline::quality::{Action, Issue, Severity};
use csc_pipeline::reference::CodeLists;
use csc_pipeline::schema::ssd_tables;

use super::{csc, measure, temp};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(crate::REPO).join("tests/fixtures/third_party").join(name)).unwrap()
}

fn input(bytes: Vec<u8>, name: &str) -> InputFile {
    let bytes = bytes::Bytes::from(bytes);
    let kind = recognise(&bytes, ssd_tables());
    InputFile::in_memory(name, bytes, kind)
}

fn read(files: Vec<InputFile>) -> (Vec<CoreTable>, Vec<Issue>) {
    let mut issues = Vec::new();
    let out = normalise(ssd_tables(), &files, CodeLists::builtin(), &mut issues).unwrap();
    (out.tables, issues)
}

/// Every row of `name` as text cells (dates ISO, nulls empty), for the columns given.
fn rows(tables: &[CoreTable], name: &str, columns: &[&str]) -> Vec<Vec<String>> {
    super::core_rows(tables, name, columns)
}

/// The key the reader derives for a record, from `child/part/part…`.
fn k(parts: &str, record: &str) -> String {
    let mut it = parts.split('/');
    let child = it.next().unwrap();
    csc_pipeline::normalise::ssda903::key(child, record, &it.collect::<Vec<_>>())
}

/// The issues with this code, as (row, column letter, raw value).
fn located(issues: &[Issue], code: &str) -> Vec<(i64, String, String)> {
    issues
        .iter()
        .filter(|i| i.code == code)
        .map(|i| (i.row.unwrap_or(0), i.column_letter.clone().unwrap_or_default(), i.value.clone().unwrap_or_default()))
        .collect()
}

#[test]
fn dirty_2020_episodes_are_read_with_each_fault_at_its_row_and_column() {
    let name = "ssda903_2020_episodes_dirty.csv";
    let file = input(fixture(name), name);
    assert_eq!(file.kind, Some(FileKind::Ssda903 { file: "episodes".into() }));
    let (tables, issues) = read(vec![file]);
    // The reason for new episode `*DUMMY*` (C6) is no DfE code: kept and reported.
    assert_eq!(located(&issues, "unknown_code"), vec![(6, "C".into(), "*DUMMY*".into())]);
    // Legal status may not be blank (D3); `2TR` is no postcode (L5), `C251YT` is one without its space.
    assert_eq!(located(&issues, "blank_required"), vec![(3, "D".into(), String::new())]);
    assert_eq!(located(&issues, "invalid_postcode"), vec![(5, "L".into(), "2TR".into())]);
    // TEST_COLUMN (N) is not an SSDA903 column.
    let extra = issues.iter().find(|i| i.code == "extra_column").unwrap();
    assert_eq!((extra.column.as_deref(), extra.column_letter.as_deref()), (Some("TEST_COLUMN"), Some("N")));
    // The year comes from the file name.
    assert!(issues.iter().any(|i| i.code == "collection_year" && i.message.contains("2020")));
    // Child 689661's episodes of 2 and 11 December 2018 overlap, as do those of 11 December and
    // 16 May 2019: flagged at each one's DEC (H), not changed, as they come from one return.
    assert_eq!(located(&issues, "episode_overlap"), vec![(3, "H".into(), "16/05/2019".into()), (2, "H".into(), "18/07/2019".into())]);
    let episodes = rows(
        &tables,
        "cla_episode",
        &[
            "clae_cla_episode_id",
            "clae_person_id",
            "clae_cla_episode_start_date",
            "clae_cla_episode_start_reason",
            "clae_cla_episode_ceased_date",
            "clae_cla_episode_ceased_reason",
            "clae_cla_id",
            "clae_cla_placement_id",
        ],
    );
    let e = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        episodes,
        vec![
            e(&[
                k("249901/2019-03-30", "episode").as_str(),
                "249901",
                "2019-03-30",
                "L",
                "2019-04-10",
                "X1",
                k("249901/2019-03-30", "period").as_str(),
                k("249901/2019-03-30", "placement").as_str()
            ]),
            e(&[
                k("249901/2019-04-10", "episode").as_str(),
                "249901",
                "2019-04-10",
                "*DUMMY*",
                "2019-06-24",
                "X1",
                k("249901/2019-03-30", "period").as_str(),
                k("249901/2019-04-10", "placement").as_str()
            ]),
            e(&[
                k("689661/2018-12-02", "episode").as_str(),
                "689661",
                "2018-12-02",
                "S",
                "2019-05-16",
                "X1",
                k("689661/2018-12-02", "period").as_str(),
                k("689661/2018-12-02", "placement").as_str()
            ]),
            e(&[
                k("689661/2018-12-11", "episode").as_str(),
                "689661",
                "2018-12-11",
                "P",
                "2019-07-18",
                "E15",
                k("689661/2018-12-02", "period").as_str(),
                k("689661/2018-12-11", "placement").as_str()
            ]),
            // E15 ended the period of care, so T starts a new one.
            e(&[
                k("689661/2019-05-16", "episode").as_str(),
                "689661",
                "2019-05-16",
                "T",
                "2019-09-26",
                "E2",
                k("689661/2019-05-16", "period").as_str(),
                k("689661/2019-05-16", "placement").as_str()
            ]),
        ]
    );
    // Keys are derived from the child and start date, and do not show the child's id.
    assert!(episodes.iter().all(|r| r[0].starts_with("903-") && !r[0].contains(&r[1])));
    // Placements: typed codes, URNs, postcodes, and the change reason of the ceasing episode.
    let placements = rows(
        &tables,
        "cla_placement",
        &[
            "clap_cla_placement_id",
            "clap_cla_placement_type",
            "clap_cla_placement_urn",
            "clap_cla_placement_provider",
            "clap_cla_placement_postcode",
            "clap_cla_placement_end_date",
            "clap_cla_placement_change_reason",
        ],
    );
    assert_eq!(placements[1], e(&[k("249901/2019-04-10", "placement").as_str(), "U4", "4743233", "PR1", "P13 2TR", "2019-06-24", "CREQB"]));
    let statuses = rows(
        &tables,
        "legal_status",
        &["lega_legal_status_id", "lega_legal_status", "lega_legal_status_start_date", "lega_legal_status_end_date"],
    );
    assert_eq!(statuses[1], e(&[k("249901/2019-04-10", "legal_status").as_str(), "V3", "2019-04-10", "2019-06-24"]));
    assert_eq!(statuses[2], e(&[k("689661/2018-12-02", "legal_status").as_str(), "", "2018-12-02", "2019-05-16"]));
}

#[test]
fn dirty_2020_header_is_read_with_duplicates_codes_and_upns_reported() {
    let name = "ssda903_2020_header_dirty.csv";
    let file = input(fixture(name), name);
    assert_eq!(file.kind, Some(FileKind::Ssda903 { file: "header".into() }));
    let (tables, issues) = read(vec![file]);
    // 689661 three times, 249901 twice, in one return: the first of each is kept.
    assert_eq!(
        located(&issues, "duplicate_key"),
        vec![(3, "A".into(), "689661".into()), (4, "A".into(), "689661".into()), (6, "A".into(), "249901".into())]
    );
    assert_eq!(located(&issues, "unknown_code"), vec![(6, "D".into(), "UNKN".into())]);
    let upns: Vec<(i64, String, String)> = located(&issues, "invalid_upn");
    assert_eq!(upns.iter().map(|u| (u.0, u.1.as_str())).collect::<Vec<_>>(), vec![(2, "E"), (3, "E"), (4, "E"), (5, "E"), (6, "E")]);
    // SEX 1/2 are the 2019/20 codes for male/female; MOTHER 1 is a flag; MC_DOB is not loaded.
    let people =
        rows(&tables, "person", &["pers_person_id", "pers_sex", "pers_ethnicity", "pers_dob", "pers_common_child_id", "pers_is_mother"]);
    let e = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        people,
        vec![e(&["689661", "M", "WBRI", "2015-07-11", "3412", ""]), e(&["249901", "F", "WBRI", "2013-01-07", "3634645", ""])]
    );
    assert!(issues.iter().any(|i| i.code == "not_loaded" && i.message.contains("MC_DOB")));
    assert!(!issues.iter().any(|i| i.code == "code_out_of_year"), "1/2 are valid in 2020");
}

/// LIIA's multi-year episodes, repaired by hand from the rules (repair.rs; existing-tools.md §5).
/// The file carries LA and YEAR columns; each LA's latest year decides which open episodes are
/// errors (Barking and Dagenham 2022, Newham 2023, Sutton 2022).
#[test]
fn multi_year_episodes_are_repaired_as_the_rules_say() {
    let name = "ssda903_multi_year_episodes.csv";
    let (tables, issues) = read(vec![input(fixture(name), name)]);
    let got = rows(
        &tables,
        "cla_episode",
        &["clae_person_id", "clae_cla_episode_start_date", "clae_cla_episode_ceased_date", "clae_cla_episode_ceased_reason"],
    );
    let expected: Vec<[&str; 4]> = vec![
        // Barking and Dagenham, children in id order.
        ["NORULE_BAD", "2015-06-19", "2016-07-26", "X1"],
        ["NORULE_BAD", "2016-07-26", "2021-12-12", "E17"],
        // Rule 1A: open in 2017, next episode (2018 return) starts a new period on 20 April
        // 2017: ends on 31 March 2017, reason unknown.
        ["RULE1A_BAD", "2016-01-22", "2016-10-24", "X1"],
        ["RULE1A_BAD", "2016-10-24", "2017-03-31", ""],
        ["RULE1A_BAD", "2017-04-20", "2017-06-13", "E8"],
        // Rule 1: open in 2018, a T episode follows: ends when it starts, X1.
        ["RULE1_BAD", "2016-01-13", "2017-08-20", "X1"],
        ["RULE1_BAD", "2017-08-20", "2019-06-21", "X1"],
        ["RULE1_BAD", "2019-06-21", "2019-07-23", "E6"],
        // Rule 2: open in 2020, nothing later: ends on 31 March 2020.
        ["RULE2_BAD", "2019-05-10", "2020-03-31", ""],
        // Rule 3A: the open 2018 episode of 22 March 2018 is replaced by the 2019 return's
        // episode of 25 January 2018.
        ["RULE3A_BAD", "2017-11-25", "2018-01-25", "X1"],
        ["RULE3A_BAD", "2018-01-25", "2018-05-16", "E45"],
        // Rule 3: the open 2017 episode of 27 September 2016 is the 2018 return's episode of
        // 23 September with a corrected start: left out.
        ["RULE3_BAD", "2016-09-23", "2017-05-30", "E2"],
        // Rule 3A removes the open 2019 episode of 24 December 2018; rule 4 then trims the
        // first episode (2019) to the start of the 2020 return's episode of 20 December.
        ["RULE4_BAD", "2018-11-23", "2018-12-20", "X1"],
        ["RULE4_BAD", "2018-12-20", "2019-08-19", "X1"],
        ["RULE4_BAD", "2019-08-19", "2019-10-01", "E4A"],
        // Rule 5: X1 on 29 March 2020, the 2022 return's next episode starts 2 April: bridged.
        ["RULE5_BAD", "2019-11-06", "2020-04-02", "X1"],
        ["RULE5_BAD", "2020-04-02", "", ""],
        // Newham and Sutton: nothing to repair (their open episodes are in their latest year).
        ["NORULE_NEW", "2022-02-01", "2022-07-10", "E17"],
        ["NORULE_NEW", "2022-10-23", "", ""],
        ["NORULE_SUT", "2017-12-15", "", ""],
    ];
    let expected: Vec<Vec<String>> = expected.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect();
    assert_eq!(got, expected);
    // Every repair is recorded at its row, with the rule, as a warning.
    let repairs: Vec<(i64, &str, Action)> =
        issues.iter().filter(|i| i.code.starts_with("episode_")).map(|i| (i.row.unwrap(), i.code, i.action)).collect();
    let mut want = vec![
        (6, "episode_closed", Action::Substituted),
        (10, "episode_closed", Action::Substituted),
        (12, "episode_closed", Action::Substituted),
        (14, "episode_duplicate", Action::RowRejected),
        (17, "episode_superseded", Action::RowRejected),
        (18, "episode_overlap_trimmed", Action::Substituted),
        (20, "episode_superseded", Action::RowRejected),
        (22, "episode_gap_bridged", Action::Substituted),
    ];
    let mut have = repairs.clone();
    have.sort_by_key(|r| r.0);
    want.sort_by_key(|r| r.0);
    assert_eq!(have, want);
    assert!(issues
        .iter()
        .filter(|i| i.code.starts_with("episode_"))
        .all(|i| i.severity == Severity::Warning && i.file.as_deref() == Some(name)));
    let rule1 = issues.iter().find(|i| i.row == Some(6) && i.code == "episode_closed").unwrap();
    assert!(
        rule1.message.contains("rule 1:")
            && rule1.message.contains("DEC set by the rule, REC set to X1")
            && !rule1.message.contains("2017-08-20"),
        "{}",
        rule1.message
    );
    assert_eq!(rule1.column_letter.as_deref(), Some("H"));
    // The year came from the YEAR column.
    assert!(issues.iter().any(|i| i.code == "collection_year" && i.column.as_deref() == Some("YEAR")));
}

#[test]
fn an_episode_left_open_takes_the_later_returns_end_and_sex_codes_follow_the_year() {
    let header = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n";
    let episodes = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n";
    let files = vec![
        input(format!("{header}C1,1,01/02/2012,WBRI,UN1,,\n").into_bytes(), "2023/header.csv"),
        input(format!("{episodes}C1,01/06/2022,S,C2,N1,U4,PR1,,,,SO14 7LY,SO15 2AB,XXXXXXX\n").into_bytes(), "2023/episodes.csv"),
        input(format!("{header}C1,M,01/02/2012,WBRI,UN1,,\n").into_bytes(), "903_2024-25/header.csv"),
        input(
            format!("{episodes}C1,01/06/2022,S,C2,N1,U4,PR1,14/05/2024,E4A,,SO14 7LY,SO15 2AB,XXXXXXX\n").into_bytes(),
            "903_2024-25/episodes.csv",
        ),
    ];
    let (tables, issues) = read(files);
    assert_eq!(
        rows(&tables, "cla_episode", &["clae_cla_episode_id", "clae_cla_episode_ceased_date", "clae_cla_episode_ceased_reason"]),
        vec![vec![k("C1/2022-06-01", "episode"), "2024-05-14".into(), "E4A".into()]]
    );
    let resubmitted = issues.iter().find(|i| i.code == "episode_resubmitted").unwrap();
    assert_eq!(
        (resubmitted.file.as_deref(), resubmitted.row, resubmitted.action),
        (Some("2023/episodes.csv"), Some(2), Action::Substituted)
    );
    // SEX 1 (2022/23) and M (2024/25) are the same child, so the later header wins silently;
    // the URN placeholder is no URN.
    assert_eq!(
        rows(&tables, "person", &["pers_person_id", "pers_sex", "pers_upn_unknown", "_source_file"]),
        vec![vec!["C1".to_string(), "M".into(), "UN1".into(), "903_2024-25/header.csv".into()]]
    );
    assert!(!issues.iter().any(|i| i.code == "superseded" || i.code == "code_out_of_year"));
    assert_eq!(
        rows(&tables, "cla_placement", &["clap_cla_placement_urn", "clap_cla_placement_end_date"]),
        vec![vec![String::new(), "2024-05-14".into()]]
    );
}

/// Generated SSDA903 returns for three years give the looked-after figures of the SSD extract
/// generated from the same seed, through the whole pipeline.
#[tokio::test]
async fn generated_903_returns_give_the_ssd_extracts_looked_after_figures() {
    let dir = temp();
    let out = dir.path().join("synth");
    let o = csc(&[
        "synth",
        "--out",
        out.to_str().unwrap(),
        "--la",
        "852",
        "--from",
        "2021-04-01",
        "--to",
        "2024-03-31",
        "--formats",
        "ssd,ssda903",
        "--seed",
        "3",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Reporting periods start at the first contact or referral (sql/model/data_coverage.sql),
    // which a 903 return does not hold: the SSD contacts go in with the 903 files so both runs
    // report the same periods. The CLA figures come from the 903 files alone.
    std::fs::copy(out.join("ssd/ssd_contacts.csv"), out.join("ssda903/ssd_contacts.csv")).unwrap();
    let measures = r#"measures = ["cla_at_date", "cla_rate_per_10k", "cla_started", "cla_placement_count_bands", "cla_ceased", "care_leavers_outcomes_pct"]"#;
    for (name, input) in [("ssd", "synth/ssd"), ("903", "synth/ssda903")] {
        let toml = format!("[la]\ncode = \"852\"\n[input]\nlocation = \"{input}\"\n[warehouse]\nlocation = \"wh-{name}\"\n[run]\nas_at = 2024-03-31\n{measures}\n");
        let pipeline = dir.path().join(format!("{name}.toml"));
        std::fs::write(&pipeline, toml).unwrap();
        let o = csc(&["run", "--pipeline", pipeline.to_str().unwrap()]);
        assert!(o.status.success(), "{name}: {}", String::from_utf8_lossy(&o.stderr));
    }
    let (ssd, ours) = (dir.path().join("wh-ssd"), dir.path().join("wh-903"));
    for (id, period_type, start) in [
        ("cla_at_date", "financial_year", "2021-04-01"),
        ("cla_at_date", "financial_year", "2022-04-01"),
        ("cla_at_date", "financial_year", "2023-04-01"),
        ("cla_at_date", "month", "2022-09-01"),
        ("cla_uasc_at_date", "financial_year", "2023-04-01"),
        ("cla_started", "financial_year", "2021-04-01"),
        ("cla_started", "financial_year", "2022-04-01"),
        ("cla_started", "financial_year", "2023-04-01"),
        ("cla_ceased", "financial_year", "2022-04-01"),
        ("cla_3plus_placements_pct", "financial_year", "2021-04-01"),
        ("cla_3plus_placements_pct", "financial_year", "2022-04-01"),
        ("cla_3plus_placements_pct", "financial_year", "2023-04-01"),
        ("cla_rate_per_10k", "financial_year", "2023-04-01"),
        ("care_leavers_17_18_in_touch_pct", "financial_year", "2023-04-01"),
        ("care_leavers_19_21_eet_pct", "financial_year", "2023-04-01"),
        ("care_leavers_19_21_suitable_accommodation_pct", "financial_year", "2023-04-01"),
    ] {
        let (a, b) = (measure(&ssd, id, period_type, start).await, measure(&ours, id, period_type, start).await);
        assert!(a.0 > 0, "{id} {start}: the SSD run has none");
        assert_eq!((a.0, a.1), (b.0, b.1), "{id} {period_type} {start}: SSD {a:?}, SSDA903 {b:?}");
    }
}

/// One child through every other file: reviews linked to the period of care they fall in, UASC,
/// OC2 flags as health checks, OC3 as the care-leaver position, AD1 and placed_for_adoption as
/// one permanence row with dates from the episodes, missing, social workers; prev_perm noted.
#[test]
fn every_other_file_reaches_its_core_table() {
    let files = [
        ("episodes.csv", "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\nA1,10/05/2021,S,C2,N1,U4,PR1,01/09/2021,X1,,,,\nA1,01/09/2021,L,E1,N1,U4,PR1,20/11/2021,X1,CARPL,,,\nA1,20/11/2021,P,E1,N1,A5,PR1,15/03/2022,E11,,,,\n"),
        ("header.csv", "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nA1,2,15/01/2019,WBRI,UN1,,\n"),
        ("reviews.csv", "CHILD,DOB,REVIEW,REVIEW_CODE\nA1,15/01/2019,07/06/2021,PN0\nA1,15/01/2019,01/04/2022,PN0\n"),
        ("uasc.csv", "CHILD,SEX,DOB,DUC\nA1,2,15/01/2019,15/01/2037\n"),
        ("oc2.csv", "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,HEALTH_ASSESSMENT,SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED\nA1,15/01/2019,,SDQ1,,1,0,yes,1,0,,\n"),
        ("oc3.csv", "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\nA1,15/01/2019,YES,F3,U2\n"),
        ("ad1.csv", "CHILD,DOB,DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR\nA1,15/01/2019,01/08/2021,05/11/2021,0,2,MF,L11\n"),
        ("placed_for_adoption.csv", "CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED\nA1,15/01/2019,01/08/2021,,\n"),
        ("prev_perm.csv", "CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM\nA1,15/01/2019,Z1,,\n"),
        ("missing.csv", "CHILD,DOB,MISSING,MIS_START,MIS_END\nA1,15/01/2019,M,03/07/2021,04/07/2021\n"),
        ("sw_episodes.csv", "\u{feff}CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\nA1,15/01/2019,SW9,10/05/2021,,\n"),
    ];
    let inputs: Vec<InputFile> = files.iter().map(|(n, t)| input(t.as_bytes().to_vec(), &format!("2021-22/{n}"))).collect();
    let kinds: Vec<String> = inputs.iter().map(|f| f.kind.as_ref().map(|k| k.describe()).unwrap_or_default()).collect();
    assert_eq!(kinds, files.iter().map(|(n, _)| format!("ssda903:{}", n.trim_end_matches(".csv"))).collect::<Vec<_>>());
    let (tables, issues) = read(inputs);
    let e = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // Legal status C2 then E1 (placement order on 1 September); placed for adoption (A5) on 20
    // November; adopted (E11) on 15 March 2022.
    assert_eq!(
        rows(&tables, "legal_status", &["lega_legal_status", "lega_legal_status_start_date", "lega_legal_status_end_date"]),
        vec![e(&["C2", "2021-05-10", "2021-09-01"]), e(&["E1", "2021-09-01", "2022-03-15"])]
    );
    // RNE L keeps the placement: two placements, the first ending when the A5 one starts.
    assert_eq!(
        rows(
            &tables,
            "cla_placement",
            &[
                "clap_cla_placement_id",
                "clap_cla_placement_start_date",
                "clap_cla_placement_type",
                "clap_cla_placement_end_date",
                "clap_cla_placement_change_reason"
            ]
        ),
        vec![
            e(&[k("A1/2021-05-10", "placement").as_str(), "2021-05-10", "U4", "2021-11-20", "CARPL"]),
            e(&[k("A1/2021-11-20", "placement").as_str(), "2021-11-20", "A5", "2022-03-15", ""])
        ]
    );
    // The 7 June review is in the period of care; the 1 April 2022 one after it ended.
    assert_eq!(
        rows(&tables, "cla_review", &["clar_cla_review_id", "clar_cla_id", "clar_cla_review_date", "clar_cla_review_participation"]),
        vec![
            e(&[k("A1/2021-06-07", "review").as_str(), k("A1/2021-05-10", "period").as_str(), "2021-06-07", "PN0"]),
            e(&[k("A1/2022-04-01", "review").as_str(), "", "2022-04-01", "PN0"])
        ]
    );
    assert_eq!(located(&issues, "review_outside_care"), vec![(3, "C".into(), "01/04/2022".into())]);
    assert_eq!(
        rows(&tables, "immigration_status", &["immi_person_id", "immi_immigration_status", "immi_immigration_status_end_date"]),
        vec![e(&["A1", "UASC", "2037-01-15"])]
    );
    // OC2: health assessment and development check set; TEETH_CHECK `yes` is no 0/1 flag (H2).
    assert_eq!(
        rows(&tables, "cla_health", &["clah_health_check_type", "clah_health_check_date"]),
        vec![e(&["Health Assessment", "2022-03-31"]), e(&["Development Check (under 5)", "2022-03-31"])]
    );
    assert_eq!(located(&issues, "invalid_flag"), vec![(2, "H".into(), "yes".into())]);
    // OC3: F3 was withdrawn after 2020/21 (noted, kept); accommodation U2 is unsuitable.
    assert_eq!(
        rows(
            &tables,
            "care_leaver",
            &[
                "clea_table_id",
                "clea_care_leaver_in_touch",
                "clea_care_leaver_activity",
                "clea_care_leaver_accommodation",
                "clea_care_leaver_accom_suitable"
            ]
        ),
        vec![e(&[k("A1/2022", "care_leaver").as_str(), "YES", "F3", "U2", "2"])]
    );
    assert_eq!(located(&issues, "code_out_of_year"), vec![(2, "D".into(), "F3".into())]);
    assert_eq!(
        rows(
            &tables,
            "permanence",
            &[
                "perm_table_id",
                "perm_cla_id",
                "perm_adm_decision_date",
                "perm_placement_order_date",
                "perm_placed_for_adoption_date",
                "perm_matched_date",
                "perm_adopted_by_carer_flag",
                "perm_permanence_order_date",
                "perm_permanence_order_type",
                "perm_number_of_adopters"
            ]
        ),
        vec![e(&[
            k("A1/2021-08-01", "permanence").as_str(),
            k("A1/2021-05-10", "period").as_str(),
            "2021-08-01",
            "2021-09-01",
            "2021-11-20",
            "2021-11-05",
            "N",
            "2022-03-15",
            "Adoption",
            "2"
        ])]
    );
    assert_eq!(
        rows(
            &tables,
            "missing",
            &["miss_table_id", "miss_missing_episode_type", "miss_missing_episode_start_date", "miss_missing_episode_end_date"]
        ),
        vec![e(&[k("A1/2021-07-03", "missing").as_str(), "M", "2021-07-03", "2021-07-04"])]
    );
    assert_eq!(
        rows(&tables, "involvement", &["invo_involvements_id", "invo_professional_id", "invo_person_id", "invo_involvement_start_date"]),
        vec![e(&[k("A1/SW9/2021-05-10", "involvement").as_str(), "SW9", "A1", "2021-05-10"])]
    );
    assert_eq!(rows(&tables, "person", &["pers_person_id", "pers_sex", "pers_upn_unknown"]), vec![e(&["A1", "F", "UN1"])]);
    let not_loaded = issues.iter().find(|i| i.code == "not_loaded" && i.file.as_deref() == Some("2021-22/prev_perm.csv")).unwrap();
    assert_eq!(not_loaded.action, Action::FileSkipped);
    assert!(
        !issues.iter().any(|i| i.severity == Severity::Error && i.code != "invalid_flag"),
        "{:?}",
        issues.iter().filter(|i| i.severity == Severity::Error).collect::<Vec<_>>()
    );
}

/// A malformed end date is reported once, at its cell, and the episode taken as open — so the
/// repair rules close it from the later return (rule 1) and say so.
#[test]
fn a_malformed_end_date_is_reported_once_and_repaired() {
    let episodes = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n";
    let files = vec![
        input(format!("{episodes}B7,01/06/2021,S,C2,N1,U4,PR1,31/02/2022,X1,,,,\n").into_bytes(), "2022/episodes.csv"),
        input(format!("{episodes}B7,10/04/2022,P,C2,N1,U6,PR1,,,,,,\n").into_bytes(), "2023/episodes.csv"),
    ];
    let (tables, issues) = read(files);
    assert_eq!(located(&issues, "invalid_date"), vec![(2, "H".into(), "31/02/2022".into())]);
    let closed = issues.iter().find(|i| i.code == "episode_closed").unwrap();
    assert_eq!((closed.file.as_deref(), closed.row, closed.column_letter.as_deref()), (Some("2022/episodes.csv"), Some(2), Some("H")));
    let got =
        rows(&tables, "cla_episode", &["clae_cla_episode_start_date", "clae_cla_episode_ceased_date", "clae_cla_episode_ceased_reason"]);
    assert_eq!(
        got,
        vec![
            vec!["2021-06-01".to_string(), "2022-04-10".into(), "X1".into()],
            vec!["2022-04-10".to_string(), String::new(), String::new()]
        ]
    );
}
