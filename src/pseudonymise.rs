//! Pseudonymisation of the analyst-facing tables.
//!
//! Analysts need to count and link children, not to know who they are. In analyst tables:
//! person ids and other identifiers become a keyed hash (HMAC-SHA256 under a sub-key of the
//! secret in `CSC_PSEUDONYM_KEY`, so the same child has the same pseudonym in every table and
//! every run, and nobody without the key can reverse or recompute it); children's names, free
//! text and any text column not reviewed as non-personal are removed; dates of birth and death
//! keep only the month and year (the 1st of the month); postcodes keep only the sector
//! (`SO14 0AA` → `SO14 0`); workers' names are removed unless the pipeline file allows them;
//! provenance (`_source_file`, `_source_row`) is removed. The identifiable tables stay in the
//! warehouse's restricted area.
//!
//! **The key.** At least [`MIN_KEY_BYTES`] random bytes, given as hex or base64 ([`decode_key`]).
//! It is never used directly: HKDF-SHA256 derives one sub-key per purpose and per kind of id
//! ([`IdKind`]), so a person id and a record id with the same text get unrelated pseudonyms, and
//! nothing csc writes outside `restricted/` is computed from the key except the pseudonyms
//! themselves (the run key in each manifest is not: see [`Pseudonymiser::key_check`]).

use std::sync::Arc;

use base64::Engine as _;
use chrono::Datelike;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Date32Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Date32Type, Field, Schema};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::normalise::cells::{date32, from_date32};
use crate::schema::{ColumnSpec, ColumnType, TableSpec};
use crate::{Error, Result};

/// Environment variable holding the pseudonymisation key.
pub const KEY_VAR: &str = "CSC_PSEUDONYM_KEY";

/// Environment variable holding the regional warehouse's own key (`csc hub --regional-warehouse`):
/// a different secret, so regional pseudonyms cannot be joined to any LA's analyst tables.
pub const REGIONAL_KEY_VAR: &str = "CSC_REGIONAL_PSEUDONYM_KEY";

/// Shortest key accepted, in bytes once decoded: 256 bits, so no guessing can find it.
pub const MIN_KEY_BYTES: usize = 32;

/// HKDF salt: fixes the derivation to csc (a key reused elsewhere still gives unrelated sub-keys).
const HKDF_SALT: &[u8] = b"csc-pipeline pseudonymisation v1";

/// Decodes the key as given in `CSC_PSEUDONYM_KEY`: surrounding whitespace (a trailing newline
/// from a secret file) is trimmed, then it is read as hex when it is only hex digits, else as
/// base64 (standard or URL-safe alphabet, padded or not). Plain text is refused, and so is a key
/// of fewer than [`MIN_KEY_BYTES`] bytes once decoded. Generate one with `openssl rand -hex 32`.
pub fn decode_key(raw: &[u8]) -> Result<Vec<u8>> {
    decode_key_of(KEY_VAR, raw)
}

/// As [`decode_key`], for the key in environment variable `var` (named in the errors).
pub fn decode_key_of(var: &str, raw: &[u8]) -> Result<Vec<u8>> {
    let text = std::str::from_utf8(raw).map(str::trim).unwrap_or_default();
    let refuse = |why: &str| {
        Error::Config(format!("{var} {why}: give at least {MIN_KEY_BYTES} random bytes as hex or base64 (e.g. `openssl rand -hex 32`)"))
    };
    if text.is_empty() {
        return Err(refuse("is empty"));
    }
    let bytes = if text.len() % 2 == 0 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(text).map_err(|_| refuse("is not valid hex"))?
    } else {
        let unpadded = text.trim_end_matches('=');
        let engine = if unpadded.contains(['-', '_']) {
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
        } else {
            &base64::engine::general_purpose::STANDARD_NO_PAD
        };
        engine.decode(unpadded).map_err(|_| refuse("is neither hex nor base64"))?
    };
    if bytes.len() < MIN_KEY_BYTES {
        return Err(refuse(&format!("decodes to {} bytes", bytes.len())));
    }
    Ok(bytes)
}

