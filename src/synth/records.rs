//! The SSD rows the generator writes, typed. Column names are the SSD names the pipeline reads
//! (`schemas/ssd.toml`); a unit test checks each table against that file.

use crate::normalise::cells::from_date32;

/// One table of the SSD extract.
pub trait Row {
    /// SSD table name, which is also the file name (`<TABLE>.csv`).
    const TABLE: &'static str;
    /// Header row.
    const COLUMNS: &'static [&'static str];
    /// The row's cells in [`Row::COLUMNS`] order, as written (dates ISO `YYYY-MM-DD`).
    fn cells(&self) -> Vec<String>;
}

/// How a field is written to a CSV cell.
pub trait Cell {
    fn cell(&self) -> String;
}

impl Cell for String {
    fn cell(&self) -> String {
        self.clone()
    }
}

impl Cell for &'static str {
    fn cell(&self) -> String {
        (*self).to_string()
    }
}

/// Dates are Date32 day numbers; `None` is an empty cell.
impl Cell for Option<i32> {
    fn cell(&self) -> String {
        self.map(|d| from_date32(d).format("%Y-%m-%d").to_string()).unwrap_or_default()
    }
}

impl Cell for Option<f64> {
    fn cell(&self) -> String {
        self.map(|v| format!("{v:.1}")).unwrap_or_default()
    }
}

macro_rules! ssd_table {
    ($(#[$meta:meta])* $name:ident = $table:literal { $($field:ident : $ty:ty => $column:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        #[allow(missing_docs)]
        pub struct $name {
            $(pub $field: $ty),*
        }

        impl Row for $name {
            const TABLE: &'static str = $table;
            const COLUMNS: &'static [&'static str] = &[$($column),*];
            fn cells(&self) -> Vec<String> {
                vec![$(self.$field.cell()),*]
            }
        }
    };
}

ssd_table!(
    /// A child (`ssd_person`).
    Person = "ssd_person" {
        id: String => "pers_person_id",
        forename: &'static str => "pers_forename",
        surname: &'static str => "pers_surname",
        sex: &'static str => "pers_sex",
        gender: &'static str => "pers_gender",
        ethnicity: &'static str => "pers_ethnicity",
        dob: Option<i32> => "pers_dob",
        common_child_id: String => "pers_common_child_id",
        legacy_id: String => "pers_legacy_id",
        upn_unknown: &'static str => "pers_upn_unknown",
        send_flag: &'static str => "pers_send_flag",
        expected_dob: Option<i32> => "pers_expected_dob",
        death_date: Option<i32> => "pers_death_date",
        is_mother: &'static str => "pers_is_mother",
        nationality: &'static str => "pers_nationality",
    }
);

ssd_table!(
    /// A contact (`ssd_contacts`).
    Contact = "ssd_contacts" {
        id: String => "cont_contact_id",
        person: String => "cont_person_id",
        date: Option<i32> => "cont_contact_date",
        source: &'static str => "cont_contact_source_code",
        source_desc: &'static str => "cont_contact_source_desc",
        outcome: &'static str => "cont_contact_outcome_json",
    }
);

ssd_table!(
    /// A referral, the start of a CIN episode (`ssd_cin_episodes`).
    Referral = "ssd_cin_episodes" {
        id: String => "cine_referral_id",
        person: String => "cine_person_id",
        date: Option<i32> => "cine_referral_date",
        need: &'static str => "cine_cin_primary_need_code",
        source: &'static str => "cine_referral_source_code",
        source_desc: &'static str => "cine_referral_source_desc",
        outcome: &'static str => "cine_referral_outcome_json",
        nfa: &'static str => "cine_referral_nfa",
        close_reason: &'static str => "cine_close_reason",
        close_date: Option<i32> => "cine_close_date",
        team: &'static str => "cine_referral_team",
        worker: String => "cine_referral_worker_id",
    }
);

ssd_table!(
    /// A single assessment (`ssd_cin_assessments`).
    Assessment = "ssd_cin_assessments" {
        id: String => "cina_assessment_id",
        person: String => "cina_person_id",
        referral: String => "cina_referral_id",
        start: Option<i32> => "cina_assessment_start_date",
        child_seen: &'static str => "cina_assessment_child_seen",
        auth: Option<i32> => "cina_assessment_auth_date",
        outcome: &'static str => "cina_assessment_outcome_json",
        nfa: &'static str => "cina_assessment_outcome_nfa",
        team: &'static str => "cina_assessment_team",
        worker: String => "cina_assessment_worker_id",
    }
);

