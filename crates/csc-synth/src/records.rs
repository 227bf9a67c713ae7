//! The SSD rows the generator writes, typed. Column names are the SSD names the pipeline reads
//! (`schemas/ssd.toml`); a unit test checks each table against that file.

use csc_pipeline::normalise::cells::from_date32;

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

ssd_table!(
    /// A child protection visit (`ssd_cp_visits`).
    CpVisit = "ssd_cp_visits" {
        id: String => "cppv_cp_visit_id",
        person: String => "cppv_person_id",
        plan: String => "cppv_cp_plan_id",
        date: Option<i32> => "cppv_cp_visit_date",
        seen: &'static str => "cppv_cp_visit_seen",
        seen_alone: &'static str => "cppv_cp_visit_seen_alone",
        bedroom: &'static str => "cppv_cp_visit_bedroom",
    }
);

ssd_table!(
    /// A child protection review conference (`ssd_cp_reviews`).
    CpReview = "ssd_cp_reviews" {
        id: String => "cppr_cp_review_id",
        person: String => "cppr_person_id",
        plan: String => "cppr_cp_plan_id",
        due: Option<i32> => "cppr_cp_review_due",
        held: Option<i32> => "cppr_cp_review_date",
        meeting: String => "cppr_cp_review_meeting_id",
        continue_cp: &'static str => "cppr_cp_review_outcome_continue_cp",
        quorate: &'static str => "cppr_cp_review_quorate",
        participation: &'static str => "cppr_cp_review_participation",
    }
);

ssd_table!(
    /// A missing (`M`) or away-without-authorisation (`A`) episode (`ssd_missing`), with the
    /// return interview offered and accepted (`Y` / `N`).
    Missing = "ssd_missing" {
        id: String => "miss_table_id",
        person: String => "miss_person_id",
        start: Option<i32> => "miss_missing_episode_start_date",
        kind: &'static str => "miss_missing_episode_type",
        end: Option<i32> => "miss_missing_episode_end_date",
        rhi_offered: &'static str => "miss_missing_rhi_offered",
        rhi_accepted: &'static str => "miss_missing_rhi_accepted",
    }
);

ssd_table!(
    /// A child in need visit (`ssd_cin_visits`).
    CinVisit = "ssd_cin_visits" {
        id: String => "cinv_cin_visit_id",
        person: String => "cinv_person_id",
        date: Option<i32> => "cinv_cin_visit_date",
        seen: &'static str => "cinv_cin_visit_seen",
        seen_alone: &'static str => "cinv_cin_visit_seen_alone",
        bedroom: &'static str => "cinv_cin_visit_bedroom",
    }
);

ssd_table!(
    /// A statutory visit to a child looked after (`ssd_cla_visits`).
    ClaVisit = "ssd_cla_visits" {
        id: String => "clav_cla_visit_id",
        cla_id: String => "clav_cla_id",
        person: String => "clav_person_id",
        date: Option<i32> => "clav_cla_visit_date",
        seen: &'static str => "clav_cla_visit_seen",
        seen_alone: &'static str => "clav_cla_visit_seen_alone",
    }
);

ssd_table!(
    /// A health assessment or dental check of a child looked after (`ssd_cla_health`).
    ClaHealth = "ssd_cla_health" {
        id: String => "clah_health_check_id",
        person: String => "clah_person_id",
        kind: &'static str => "clah_health_check_type",
        date: Option<i32> => "clah_health_check_date",
        status: &'static str => "clah_health_check_status",
    }
);

ssd_table!(
    /// A looked-after child's care plan and the permanence plan(s) it records
    /// (`ssd_cla_care_plan`): the SSD's JSON of ten plan keys, `Y` against each one pursued.
    ClaCarePlan = "ssd_cla_care_plan" {
        id: String => "lacp_table_id",
        person: String => "lacp_person_id",
        start: Option<i32> => "lacp_cla_care_plan_start_date",
        end: Option<i32> => "lacp_cla_care_plan_end_date",
        plans: String => "lacp_cla_care_plan_json",
    }
);

ssd_table!(
    /// Adoption and other permanence milestones of a period of care (`ssd_permanence`).
    Permanence = "ssd_permanence" {
        id: String => "perm_table_id",
        person: String => "perm_person_id",
        cla_id: String => "perm_cla_id",
        decision: Option<i32> => "perm_adm_decision_date",
        ffa_decision: Option<i32> => "perm_ffa_cp_decision_date",
        placement_order: Option<i32> => "perm_placement_order_date",
        placed_for_adoption: Option<i32> => "perm_placed_for_adoption_date",
        matched: Option<i32> => "perm_matched_date",
        adopted_by_carer: &'static str => "perm_adopted_by_carer_flag",
        placed_ffa: Option<i32> => "perm_placed_ffa_cp_date",
        reversed: Option<i32> => "perm_decision_reversed_date",
        placed_foster_carer: Option<i32> => "perm_placed_foster_carer_date",
        sibling_group: &'static str => "perm_part_of_sibling_group",
        siblings_together: String => "perm_siblings_placed_together",
        siblings_apart: String => "perm_siblings_placed_apart",
        provider_urn: String => "perm_placement_provider_urn",
        reversed_reason: &'static str => "perm_decision_reversed_reason",
        order_date: Option<i32> => "perm_permanence_order_date",
        order_type: &'static str => "perm_permanence_order_type",
        worker: String => "perm_adoption_worker_id",
        adopter_sex: &'static str => "perm_adopter_sex",
        adopter_legal_status: &'static str => "perm_adopter_legal_status",
        adopters: &'static str => "perm_number_of_adopters",
    }
);