/// The kinds of id pseudonymised under separate sub-keys: the same text as a person id and as a
/// record id gives unrelated pseudonyms, and each kind links only with itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// A child's (person's) id: `pers_person_id` and every `*_person_id`.
    Person,
    /// A worker's id (`*_worker_id`, professional and staff ids).
    Worker,
    /// A record's id (referral, assessment, plan, episode, …) and the ids that join records.
    Record,
    /// Any other identifier: other ids of a child (UPN, common child id), placement URNs,
    /// meeting ids, registration numbers.
    Identifier,
}

impl IdKind {
    const ALL: [IdKind; 4] = [IdKind::Person, IdKind::Worker, IdKind::Record, IdKind::Identifier];

    fn info(self) -> &'static [u8] {
        match self {
            IdKind::Person => b"pseudonym person",
            IdKind::Worker => b"pseudonym worker",
            IdKind::Record => b"pseudonym record",
            IdKind::Identifier => b"pseudonym identifier",
        }
    }

    /// The kind of id a column holds, from its name.
    pub fn of(column: &str) -> IdKind {
        if column == "pers_person_id" || column.ends_with("_person_id") {
            IdKind::Person
        } else if column.ends_with("worker_id") || column.ends_with("professional_id") || column == "prof_staff_id" {
            IdKind::Worker
        } else {
            IdKind::Record
        }
    }
}

/// A 32-byte sub-key of `key` for one purpose (HKDF-SHA256 expand with `info`).
fn subkey(key: &[u8], info: &[u8]) -> [u8; 32] {
    let mut okm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(HKDF_SALT), key).expand(info, &mut okm).expect("32 bytes is a valid HKDF-SHA256 length");
    okm
}

fn keyed(subkey: &[u8; 32]) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(subkey).expect("HMAC takes any key length")
}

/// How analyst tables are made from the identifiable core.
#[derive(Clone)]
pub struct Pseudonymiser {
    keys: Arc<Keys>,
    /// Keep workers' names (a pipeline-file choice).
    pub worker_names: bool,
}

/// The keyed hashes a pseudonymiser uses, derived once (shared by its clones).
struct Keys {
    /// HMAC-SHA256 keyed with each id kind's sub-key (pads hashed once), cloned per identifier.
    by_kind: [Hmac<Sha256>; 4],
    /// HMAC keyed for the Annex A reader's worker ids.
    worker_names: Hmac<Sha256>,
    /// See [`Pseudonymiser::key_check`].
    check: String,
}

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("Pseudonymiser").field("worker_names", &self.worker_names).finish_non_exhaustive()
    }
}

impl Pseudonymiser {
    /// A pseudonymiser with this key (decoded bytes, see [`decode_key`]); a short key is refused.
    pub fn new(key: &[u8], worker_names: bool) -> Result<Self> {
        if key.len() < MIN_KEY_BYTES {
            return Err(Error::Config(format!("{KEY_VAR} must be at least {MIN_KEY_BYTES} bytes long once decoded")));
        }
        let by_kind = IdKind::ALL.map(|k| keyed(&subkey(key, k.info())));
        let check = keyed(&subkey(key, b"key check")).chain_update(b"csc key check").finalize().into_bytes();
        let keys = Keys { by_kind, worker_names: keyed(&subkey(key, b"annex a worker name")), check: hex::encode(check) };
        Ok(Pseudonymiser { keys: Arc::new(keys), worker_names })
    }

    /// The pseudonym of a person id: the first 16 bytes of HMAC-SHA256 under the person sub-key,
    /// as 32 hex digits.
    pub fn pseudonym(&self, id: &str) -> String {
        self.pseudonym_of(IdKind::Person, id)
    }