ssd_table!(
    /// A section 47 enquiry (`ssd_s47_enquiry`).
    S47 = "ssd_s47_enquiry" {
        id: String => "s47e_s47_enquiry_id",
        referral: String => "s47e_referral_id",
        person: String => "s47e_person_id",
        start: Option<i32> => "s47e_s47_start_date",
        end: Option<i32> => "s47e_s47_end_date",
        nfa: &'static str => "s47e_s47_nfa",
        outcome: &'static str => "s47e_s47_outcome_json",
        worker: String => "s47e_s47_completed_by_worker_id",
        team: &'static str => "s47e_s47_completed_by_team",
    }
);

ssd_table!(
    /// An initial child protection conference (`ssd_initial_cp_conference`).
    Icpc = "ssd_initial_cp_conference" {
        id: String => "icpc_icpc_id",
        meeting: String => "icpc_icpc_meeting_id",
        s47: String => "icpc_s47_enquiry_id",
        person: String => "icpc_person_id",
        plan: String => "icpc_cp_plan_id",
        referral: String => "icpc_referral_id",
        transfer_in: &'static str => "icpc_icpc_transfer_in",
        target: Option<i32> => "icpc_icpc_target_date",
        date: Option<i32> => "icpc_icpc_date",
        cp: &'static str => "icpc_icpc_outcome_cp_flag",
        outcome: &'static str => "icpc_icpc_outcome_json",
        team: &'static str => "icpc_icpc_team",
        worker: String => "icpc_icpc_worker_id",
    }
);

ssd_table!(
    /// A child protection plan (`ssd_cp_plans`).
    CpPlan = "ssd_cp_plans" {
        id: String => "cppl_cp_plan_id",
        referral: String => "cppl_referral_id",
        icpc: String => "cppl_icpc_id",
        person: String => "cppl_person_id",
        start: Option<i32> => "cppl_cp_plan_start_date",
        end: Option<i32> => "cppl_cp_plan_end_date",
        initial_category: &'static str => "cppl_cp_plan_initial_category",
        ola: &'static str => "cppl_cp_plan_ola",
        latest_category: &'static str => "cppl_cp_plan_latest_category",
    }
);

ssd_table!(
    /// A child in need plan (`ssd_cin_plans`).
    CinPlan = "ssd_cin_plans" {
        id: String => "cinp_cin_plan_id",
        referral: String => "cinp_referral_id",
        person: String => "cinp_person_id",
        start: Option<i32> => "cinp_cin_plan_start_date",
        end: Option<i32> => "cinp_cin_plan_end_date",
        team: &'static str => "cinp_cin_plan_team",
        worker: String => "cinp_cin_plan_worker_id",
    }
);

ssd_table!(
    /// A looked-after episode (`ssd_cla_episodes`); `cla_id` names the period of care.
    ClaEpisode = "ssd_cla_episodes" {
        id: String => "clae_cla_episode_id",
        person: String => "clae_person_id",
        start: Option<i32> => "clae_cla_episode_start_date",
        start_reason: &'static str => "clae_cla_episode_start_reason",
        need: &'static str => "clae_cla_primary_need_code",
        end: Option<i32> => "clae_cla_episode_ceased_date",
        end_reason: &'static str => "clae_cla_episode_ceased_reason",
        cla_id: String => "clae_cla_id",
        referral: String => "clae_referral_id",
        placement: String => "clae_cla_placement_id",
        entered_care: Option<i32> => "clae_entered_care_date",
        last_iro_contact: Option<i32> => "clae_cla_last_iro_contact_date",
    }
);

ssd_table!(
    /// A placement (`ssd_cla_placement`).
    ClaPlacement = "ssd_cla_placement" {
        id: String => "clap_cla_placement_id",
        start: Option<i32> => "clap_cla_placement_start_date",
        placement_type: &'static str => "clap_cla_placement_type",
        urn: String => "clap_cla_placement_urn",
        distance: Option<f64> => "clap_cla_placement_distance",
        cla_id: String => "clap_cla_id",
        provider: &'static str => "clap_cla_placement_provider",
        postcode: String => "clap_cla_placement_postcode",
        end: Option<i32> => "clap_cla_placement_end_date",
        change_reason: &'static str => "clap_cla_placement_change_reason",
        person: String => "clap_person_id",
    }
);

ssd_table!(
    /// A legal status (`ssd_legal_status`): short breaks are V3/V4 and are not counted as looked
    /// after.
    LegalStatus = "ssd_legal_status" {
        id: String => "lega_legal_status_id",
        person: String => "lega_person_id",
        status: &'static str => "lega_legal_status",
        start: Option<i32> => "lega_legal_status_start_date",
        end: Option<i32> => "lega_legal_status_end_date",
    }
);

