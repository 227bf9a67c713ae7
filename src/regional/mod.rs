//! The regional warehouse of a hub (`csc hub --regional-warehouse W`, or `[hub]
//! regional_warehouse`): after the LAs' own runs, the analyst tables of every LA that has a
//! published run ([`TABLES`]) are read at the versions its `_runs/published.json` names, stacked,
//! partitioned by `la_code` and `financial_year`, and published beside a comparison mart
//! ([`COMPARISON`]: each LA's value, rank, the regional mean, median and standard deviation and
//! its z-score). Nothing of any LA's `restricted/` area is read.
//!
//! **Its own key.** Every pseudonym in the stacked tables (the worker dimension of
//! `fact_measure_breakdown`, the only pseudonymised column of these tables) is re-keyed under
//! the regional key from [`REGIONAL_KEY_VAR`]: HMAC of the LA code and the LA's pseudonym, so a
//! regional pseudonym cannot be joined to any LA's analyst tables, and the same text in two LAs
//! gives two pseudonyms. The hub refuses to run without that key, or with the LAs' key.
//!
//! **Publishing** is a run of its own over the regional warehouse, with the same machinery as an
//! LA's: the run lock, recovery of a run that died, staging, one Delta commit per table, the
//! manifest switch (`_runs/published.json`), vacuum and retention. Its run key is made of the
//! LAs' published runs and table versions, so a hub night on which no LA published anything new
//! skips the regional publish too.
//!
//! [`stack`] reads the LAs' published tables and makes their rows regional; [`publish`] runs the
//! regional publish and reports it.

use crate::pseudonymise::{decode_key_of, Pseudonymiser, KEY_VAR, REGIONAL_KEY_VAR};
use crate::{Error, Result};

pub mod publish;
pub mod stack;

pub use publish::{comparison, exit_status, publish, summary, RegionalOutcome, COMPARISON};
pub use stack::{regional_worker, TABLES};

/// Where the regional warehouse is and the key its pseudonyms are made with.
#[derive(Debug, Clone)]
pub struct RegionalConfig {
    pub warehouse: String,
    pub pseudonymiser: Pseudonymiser,
}

impl RegionalConfig {
    /// The regional warehouse at `location`, with the key given in [`REGIONAL_KEY_VAR`]
    /// (`regional_key`). Refused without that key, when it is the LAs' key (`la_key`, from
    /// [`KEY_VAR`]), and when the regional warehouse is an LA's warehouse or inside or around one
    /// (`la_warehouses`): its lock, recovery and vacuum must not touch an LA's files.
    pub fn resolve(location: &str, regional_key: Option<&[u8]>, la_key: Option<&[u8]>, la_warehouses: &[String]) -> Result<RegionalConfig> {
        let raw = regional_key.filter(|k| !k.iter().all(u8::is_ascii_whitespace)).ok_or_else(|| {
            Error::Config(format!(
                "a regional warehouse needs its own key in {REGIONAL_KEY_VAR} (at least 32 random bytes as hex or base64, e.g. \
                 `openssl rand -hex 32`, different from {KEY_VAR} and the same every night), so its pseudonyms cannot be joined to \
                 any LA's analyst tables"
            ))
        })?;
        let key = decode_key_of(REGIONAL_KEY_VAR, raw)?;
        if la_key.and_then(|k| decode_key_of(KEY_VAR, k).ok()).is_some_and(|la| la == key) {
            return Err(Error::Config(format!(
                "{REGIONAL_KEY_VAR} is the same key as {KEY_VAR}: the regional warehouse needs a key of its own, or its pseudonyms \
                 could be recomputed by every LA"
            )));
        }
        crate::storage::refuse_secrets_in_location(location)?;
        let mine = comparable(location);
        if let Some(la) = la_warehouses.iter().find(|la| {
            let la = comparable(la);
            la == mine || la.starts_with(&format!("{mine}/")) || mine.starts_with(&format!("{la}/"))
        }) {
            return Err(Error::Config(format!(
                "the regional warehouse {location} and the LA warehouse {la} overlap: give the regional warehouse a folder of its own"
            )));
        }
        Ok(RegionalConfig { warehouse: location.to_string(), pseudonymiser: Pseudonymiser::new(&key, false)? })
    }
}

/// A location as text that two spellings of one folder share: local paths made absolute.
fn comparable(location: &str) -> String {
    let text = location.trim_end_matches('/');
    if text.contains("://") && !text.starts_with("file://") {
        return text.to_string();
    }
    let path = std::path::Path::new(text.strip_prefix("file://").unwrap_or(text));
    std::path::absolute(path).map(|p| p.display().to_string()).unwrap_or_else(|_| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LA_KEY: &[u8] = b"756e69742d74657374206b65792c206c6f6e6720656e6f7567682c2079657321";
    const REGIONAL_KEY: &[u8] = b"726567696f6e616c2074657374206b65792c206c6f6e6720656e6f7567682121";

    #[test]
    fn the_regional_key_is_required_and_must_not_be_the_las() {
        let las = vec!["/data/wh/852".to_string()];
        let err = RegionalConfig::resolve("/data/regional", None, Some(LA_KEY), &las).unwrap_err().to_string();
        assert!(err.contains(REGIONAL_KEY_VAR), "{err}");
        let err = RegionalConfig::resolve("/data/regional", Some(LA_KEY), Some(LA_KEY), &las).unwrap_err().to_string();
        assert!(err.contains("same key") && !err.contains("756e69"), "{err}");
        assert!(RegionalConfig::resolve("/data/regional", Some(REGIONAL_KEY), Some(LA_KEY), &las).is_ok());
        for overlapping in ["/data/wh/852", "/data/wh", "/data/wh/852/regional/"] {
            let err = RegionalConfig::resolve(overlapping, Some(REGIONAL_KEY), Some(LA_KEY), &las).unwrap_err().to_string();
            assert!(err.contains("overlap"), "{overlapping}: {err}");
        }
    }
}