    /// The pseudonym of an id of this kind.
    pub fn pseudonym_of(&self, kind: IdKind, id: &str) -> String {
        let i = IdKind::ALL.iter().position(|k| *k == kind).expect("every kind is in ALL");
        let mut mac = self.keys.by_kind[i].clone();
        mac.update(id.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// The id the Annex A reader gives a worker it knows only by name: `W` and 12 hex digits of
    /// a keyed hash of the name (lower-cased), so it cannot be recomputed from a list of names.
    pub fn worker_id(&self, name: &str) -> String {
        let mut mac = self.keys.worker_names.clone();
        mac.update(name.to_lowercase().as_bytes());
        format!("W{}", &hex::encode(mac.finalize().into_bytes())[..12])
    }

    /// A value that changes with the key, kept only in `restricted/`: a run compares it with the
    /// published run's to know the key changed. (It is not in the run key, which every manifest
    /// shows analysts: anything computed from the key alone would let them test guesses of it.)
    pub fn key_check(&self) -> &str {
        &self.keys.check
    }

    /// The analyst version of a core table: each column treated by [`column_treatment`]; code
    /// values that are not clean codes ([`is_clean_code`]), the provenance columns and any
    /// column the table's spec does not know are removed.
    pub fn table(&self, spec: &TableSpec, batch: &RecordBatch) -> Result<RecordBatch> {
        let mut fields = Vec::with_capacity(batch.num_columns());
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
        for (field, array) in batch.schema().fields().iter().zip(batch.columns()) {
            let column = spec.columns.iter().find(|c| c.name == *field.name());
            let treatment = match column {
                Some(c) => column_treatment(c, self.worker_names),
                // Provenance (`_source_file` names the export, `_source_row` points into it) and
                // anything unknown: deny by default.
                None => Treatment::Drop,
            };
            let (data_type, out): (DataType, ArrayRef) = match treatment {
                // A code column keeps a value it could not match as received (restricted), but
                // analysts get it only when it is clean: a name typed into a code column is not.
                Treatment::Keep if column.is_some_and(|c| c.kind == ColumnType::Code) => {
                    let (c, codes) = (column.expect("a code column"), crate::reference::CodeLists::builtin());
                    (DataType::Utf8, Arc::new(map_strings(array, |v| is_clean_code(c, v, codes).then(|| v.to_string()))))
                }
                Treatment::Keep => (field.data_type().clone(), array.clone()),
                Treatment::Hash(kind) => (DataType::Utf8, Arc::new(map_strings(array, |s| Some(self.pseudonym_of(kind, s))))),
                Treatment::Drop => (field.data_type().clone(), datafusion::arrow::array::new_null_array(field.data_type(), array.len())),
                Treatment::MonthOnly => (DataType::Date32, Arc::new(first_of_month(array)?)),
                Treatment::PostcodeSector => (DataType::Utf8, Arc::new(map_strings(array, postcode_sector))),
            };
            fields.push(Field::new(field.name(), data_type, true));
            arrays.push(out);
        }
        Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
    }
}

/// The key the readers use for the ids they make up from personal data (the Annex A reader's
/// worker ids, made from workers' names): the run's pseudonymiser, set by [`use_reader_key`].
static READER_KEY: std::sync::RwLock<Option<Hmac<Sha256>>> = std::sync::RwLock::new(None);

/// Makes the readers key their made-up ids with this pseudonymiser's sub-key (a run calls it
/// before normalising). `None` (an identifiable warehouse, `csc check`): a key drawn at random
/// for this process, so the ids are still not a plain hash of a name, but change from run to run.
pub fn use_reader_key(p: Option<&Pseudonymiser>) {
    *READER_KEY.write().expect("reader key lock") = p.map(|p| p.keys.worker_names.clone());
}

/// The Annex A reader's id for a worker known only by name: `W` and 12 hex digits of HMAC-SHA256
/// of the lower-cased name under the reader key ([`use_reader_key`]).
pub fn reader_worker_id(name: &str) -> String {
    let mut mac = match READER_KEY.read().expect("reader key lock").as_ref() {
        Some(m) => m.clone(),
        None => process_key().clone(),
    };
    mac.update(name.to_lowercase().as_bytes());
    format!("W{}", &hex::encode(mac.finalize().into_bytes())[..12])
}

/// A key drawn at random once per process (from the standard library's randomly seeded hasher
/// keys, which come from the operating system).
fn process_key() -> &'static Hmac<Sha256> {
    static KEY: std::sync::OnceLock<Hmac<Sha256>> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        let mut bytes = Vec::with_capacity(32);
        for i in 0u8..4 {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u8(i);
            bytes.extend(h.finish().to_le_bytes());
        }
        keyed(&subkey(&bytes, b"annex a worker name"))
    })
}

