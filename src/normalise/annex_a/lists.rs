//! The eleven Annex A lists as the reader knows them: each list's fields, which of them identify
//! the list in a header row, which hold dates, and which are not loaded (and why). The header
//! spellings accepted for each field are data: `reference/formats/annex_a/headers.csv`; the core
//! column each field goes to is `reference/annex_a/mapping.csv` ([`super::mapping`]).

/// One column of an Annex A list.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The reader's name for it (as in headers.csv).
    pub name: &'static str,
    /// A header row must have this column to be taken for this list.
    pub identifies: bool,
    /// The column holds dates (numbers in it are Excel serial dates).
    pub date: bool,
    /// Why the column is not loaded into a core table, if it is not.
    pub not_loaded: Option<&'static str>,
}

/// One Annex A list.
#[derive(Debug)]
pub struct List {
    pub number: u8,
    pub title: &'static str,
    pub fields: &'static [Field],
}

impl List {
    /// The position of a field in `fields`.
    pub fn field(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

const fn key(name: &'static str) -> Field {
    Field { name, identifies: true, date: false, not_loaded: None }
}
const fn key_date(name: &'static str) -> Field {
    Field { name, identifies: true, date: true, not_loaded: None }
}
const fn text(name: &'static str) -> Field {
    Field { name, identifies: false, date: false, not_loaded: None }
}
const fn date(name: &'static str) -> Field {
    Field { name, identifies: false, date: true, not_loaded: None }
}
const fn derived(name: &'static str, why: &'static str) -> Field {
    Field { name, identifies: false, date: false, not_loaded: Some(why) }
}

const AGE: Field = derived("age", "the pipeline works out age at the as-at date from the date of birth");
const CHILD: [Field; 4] = [key("child_id"), text("gender"), text("ethnicity"), date("dob")];

/// Lists 1–11 in Ofsted's order.
pub const LISTS: &[List] = &[
    List {
        number: 1,
        title: "contacts",
        fields: &[CHILD[0], CHILD[1], CHILD[2], CHILD[3], AGE, key_date("contact_date"), key("contact_source")],
    },
    List {
        number: 2,
        title: "early help",
        fields: &[CHILD[0], CHILD[1], CHILD[2], CHILD[3], AGE, key_date("eh_start"), date("eh_end"), key("eh_org")],
    },
    List {
        number: 3,
        title: "referrals",
        fields: &[
            CHILD[0],
            CHILD[1],
            CHILD[2],
            CHILD[3],
            AGE,
            key_date("referral_date"),
            key("referral_source"),
            text("referral_nfa"),
            derived("referrals_12m", "the pipeline counts the child's referrals in the 12 months to the as-at date"),
            text("team"),
            text("worker"),
        ],
    },
    List {
        number: 4,
        title: "assessments",
        fields: &[
            CHILD[0],
            CHILD[1],
            CHILD[2],
            CHILD[3],
            AGE,
            text("disability"),
            key_date("assessment_start"),
            text("child_seen"),
            key_date("assessment_auth"),
            text("requires_support"),
            text("team"),
            text("worker"),
        ],
    },
    List {
        number: 5,
        title: "section 47 enquiries and ICPCs",
        fields: &[
            CHILD[0],
            CHILD[1],
            CHILD[2],
            CHILD[3],
            AGE,
            text("disability"),
            key_date("s47_start"),
            text("icpc_unnecessary"),
            date("icpc_date"),
            text("icpc_cp_plan"),
            derived("s47_12m", "the pipeline counts the child's section 47 enquiries in the 12 months to the as-at date"),
            derived("icpc_12m", "the pipeline counts the child's ICPCs in the 12 months to the as-at date"),
            text("team"),
            text("worker"),
        ],
    },
    List {
        number: 6,
        title: "children in need",
        fields: &[
            CHILD[0],
            CHILD[1],
            CHILD[2],
            CHILD[3],
            AGE,
            text("disability"),
            key_date("cin_start"),
            key("primary_need"),
            date("last_seen"),
            date("cin_closure"),
            text("closure_reason"),
            derived("case_status", "the pipeline works out case status from the child's plans, care episodes and assessments"),
            text("team"),
            text("worker"),
        ],
    },
    List {
        number: 7,
        title: "child protection",
        fields: &[
            CHILD[0],
            CHILD[1],
            CHILD[2],
            CHILD[3],
            AGE,
            text("disability"),
            key_date("cp_start"),
            key("initial_category"),
            text("latest_category"),
            date("last_visit"),
            text("seen_alone"),
            date("latest_review"),
            date("cp_end"),
            derived("epo", "the pipeline works this out from legal statuses L1 and L2"),
            derived("previous_plans", "the pipeline counts the child's earlier plans"),
            text("team"),
            text("worker"),
        ],
    },
    List {
        number: 8,
        title: "children in care",
        fields: &[
            CHILD[0],
            CHILD[1],
            CHILD[2],
            CHILD[3],
            AGE,
            text("uasc"),
            text("disability"),
            key_date("cla_start"),
            text("category_of_need"),
            derived("repeat_period", "the pipeline works this out from the child's care episodes"),
            date("legal_status_start"),
            key("legal_status"),
            date("latest_review"),
            date("last_visit"),
            text("permanence_plan"),
            date("last_iro"),
            date("health_assessment"),
            date("dental_check"),
            derived("placements_12m", "the pipeline counts the child's placements in the 12 months to the as-at date"),
            date("cla_ceased"),
            text("reason_ceased"),
            date("placement_start"),
            text("placement_type"),
            text("placement_provider"),
            text("placement_postcode"),
            text("placement_urn"),
            derived("placement_location", "the pipeline derives it from the placement postcode"),
            derived("placement_la", "the pipeline derives it from the placement postcode"),
            derived("missing_12m", "the pipeline counts missing episodes from the missing table"),
            derived("absent_12m", "the pipeline counts absences from the missing table"),
            derived("rhi_offered", "return interviews belong to missing episodes, which the list does not give"),
            derived("rhi_accepted", "return interviews belong to missing episodes, which the list does not give"),
            text("team"),
            text("worker"),
        ],
    },
    List {
        number: 9,
        title: "care leavers",
        fields: &[
            CHILD[0],
            CHILD[1],
            CHILD[2],
            CHILD[3],
            AGE,
            text("uasc"),
            text("disability"),
            text("team"),
            text("worker"),
            text("personal_advisor"),
            key("eligibility"),
            date("pathway_review"),
            key("in_touch"),
            date("latest_contact"),
            text("accommodation"),
            text("suitability"),
            text("activity"),
        ],
    },
    List {
        number: 10,
        title: "adoption",
        fields: &[
            CHILD[0],
            derived("family_id", "the core tables hold no adoptive family identifier"),
            CHILD[1],
            CHILD[2],
            CHILD[3],
            AGE,
            text("disability"),
            derived("entered_care", "the pipeline takes the date the child entered care from the care episodes"),
            key_date("adoption_decision"),
            date("placement_order"),
            date("matched"),
            date("placed"),
            date("adoption_order"),
            date("decision_reversed"),
            text("reversal_reason"),
            date("ffa_placed"),
        ],
    },
    List { number: 11, title: "adopters", fields: &[key("adopter_id"), key_date("enquiry_date")] },
];