ssd_table!(
    /// A worker's or team's involvement with a child (`ssd_involvements`): who held the case
    /// from when to when, and why it changed hands.
    Involvement = "ssd_involvements" {
        id: String => "invo_involvements_id",
        professional: String => "invo_professional_id",
        role: &'static str => "invo_professional_role_id",
        team: &'static str => "invo_professional_team",
        start: Option<i32> => "invo_involvement_start_date",
        end: Option<i32> => "invo_involvement_end_date",
        change_reason: &'static str => "invo_worker_change_reason",
        person: String => "invo_person_id",
        referral: String => "invo_referral_id",
    }
);

ssd_table!(
    /// A member of staff (`ssd_professionals`).
    Professional = "ssd_professionals" {
        id: String => "prof_professional_id",
        staff_id: String => "prof_staff_id",
        name: String => "prof_professional_name",
        registration: String => "prof_social_worker_registration_no",
        job_title: &'static str => "prof_professional_job_title",
        caseload: String => "prof_professional_caseload",
        department: &'static str => "prof_professional_department",
        fte: String => "prof_full_time_equivalency",
        agency: &'static str => "prof_agency_worker_flag",
    }
);

ssd_table!(
    /// A recorded disability (`ssd_disability`), CIN census codes; `NONE` when assessed as none.
    Disability = "ssd_disability" {
        person: String => "disa_person_id",
        id: String => "disa_table_id",
        code: &'static str => "disa_disability_code",
    }
);

ssd_table!(
    /// An early help episode (`ssd_early_help_episodes`).
    EarlyHelp = "ssd_early_help_episodes" {
        id: String => "earl_episode_id",
        person: String => "earl_person_id",
        start: Option<i32> => "earl_episode_start_date",
        end: Option<i32> => "earl_episode_end_date",
        reason: &'static str => "earl_episode_reason",
        end_reason: &'static str => "earl_episode_end_reason",
        organisation: &'static str => "earl_episode_organisation",
        worker: String => "earl_episode_worker_id",
    }
);

ssd_table!(
    /// Factors identified at the end of an assessment (`ssd_assessment_factors`), as a JSON array.
    AssessmentFactors = "ssd_assessment_factors" {
        id: String => "cinf_table_id",
        assessment: String => "cinf_assessment_id",
        factors: String => "cinf_assessment_factors_json",
    }
);

ssd_table!(
    /// A child's period of pre-proceedings (Public Law Outline) and care proceedings (`ssd_pre_proceedings`).
    PreProceedings = "ssd_pre_proceedings" {
        id: String => "prep_table_id",
        person: String => "prep_person_id",
        family: String => "prep_plo_family_id",
        decision: Option<i32> => "prep_pre_pro_decision_date",
        meeting: Option<i32> => "prep_initial_pre_pro_meeting_date",
        outcome: &'static str => "prep_pre_pro_outcome",
        agreed: Option<i32> => "prep_agree_stepdown_issue_date",
        cp_plans: String => "prep_cp_plans_referral_period",
        gateway: &'static str => "prep_legal_gateway_outcome",
        previous_pre: String => "prep_prev_pre_proc_child",
        previous_care: String => "prep_prev_care_proc_child",
        pre_letter: Option<i32> => "prep_pre_pro_letter_date",
        care_letter: Option<i32> => "prep_care_pro_letter_date",
        meetings: String => "prep_pre_pro_meetings_num",
        legal_rep: &'static str => "prep_pre_pro_parents_legal_rep",
        legal_rep_at_issue: &'static str => "prep_parents_legal_rep_point_of_issue",
        court_reference: String => "prep_court_reference",
        hearings: String => "prep_care_proc_court_hearings",
        short_notice: &'static str => "prep_care_proc_short_notice",
        short_notice_reason: &'static str => "prep_proc_short_notice_reason",
        initial_approved: &'static str => "prep_la_inital_plan_approved",
        initial_plan: &'static str => "prep_la_initial_care_plan",
        final_approved: &'static str => "prep_la_final_plan_approved",
        final_plan: &'static str => "prep_la_final_care_plan",
    }
);

ssd_table!(
    /// A mother and one of her children (`ssd_mother`).
    Mother = "ssd_mother" {
        id: String => "moth_table_id",
        mother: String => "moth_person_id",
        child: String => "moth_childs_person_id",
        child_dob: Option<i32> => "moth_childs_dob",
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
    pub cp_visits: Vec<CpVisit>,
    pub cp_reviews: Vec<CpReview>,
    pub missing: Vec<Missing>,
    pub cin_visits: Vec<CinVisit>,
    pub cla_visits: Vec<ClaVisit>,
    pub cla_health: Vec<ClaHealth>,
    pub cla_care_plans: Vec<ClaCarePlan>,
    pub permanence: Vec<Permanence>,
    pub involvements: Vec<Involvement>,
    pub professionals: Vec<Professional>,
    pub disabilities: Vec<Disability>,
    pub early_help: Vec<EarlyHelp>,
    pub assessment_factors: Vec<AssessmentFactors>,
    pub pre_proceedings: Vec<PreProceedings>,
    pub mothers: Vec<Mother>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use csc_pipeline::schema::ssd_tables;

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
        same_columns::<CpVisit>();
        same_columns::<CpReview>();
        same_columns::<Missing>();
        same_columns::<CinVisit>();
        same_columns::<ClaVisit>();
        same_columns::<ClaHealth>();
        same_columns::<ClaCarePlan>();
        same_columns::<Permanence>();
        same_columns::<Involvement>();
        same_columns::<Professional>();
        same_columns::<Disability>();
        same_columns::<EarlyHelp>();
        same_columns::<AssessmentFactors>();
        same_columns::<PreProceedings>();
        same_columns::<Mother>();
    }
}
