//! Human-facing outputs made from a run: the terminal summary and the Ofsted Annex A workbook.

pub mod annex_a_workbook;
pub mod summary;
