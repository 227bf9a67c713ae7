//! Human-facing outputs made from a run: the terminal summary, the performance pack
//! (`csc report`) and the Ofsted Annex A workbook.

pub mod action_lists;
pub mod annex_a_headers;
pub mod annex_a_notes;
pub mod annex_a_workbook;
pub mod by_team;
pub mod issues_csv;
pub mod movement;
pub mod pack;
pub mod published;
pub mod summary;