ssd_table!(
    /// An immigration status (`ssd_immigration_status`): unaccompanied asylum-seeking children.
    Immigration = "ssd_immigration_status" {
        person: String => "immi_person_id",
        id: String => "immi_immigration_status_id",
        status: &'static str => "immi_immigration_status",
        start: Option<i32> => "immi_immigration_status_start_date",
        end: Option<i32> => "immi_immigration_status_end_date",
    }
);

ssd_table!(
    /// A care leaver's current position (`ssd_care_leavers`): SSDA903 OC3 codes for in touch,
    /// activity and accommodation, suitability `1` / `2`.
    CareLeaver = "ssd_care_leavers" {
        id: String => "clea_table_id",
        person: String => "clea_person_id",
        eligibility: &'static str => "clea_care_leaver_eligibility",
        in_touch: &'static str => "clea_care_leaver_in_touch",
        latest_contact: Option<i32> => "clea_care_leaver_latest_contact",
        accommodation: &'static str => "clea_care_leaver_accommodation",
        suitable: &'static str => "clea_care_leaver_accom_suitable",
        activity: &'static str => "clea_care_leaver_activity",
        pathway_review: Option<i32> => "clea_pathway_plan_review_date",
        advisor: String => "clea_care_leaver_personal_advisor",
        team: &'static str => "clea_care_leaver_allocated_team",
        worker: String => "clea_care_leaver_worker_id",
    }
);

ssd_table!(
    /// A review of a child looked after (`ssd_cla_reviews`), by period of care.
    ClaReview = "ssd_cla_reviews" {
        id: String => "clar_cla_review_id",
        cla_id: String => "clar_cla_id",
        due: Option<i32> => "clar_cla_review_due_date",
        held: Option<i32> => "clar_cla_review_date",
        cancelled: &'static str => "clar_cla_review_cancelled",
        participation: &'static str => "clar_cla_review_participation",
    }
);

/// Legal statuses of short breaks (an agreed series of short-term placements).
pub const SHORT_BREAK_STATUSES: [&str; 2] = ["V3", "V4"];

/// The SSD extract for the window, as written before any fault is injected.
#[derive(Debug, Default)]
pub struct Ssd {
    pub persons: Vec<Person>,
    pub contacts: Vec<Contact>,
    pub referrals: Vec<Referral>,
    pub assessments: Vec<Assessment>,
    pub s47s: Vec<S47>,
    pub icpcs: Vec<Icpc>,
    pub cp_plans: Vec<CpPlan>,
    pub cin_plans: Vec<CinPlan>,
    pub cla_episodes: Vec<ClaEpisode>,
    pub cla_placements: Vec<ClaPlacement>,
    pub legal_statuses: Vec<LegalStatus>,
    pub immigration: Vec<Immigration>,
    pub cla_reviews: Vec<ClaReview>,
    /// The care-leaver table as at the extract's end (`ssd_care_leavers`).
    pub care_leavers: Vec<CareLeaver>,
    /// The care-leaver table as it stood on each 31 March of the window, by financial year:
    /// what the calibration report and SSDA903 OC3 read (the SSD keeps only the latest).
    pub care_leaver_years: std::collections::BTreeMap<i32, Vec<CareLeaver>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ssd_tables;

    fn same_columns<R: Row>() {
        let spec = ssd_tables().iter().find(|t| t.source == R::TABLE).unwrap_or_else(|| panic!("{} not in schemas/ssd.toml", R::TABLE));
        let mut want: Vec<&str> = spec.columns.iter().map(|c| c.name.as_str()).collect();
        let mut have: Vec<&str> = R::COLUMNS.to_vec();
        want.sort_unstable();
        have.sort_unstable();
        assert_eq!(have, want, "{}", R::TABLE);
    }

    #[test]
    fn written_columns_are_the_schema_columns() {
        same_columns::<Person>();
        same_columns::<Contact>();
        same_columns::<Referral>();
        same_columns::<Assessment>();
        same_columns::<S47>();
        same_columns::<Icpc>();
        same_columns::<CpPlan>();
        same_columns::<CinPlan>();
        same_columns::<ClaEpisode>();
        same_columns::<ClaPlacement>();
        same_columns::<LegalStatus>();
        same_columns::<Immigration>();
        same_columns::<CareLeaver>();
        same_columns::<ClaReview>();
    }
}