/// What happens to one column in analyst tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treatment {
    Keep,
    /// Replaced by its keyed pseudonym, under the sub-key of this kind of id.
    Hash(IdKind),
    /// Removed: the column stays, every value null.
    Drop,
    /// A date cut to the 1st of its month (dates of birth and death).
    MonthOnly,
    PostcodeSector,
}

/// The treatment of a column, from its name, its type and its `pii` kind in `schemas/ssd.toml`.
/// Deny by default: a text column is published only when the schema reviewed it as holding no
/// personal data (`pii = "none"`); codes, flags, numbers and dates (other than birth and death)
/// are typed values and kept.
pub fn treatment(column: &str, kind: ColumnType, pii: Option<&str>, worker_names: bool) -> Treatment {
    if column == "pers_person_id" || column.ends_with("_person_id") {
        return Treatment::Hash(IdKind::Person);
    }
    match (pii, kind) {
        (_, ColumnType::Id) => Treatment::Hash(IdKind::of(column)),
        (Some("identifier"), _) => Treatment::Hash(if column.contains("worker") { IdKind::Worker } else { IdKind::Identifier }),
        (Some("name") | Some("free_text"), _) => Treatment::Drop,
        (Some("worker_name"), _) if !worker_names => Treatment::Drop,
        (Some("worker_name"), _) => Treatment::Keep,
        (Some("date_of_birth") | Some("date_of_death"), _) => Treatment::MonthOnly,
        (Some("postcode"), _) => Treatment::PostcodeSector,
        (Some("none"), _) => Treatment::Keep,
        (_, ColumnType::Text) => Treatment::Drop,
        _ => Treatment::Keep,
    }
}

/// The treatment of a core column. Every record id (`type = "id"`: keys and the ids that join
/// tables) is hashed too: an export's record ids can be looked up in the case-management system,
/// and ids a reader derives from a child's id and a date could be worked back by trial.
pub fn column_treatment(column: &ColumnSpec, worker_names: bool) -> Treatment {
    treatment(&column.name, column.kind, column.pii.as_deref(), worker_names)
}

/// Issues as analysts may see them. An issue keeps its raw value only when the value typed
/// cleanly as a non-personal code ([`is_clean_code`]): its core column is a code column published
/// to analysts as is, and the value is a code of that column's list or has the shape of one.
/// Every other raw value is removed — dates (a misspelt date of birth is still one), ids, text,
/// values of columns the issue cannot be tied to: it fails closed. Should a message still quote
/// a removed value, the quote is removed too. The child's person id becomes its pseudonym, as in
/// the analysts' core tables. The full issues stay restricted.
pub fn redact_issues(issues: &[crate::quality::Issue], p: &Pseudonymiser) -> Vec<crate::quality::Issue> {
    let (tables, worker_names) = (crate::schema::ssd_tables(), p.worker_names);
    let codes = crate::reference::CodeLists::builtin();
    issues
        .iter()
        .map(|i| {
            let mut i = i.clone();
            i.person_id = i.person_id.as_deref().map(|id| p.pseudonym(id));
            if let Some(value) = i.value.take() {
                let key = i.core_column.clone().or_else(|| i.column.as_deref().map(crate::schema::header_key));
                let column = key.as_deref().and_then(|key| {
                    i.table
                        .as_deref()
                        .and_then(|t| tables.iter().find(|s| s.name == t))
                        .and_then(|s| s.columns.iter().find(|c| c.name == key))
                });
                if column.is_some_and(|c| column_treatment(c, worker_names) == Treatment::Keep && is_clean_code(c, &value, codes)) {
                    i.value = Some(value);
                } else if value.trim().chars().count() >= 2 && i.message.contains(value.trim()) {
                    i.message = i.message.replace(value.trim(), "(value removed)");
                }
            }
            i
        })
        .collect()
}

/// Whether a raw value typed cleanly as a non-personal code of `column`: the column is a `code`
/// column, and the value (trimmed) is a code of its list, or has a code's shape — one to eight
/// upper-case letters and digits with at least one digit (`N0`, `RC9`), which no name has.
pub fn is_clean_code(column: &ColumnSpec, value: &str, codes: &crate::reference::CodeLists) -> bool {
    let value = value.trim();
    let shaped = (1..=8).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && value.bytes().any(|b| b.is_ascii_digit());
    column.kind == ColumnType::Code
        && column.pii.is_none()
        && (shaped || column.codes.as_deref().is_some_and(|list| codes.lookup(list, value).is_some()))
}

fn map_strings(array: &ArrayRef, f: impl Fn(&str) -> Option<String>) -> StringArray {
    let utf8 = datafusion::arrow::compute::cast(array, &DataType::Utf8)
        .unwrap_or_else(|_| datafusion::arrow::array::new_null_array(&DataType::Utf8, array.len()));
    let s = utf8.as_string::<i32>();
    (0..s.len()).map(|i| if s.is_valid(i) { f(s.value(i)) } else { None }).collect()
}

fn first_of_month(array: &ArrayRef) -> Result<Date32Array> {
    let d = array
        .as_primitive_opt::<Date32Type>()
        .ok_or_else(|| Error::Internal(format!("a date of birth or death column holds {}, not dates", array.data_type())))?;
    Ok(d.iter().map(|v| v.map(|v| date32(from_date32(v).with_day(1).expect("day 1 exists")))).collect())
}

/// The postcode sector: outward code and the first digit of the inward code (`SO14 0AA` →
/// `SO14 0`). Anything that is not a full UK postcode is dropped rather than published as is.
pub fn postcode_sector(raw: &str) -> Option<String> {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    if !(5..=7).contains(&compact.len()) || !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let mut inward = inward.chars();
    let digit = inward.next().filter(char::is_ascii_digit)?;
    if !inward.all(|c| c.is_ascii_alphabetic()) || !outward.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    Some(format!("{outward} {digit}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quality::{Action, Issue, Severity};

    const KEY_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn p() -> Pseudonymiser {
        Pseudonymiser::new(&decode_key(KEY_HEX.as_bytes()).unwrap(), false).unwrap()
    }

    #[test]
    fn keys_are_hex_or_base64_of_at_least_32_bytes() {
        let bytes: Vec<u8> = (0u8..32).collect();
        assert_eq!(decode_key(KEY_HEX.as_bytes()).unwrap(), bytes);
        assert_eq!(decode_key(format!("  {}\n", KEY_HEX.to_uppercase()).as_bytes()).unwrap(), bytes, "trimmed, either case");
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        assert_eq!(decode_key(b64.as_bytes()).unwrap(), bytes);
        assert_eq!(decode_key(format!("{}\n", b64.trim_end_matches('=')).as_bytes()).unwrap(), bytes, "unpadded");
        let url = base64::engine::general_purpose::URL_SAFE.encode([0xfbu8; 33]);
        assert_eq!(decode_key(url.as_bytes()).unwrap(), vec![0xfb; 33], "URL-safe alphabet");
        for bad in
            ["", "   ", "a test key of enough length, as plain text!", &KEY_HEX[..62], "not base64 at all: ##########################"]
        {
            let err = decode_key(bad.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(KEY_VAR) && !err.contains("enough length"), "{bad:?}: {err}");
        }
        assert!(Pseudonymiser::new(&[7; 31], false).is_err());
    }

    #[test]
    fn pseudonyms_are_stable_keyed_per_kind_and_not_the_id() {
        let a = p().pseudonym("P001");
        assert_eq!(a, p().pseudonym("P001"));
        assert_eq!(a.len(), 32);
        assert_ne!(a, p().pseudonym("P002"));
        let other = Pseudonymiser::new(&[9; 32], false).unwrap();
        assert_ne!(a, other.pseudonym("P001"), "a different key gives different pseudonyms");
        assert_ne!(a, p().pseudonym_of(IdKind::Record, "P001"), "each kind of id has its own sub-key");
        assert_ne!(p().pseudonym_of(IdKind::Worker, "P001"), p().pseudonym_of(IdKind::Identifier, "P001"));
        // HMAC-SHA256 under the HKDF sub-key, worked out independently of the struct.
        let sub = subkey(&decode_key(KEY_HEX.as_bytes()).unwrap(), b"pseudonym person");
        let direct = keyed(&sub).chain_update(b"P001").finalize().into_bytes();
        assert_eq!(a, hex::encode(&direct[..16]));
        let raw = <Hmac<Sha256> as Mac>::new_from_slice(&decode_key(KEY_HEX.as_bytes()).unwrap())
            .unwrap()
            .chain_update(b"P001")
            .finalize()
            .into_bytes();
        assert_ne!(a, hex::encode(&raw[..16]), "never the master key itself");
        assert!(!format!("{:?}", p()).contains("0001"), "the key never reaches logs");
        assert_ne!(p().key_check(), other.key_check());
        assert_eq!(p().key_check().len(), 64);
        assert_ne!(p().worker_id("Jo Bloggs"), other.worker_id("Jo Bloggs"), "worker ids are keyed");
        assert_eq!(p().worker_id("Jo Bloggs"), p().worker_id("jo bloggs"));
    }

    #[test]
    fn the_annex_a_readers_worker_ids_are_keyed() {
        use sha2::Digest;
        let plain = format!("W{}", &hex::encode(Sha256::digest(b"jo bloggs"))[..12]);
        use_reader_key(Some(&p()));
        assert_eq!(reader_worker_id("Jo Bloggs"), p().worker_id("Jo Bloggs"), "the run's key");
        assert_ne!(reader_worker_id("Jo Bloggs"), plain);
        use_reader_key(None);
        let random = reader_worker_id("Jo Bloggs");
        assert!(random != plain && random != p().worker_id("Jo Bloggs") && random.starts_with('W') && random.len() == 13);
        assert_eq!(random, reader_worker_id("jo bloggs"), "stable within the process");
    }

    #[test]
    fn postcodes_keep_the_sector_only() {
        assert_eq!(postcode_sector("SO14 0AA").as_deref(), Some("SO14 0"));
        assert_eq!(postcode_sector("so140aa").as_deref(), Some("SO14 0"));
        assert_eq!(postcode_sector("EC1A 1BB").as_deref(), Some("EC1A 1"));
        assert_eq!(postcode_sector("M1 1AE").as_deref(), Some("M1 1"));
        assert_eq!(postcode_sector("nope"), None);
        assert_eq!(postcode_sector("2TR"), None);
    }

    #[test]
    fn treatments_deny_by_default() {
        use ColumnType::*;
        assert_eq!(treatment("cont_person_id", Id, None, false), Treatment::Hash(IdKind::Person));
        assert_eq!(treatment("cine_referral_worker_id", Id, None, false), Treatment::Hash(IdKind::Worker));
        assert_eq!(treatment("cina_assessment_worker_id", Text, Some("identifier"), false), Treatment::Hash(IdKind::Worker));
        assert_eq!(treatment("clap_cla_placement_urn", Text, Some("identifier"), false), Treatment::Hash(IdKind::Identifier));
        assert_eq!(treatment("cina_referral_id", Id, None, false), Treatment::Hash(IdKind::Record));
        assert_eq!(treatment("pers_forename", Text, Some("name"), true), Treatment::Drop);
        assert_eq!(treatment("prof_professional_name", Text, Some("worker_name"), false), Treatment::Drop);
        assert_eq!(treatment("prof_professional_name", Text, Some("worker_name"), true), Treatment::Keep);
        assert_eq!(treatment("pers_dob", Date, Some("date_of_birth"), false), Treatment::MonthOnly);
        assert_eq!(treatment("pers_death_date", Date, Some("date_of_death"), false), Treatment::MonthOnly);
        assert_eq!(treatment("cont_contact_date", Date, None, false), Treatment::Keep);
        assert_eq!(treatment("some_new_text", Text, None, false), Treatment::Drop, "an untagged text column is not published");
        assert_eq!(treatment("pers_gender", Text, Some("none"), false), Treatment::Keep, "reviewed as non-personal");
        assert_eq!(treatment("cine_close_reason", Code, None, false), Treatment::Keep);
        // Every text column of the schema says what it holds.
        for t in crate::schema::ssd_tables() {
            for c in t.columns.iter().filter(|c| c.kind == Text) {
                assert!(c.pii.is_some(), "{}.{}: a text column must declare pii (\"none\" once reviewed)", t.name, c.name);
            }
        }
    }

    #[test]
    fn person_table_loses_names_birth_and_death_days_and_provenance() {
        let spec = crate::schema::ssd_tables().iter().find(|t| t.name == "person").unwrap();
        let mut cols: Vec<ArrayRef> = Vec::new();
        for c in &spec.columns {
            let a: ArrayRef = match c.kind.data_type() {
                DataType::Date32 => Arc::new(Date32Array::from(vec![Some(date32(chrono::NaiveDate::from_ymd_opt(2015, 6, 17).unwrap()))])),
                _ => Arc::new(StringArray::from(vec![Some(match (c.name.as_str(), c.pii.as_deref()) {
                    ("pers_person_id", _) => "P001",
                    (_, Some("none")) => "reviewed category",
                    _ if c.kind == ColumnType::Flag => "Y",
                    _ => "Alice",
                })])),
            };
            cols.push(a);
        }
        cols.push(Arc::new(StringArray::from(vec![Some("Alice Smith referral.csv")])));
        cols.push(Arc::new(datafusion::arrow::array::Int64Array::from(vec![Some(2)])));
        let batch = RecordBatch::try_new(spec.arrow_schema(), cols).unwrap();
        let out = p().table(spec, &batch).unwrap();
        let text = |n: &str| {
            let a = datafusion::arrow::compute::cast(out.column_by_name(n).unwrap(), &DataType::Utf8).unwrap();
            let s = a.as_string::<i32>();
            s.is_valid(0).then(|| s.value(0).to_string())
        };
        assert_eq!(text("pers_person_id"), Some(p().pseudonym("P001")));
        assert_eq!(text("pers_forename"), None);
        assert_eq!(text("pers_surname"), None);
        assert_eq!(text("pers_dob").as_deref(), Some("2015-06-01"));
        assert_eq!(text("pers_death_date").as_deref(), Some("2015-06-01"), "death date cut to the month");
        assert_eq!(text("pers_common_child_id"), Some(p().pseudonym_of(IdKind::Identifier, "Alice")));
        assert_eq!(text(crate::schema::SOURCE_FILE), None, "provenance removed");
        assert_eq!(text(crate::schema::SOURCE_ROW), None);
        assert_eq!(text("pers_gender").as_deref(), Some("reviewed category"), "a reviewed text column is kept");
        assert_eq!(text("pers_sex"), None, "a name in a code column is not a clean code");
        for c in 0..out.num_columns() {
            let a = datafusion::arrow::compute::cast(out.column(c), &DataType::Utf8).unwrap();
            assert_ne!(a.as_string::<i32>().iter().next().flatten(), Some("Alice"), "{} published a name", out.schema().field(c).name());
        }
    }

    #[test]
    fn analyst_issues_keep_only_clean_codes() {
        let issue = |table: &str, core: &str, value: &str, message: &str| {
            Issue::new(Severity::Warning, "normalise", "unknown_code", message, Action::Kept).table(table).core_column(core).value(value)
        };
        let issues = [
            issue("referral", "cine_close_reason", "RC9", "not a code in the cin_closure_reason list"),
            issue("referral", "cine_close_reason", "RC1", "not a code"),
            issue("referral", "cine_close_reason", "Alice Smith", "Alice Smith is not a code"),
            issue("referral", "cine_close_reason", "alice", "not a code"),
            issue("referral", "cine_close_reason", "=HYPERLINK(\"x\")", "not a code"),
            issue("person", "pers_dob", "31/02/2015", "31/02/2015 is not a date"),
            issue("person", "pers_forename", "Alice", "not a name"),
            issue("referral", "cine_referral_team", "N1", "a team"),
            issue("referral", "cine_no_such_column", "N1", "unknown"),
        ];
        let out = redact_issues(&issues, &Pseudonymiser::new(&[7; 32], false).unwrap());
        let values: Vec<Option<&str>> = out.iter().map(|i| i.value.as_deref()).collect();
        assert_eq!(values, [Some("RC9"), Some("RC1"), None, None, None, None, None, None, None]);
        assert_eq!(out[2].message, "(value removed) is not a code");
        assert_eq!(out[5].message, "(value removed) is not a date");
        let p = Pseudonymiser::new(&[7; 32], false).unwrap();
        let named = redact_issues(&[issues[0].clone().person("P1")], &p);
        assert_eq!(named[0].person_id.as_deref(), Some(p.pseudonym("P1").as_str()), "the analysts' copy names the child by pseudonym");
    }
}
