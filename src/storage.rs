//! Storage locations: a local path or an object-store URL, resolved to an `ObjectStore` and a
//! prefix inside it. Every stage reads and writes through this, so the same run works on local
//! disk and on Azure Blob / ADLS Gen2, S3 and GCS.
//!
//! Cloud credentials come only from the environment (the `AZURE_*`, `AWS_*` and `GOOGLE_*`
//! variables object_store reads, managed and workload identity included); a URL or pipeline file
//! that carries a key, SAS token or password is refused. Requests that fail transiently (5xx,
//! throttling, refused or dropped connections, read timeouts) are retried with bounded
//! exponential backoff ([`StorageOptions`]).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{BackoffConfig, ClientOptions, ObjectMeta, ObjectStore, ObjectStoreExt, ObjectStoreScheme, PutPayload, RetryConfig};
use serde::Deserialize;
use url::Url;

use crate::{Error, Result};

/// `[storage]` in the pipeline file: how hard object-store requests are retried. Local disk is
/// not retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageOptions {
    /// Retries of one request before the run fails (0 turns retrying off).
    pub retries: usize,
    /// No retry is started this many seconds after a request was first sent.
    pub retry_timeout_secs: u64,
}

impl Default for StorageOptions {
    /// Ten retries within three minutes: rides out a storage service restart or a throttling
    /// spell, while a real outage still fails the night's run in minutes, not hours.
    fn default() -> Self {
        StorageOptions { retries: 10, retry_timeout_secs: 180 }
    }
}

/// Longest `retry_timeout_secs` accepted: a signed request is only valid for so long.
const MAX_RETRY_TIMEOUT_SECS: u64 = 15 * 60;
/// Time allowed to open a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time allowed for a whole request, upload or download (a large Parquet file on a slow link).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

impl StorageOptions {
    /// Checks the values are usable.
    pub fn validate(&self) -> Result<()> {
        if self.retries > 100 {
            return Err(Error::Config(format!("[storage] retries = {} is more than 100", self.retries)));
        }
        if self.retry_timeout_secs == 0 || self.retry_timeout_secs > MAX_RETRY_TIMEOUT_SECS {
            return Err(Error::Config(format!(
                "[storage] retry_timeout_secs = {} must be between 1 and {MAX_RETRY_TIMEOUT_SECS}",
                self.retry_timeout_secs
            )));
        }
        Ok(())
    }

    /// object_store's retry policy: exponential backoff with jitter from 100 ms, doubling, at
    /// most 15 s apart, bounded by both the retry count and the retry timeout.
    pub fn retry_config(&self) -> RetryConfig {
        RetryConfig {
            backoff: BackoffConfig { init_backoff: Duration::from_millis(100), max_backoff: Duration::from_secs(15), base: 2.0 },
            max_retries: self.retries,
            retry_timeout: Duration::from_secs(self.retry_timeout_secs),
        }
    }
}

/// Timeouts for every cloud request; the `*_TIMEOUT` environment variables object_store reads
/// (e.g. `AZURE_TIMEOUT=300s`) override them.
fn client_options() -> ClientOptions {
    ClientOptions::new().with_connect_timeout(CONNECT_TIMEOUT).with_timeout(REQUEST_TIMEOUT)
}

/// A folder-like location in an object store.
#[derive(Clone)]
pub struct Location {
    /// The store, rooted at the bucket (or the file system root for local paths).
    pub store: Arc<dyn ObjectStore>,
    /// The URL DataFusion reaches the store by (`file:///`, `az://container/`): a path after it
    /// is a path in the store, so `ctx.register_object_store(&root_url, store)` makes every
    /// [`Location::folder_url`] readable.
    pub root_url: Url,
    /// The folder inside the store.
    pub prefix: Path,
    /// What the user wrote (never holding a secret: those are refused), for messages.
    pub display: String,
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display)
    }
}

impl Location {
    /// Resolves a local path (relative paths against the current directory) or a URL, with the
    /// default retry policy. `create` makes a local folder if it does not exist (for outputs).
    pub fn parse(text: &str, create: bool) -> Result<Location> {
        Location::open(text, create, &StorageOptions::default())
    }

    /// As [`Location::parse`], retrying cloud requests as `options` says.
    pub fn open(text: &str, create: bool, options: &StorageOptions) -> Result<Location> {
        if text.contains("://") && !text.starts_with("file://") {
            return Location::cloud(text, options, std::env::vars());
        }
        let path = text.strip_prefix("file://").unwrap_or(text);
        let path = std::path::Path::new(path);
        if create {
            std::fs::create_dir_all(path).map_err(|source| Error::Io { context: format!("cannot create {}", path.display()), source })?;
        }
        let abs = std::fs::canonicalize(path).map_err(|source| Error::Io { context: format!("cannot open {}", path.display()), source })?;
        let prefix = Path::from_absolute_path(&abs).map_err(|_| Error::Location(text.to_string()))?;
        let root_url = Url::parse("file:///").expect("valid URL");
        Ok(Location { store: Arc::new(LocalFileSystem::new()), root_url, prefix, display: abs.display().to_string() })
    }

    /// A cloud location whose store is configured from `env`, read as object_store reads the
    /// environment (`AZURE_*`, `AWS_*`, `GOOGLE_*`); a run passes the process environment.
    pub fn cloud(text: &str, options: &StorageOptions, env: impl IntoIterator<Item = (String, String)>) -> Result<Location> {
        refuse_secrets_in_location(text)?;
        let url = Url::parse(text).map_err(|_| Error::Location(redacted_url(text)))?;
        let unsupported = || {
            Error::Config(format!("{text} is not a supported object-store URL: use az://, abfs(s)://, https://<account>.blob|dfs.core.windows.net/, s3:// or gs://, or a local path"))
        };
        let (scheme, prefix) = ObjectStoreScheme::parse(&url).map_err(|_| unsupported())?;
        let env: Vec<(String, String)> = env.into_iter().collect();
        let store: Arc<dyn ObjectStore> = match scheme {
            ObjectStoreScheme::MicrosoftAzure => {
                let builder = MicrosoftAzureBuilder::new().with_client_options(client_options()).with_retry(options.retry_config());
                let mut builder = env_config(&env, "AZURE_").fold(builder, |b, (k, v)| b.with_config(k, v));
                // Managed identity on App Service and Functions names its endpoint so.
                if let Some((_, endpoint)) = env.iter().find(|(k, _)| k == "IDENTITY_ENDPOINT") {
                    builder = builder.with_msi_endpoint(endpoint);
                }
                Arc::new(builder.with_url(url.as_str()).build().map_err(|e| Error::store(text, e))?)
            }
            ObjectStoreScheme::AmazonS3 => {
                let builder = AmazonS3Builder::new().with_client_options(client_options()).with_retry(options.retry_config());
                let builder = env_config(&env, "AWS_").fold(builder, |b, (k, v)| b.with_config(k, v));
                Arc::new(builder.with_url(url.as_str()).build().map_err(|e| Error::store(text, e))?)
            }
            ObjectStoreScheme::GoogleCloudStorage => {
                let builder = GoogleCloudStorageBuilder::new().with_client_options(client_options()).with_retry(options.retry_config());
                let mut builder = env_config(&env, "GOOGLE_").fold(builder, |b, (k, v)| b.with_config(k, v));
                if let Some((_, path)) = env.iter().find(|(k, _)| k == "SERVICE_ACCOUNT") {
                    builder = builder.with_service_account_path(path);
                }
                Arc::new(builder.with_url(url.as_str()).build().map_err(|e| Error::store(text, e))?)
            }
            _ => return Err(unsupported()),
        };
        // Paths after the root URL are paths in the store: the scheme, the container (or the
        // account host, whose container is then the URL's first path segment and not part of
        // the prefix) and nothing else.
        let mut root_url = url.clone();
        root_url.set_path("/");
        Ok(Location { store, root_url, prefix, display: text.to_string() })
    }

    /// The location of a folder below this one.
    pub fn sub(&self, relative: &str) -> Location {
        Location {
            store: self.store.clone(),
            root_url: self.root_url.clone(),
            prefix: self.child(relative),
            display: format!("{}/{relative}", self.display),
        }
    }

    /// A path below this location.
    pub fn child(&self, relative: &str) -> Path {
        relative.split('/').filter(|p| !p.is_empty()).fold(self.prefix.clone(), |p, part| p.join(part))
    }

    /// The URL of a folder below this location, ending in `/` (DataFusion reads it as a table).
    pub fn folder_url(&self, relative: &str) -> String {
        let path = self.child(relative);
        format!("{}{}/", self.root_url, path.as_ref())
    }

    /// Names of the folders directly below this location, sorted.
    pub async fn folders(&self) -> Result<Vec<String>> {
        let listing = self.store.list_with_delimiter(Some(&self.prefix)).await.map_err(|e| Error::store(&self.display, e))?;
        let mut names: Vec<String> = listing.common_prefixes.iter().filter_map(|p| p.filename().map(str::to_string)).collect();
        names.sort();
        Ok(names)
    }

    /// Lists every object below `relative`, sorted by path so runs are deterministic.
    pub async fn list(&self, relative: &str) -> Result<Vec<ObjectMeta>> {
        let prefix = self.child(relative);
        let mut all: Vec<ObjectMeta> = self.store.list(Some(&prefix)).try_collect().await.map_err(|e| Error::store(&self.display, e))?;
        all.sort_by(|a, b| a.location.cmp(&b.location));
        Ok(all)
    }

    /// Path of an object relative to this location, for messages and manifests.
    pub fn relative(&self, path: &Path) -> String {
        path.prefix_match(&self.prefix)
            .map(|parts| parts.map(|p| p.as_ref().to_string()).collect::<Vec<_>>().join("/"))
            .unwrap_or_else(|| path.to_string())
    }

    /// Reads a whole object.
    pub async fn get(&self, path: &Path) -> Result<Bytes> {
        let r = self.store.get(path).await.map_err(|e| Error::store(path.to_string(), e))?;
        r.bytes().await.map_err(|e| Error::store(path.to_string(), e))
    }

    /// Writes a whole object, replacing any object at `path`.
    pub async fn put(&self, path: &Path, bytes: Bytes) -> Result<()> {
        self.store.put(path, PutPayload::from(bytes)).await.map_err(|e| Error::store(path.to_string(), e))?;
        Ok(())
    }

    /// Moves an object, replacing any object at `to`: atomic on local disk, a copy then a delete
    /// on cloud stores.
    pub async fn rename(&self, from: &Path, to: &Path) -> Result<()> {
        self.store.rename(from, to).await.map_err(|e| Error::store(from.to_string(), e))
    }

    /// Deletes an object; one that is already gone is not an error.
    pub async fn delete(&self, path: &Path) -> Result<()> {
        match self.store.delete(path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(Error::store(path.to_string(), e)),
        }
    }

    /// Deletes every object below `relative` (and, on local disk, the emptied folders).
    pub async fn delete_all(&self, relative: &str) -> Result<()> {
        for meta in self.list(relative).await? {
            self.delete(&meta.location).await?;
        }
        self.prune_empty_folders(relative)
    }

    /// The local folder of this location, when it is on local disk.
    pub fn local_path(&self) -> Option<std::path::PathBuf> {
        (self.root_url.scheme() == "file").then(|| std::path::PathBuf::from(format!("/{}", self.prefix.as_ref())))
    }

    /// Removes folders left empty below `relative` on local disk, where folders outlive their
    /// files (object stores have no folders). A folder still holding files is kept.
    pub fn prune_empty_folders(&self, relative: &str) -> Result<()> {
        fn prune(dir: &std::path::Path) -> std::io::Result<bool> {
            let mut empty = true;
            for entry in std::fs::read_dir(dir)? {
                let entry = entry?;
                if entry.file_type()?.is_dir() && prune(&entry.path())? {
                    std::fs::remove_dir(entry.path())?;
                } else {
                    empty = false;
                }
            }
            Ok(empty)
        }
        let Some(root) = self.local_path() else { return Ok(()) };
        let dir = root.join(relative);
        if !dir.is_dir() {
            return Ok(());
        }
        let io = |source| Error::Io { context: format!("cannot tidy {}", dir.display()), source };
        if prune(&dir).map_err(io)? {
            std::fs::remove_dir(&dir).map_err(io)?;
        }
        Ok(())
    }
}

/// The builder settings in `env` whose names start with `prefix`, as object_store's `from_env`
/// reads them (`AZURE_STORAGE_ACCOUNT_NAME` → `azure_storage_account_name`); unknown names are
/// skipped.
fn env_config<'a, K: FromStr>(env: &'a [(String, String)], prefix: &'a str) -> impl Iterator<Item = (K, String)> + 'a {
    env.iter().filter(move |(k, _)| k.starts_with(prefix)).filter_map(|(k, v)| Some((k.to_ascii_lowercase().parse().ok()?, v.clone())))
}

/// Refuses a location whose URL carries a credential: a password (`user:secret@host`) or a query
/// string (a SAS token's `sig=`, a signed URL). The message shows the URL without them. Checked
/// when the configuration is resolved, before the location can reach a manifest or a log.
pub fn refuse_secrets_in_location(text: &str) -> Result<()> {
    let Ok(url) = Url::parse(text) else { return Ok(()) };
    if url.password().is_some() || url.query().is_some() {
        return Err(Error::Config(format!(
            "the storage URL {} carries a password or query string (a SAS token?); credentials are read only from the \
             environment (AZURE_STORAGE_*, AWS_*, GOOGLE_*): remove it from the URL",
            redacted_url(url.as_str())
        )));
    }
    Ok(())
}

/// A URL with any password and query string cut out, fit for a message.
fn redacted_url(text: &str) -> String {
    match Url::parse(text) {
        Ok(mut url) => {
            let had_secret = url.password().is_some() || url.query().is_some();
            let _ = url.set_password(None);
            url.set_query(None);
            if had_secret {
                format!("{url} [credentials removed]")
            } else {
                url.to_string()
            }
        }
        // Unparseable: show only what comes before any `?` or `@`.
        Err(_) => text.split(['?', '@']).next().unwrap_or_default().to_string(),
    }
}

/// Setting names that hold credentials, in a pipeline file (lower case, `-` as `_`).
const SECRET_KEY_WORDS: &[&str] =
    &["account_key", "access_key", "secret", "sas", "token", "password", "connection_string", "credential", "private_key", "signature"];

/// Refuses a pipeline file that sets a credential (an account key, SAS token, client secret or
/// connection string): secrets belong in the environment, never in a file kept with the code.
/// The message names the line and setting, never the value.
pub fn refuse_secrets_in_pipeline(text: &str) -> Result<()> {
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        let Some((key, value)) = line.split_once('=') else { continue };
        if line.starts_with('#') || line.starts_with('[') {
            continue;
        }
        let name = key.trim().trim_matches(['"', '\'']).to_ascii_lowercase().replace('-', "_");
        let value_lower = value.to_ascii_lowercase();
        let secret_value = ["accountkey=", "sharedaccesssignature=", "sig=", "-----begin"].iter().any(|m| value_lower.contains(m));
        if SECRET_KEY_WORDS.iter().any(|w| name.contains(w)) || secret_value {
            return Err(Error::Config(format!(
                "the pipeline file sets `{}` on line {}, which looks like a credential: storage credentials are read only from \
                 the environment (AZURE_STORAGE_*, AWS_*, GOOGLE_*; see docs/operating.md, object stores); remove it from the file",
                key.trim(),
                i + 1
            )));
        }
    }
    Ok(())
}

/// The values of credential variables in `env`, longest first (at least 8 characters, so that a
/// flag like `true` is never mistaken for one).
fn secret_values(env: impl IntoIterator<Item = (String, String)>) -> Vec<String> {
    let mut secrets: Vec<String> = env
        .into_iter()
        .filter(|(k, _)| ["AZURE_", "AWS_", "GOOGLE_"].iter().any(|p| k.starts_with(p)))
        .filter(|(k, _)| ["KEY", "SECRET", "TOKEN", "SAS", "PASSWORD", "CONNECTION_STRING"].iter().any(|w| k.contains(w)))
        .map(|(_, v)| v)
        .filter(|v| v.len() >= 8)
        .collect();
    secrets.sort_by_key(|v| std::cmp::Reverse(v.len()));
    secrets
}

/// An object-store error whose message could show a credential from the environment (or a SAS
/// signature) is replaced by the same message with it blanked out; other errors pass unchanged,
/// so `NotFound` and friends can still be matched.
pub fn scrub(error: object_store::Error) -> object_store::Error {
    scrub_with(error, &secret_values(std::env::vars()))
}

/// A message with the credential values in the environment, and SAS signatures, blanked.
pub fn scrub_message(message: &str) -> String {
    scrub_text(message, &secret_values(std::env::vars()))
}

fn scrub_with(error: object_store::Error, secrets: &[String]) -> object_store::Error {
    let message = error.to_string();
    let clean = scrub_text(&message, secrets);
    if clean == message {
        return error;
    }
    object_store::Error::Generic { store: "object store", source: clean.into() }
}

fn scrub_text(message: &str, secrets: &[String]) -> String {
    let blanked = secrets.iter().fold(message.to_string(), |m, s| m.replace(s.as_str(), "[redacted]"));
    // A SAS signature runs from `sig=` to the end of its query parameter.
    let (mut clean, mut rest) = (String::new(), blanked.as_str());
    while let Some(i) = rest.find("sig=") {
        clean.push_str(&rest[..i + 4]);
        rest = &rest[i + 4..];
        let end = rest.find(['&', ' ', ')', '"', '\'']).unwrap_or(rest.len());
        if end > 0 {
            clean.push_str("[redacted]");
        }
        rest = &rest[end..];
    }
    clean.push_str(rest);
    clean
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emulator_env() -> Vec<(String, String)> {
        [("AZURE_STORAGE_USE_EMULATOR", "true"), ("AZURITE_BLOB_STORAGE_URL", "http://127.0.0.1:10000"), ("HOME", "/home/x")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn azure_url_forms_resolve_to_a_container_store_and_a_prefix_datafusion_can_reach() {
        let opts = StorageOptions::default();
        for (text, prefix, root) in [
            ("az://warehouse/southampton/nightly", "southampton/nightly", "az://warehouse/"),
            (
                "abfss://warehouse@councildata.dfs.core.windows.net/nightly",
                "nightly",
                "abfss://warehouse@councildata.dfs.core.windows.net/",
            ),
            ("https://councildata.blob.core.windows.net/warehouse/nightly", "nightly", "https://councildata.blob.core.windows.net/"),
        ] {
            let loc = Location::cloud(text, &opts, emulator_env()).unwrap();
            assert_eq!(loc.prefix.as_ref(), prefix, "{text}");
            assert_eq!(loc.root_url.as_str(), root, "{text}");
            assert_eq!(loc.display, text);
            assert_eq!(loc.folder_url("core/person"), format!("{root}{prefix}/core/person/"));
            assert!(loc.local_path().is_none());
        }
        let s3 = Location::cloud("s3://bucket/csc", &opts, [("AWS_REGION".to_string(), "eu-west-2".to_string())]).unwrap();
        assert_eq!((s3.prefix.as_ref(), s3.root_url.as_str()), ("csc", "s3://bucket/"));
    }

    #[test]
    fn urls_with_credentials_or_of_unknown_stores_are_refused_without_echoing_the_secret() {
        let opts = StorageOptions::default();
        for text in [
            "https://councildata.blob.core.windows.net/warehouse?sv=2022-11-02&sig=c2VjcmV0c2lnbmF0dXJl",
            "az://warehouse/nightly?sig=c2VjcmV0c2lnbmF0dXJl",
            "s3://user:c2VjcmV0c2lnbmF0dXJl@bucket/csc",
        ] {
            let err = Location::cloud(text, &opts, emulator_env()).unwrap_err().to_string();
            assert!(err.contains("credentials are read only from the environment"), "{err}");
            assert!(!err.contains("c2VjcmV0c2lnbmF0dXJl"), "the secret is not echoed: {err}");
        }
        for fine in
            ["/data/warehouse", "warehouse", "file:///data/warehouse", "az://warehouse/nightly", "abfss://wh@acct.dfs.core.windows.net/x"]
        {
            refuse_secrets_in_location(fine).unwrap();
        }
        let err = Location::cloud("ftp://example.org/x", &opts, emulator_env()).unwrap_err().to_string();
        assert!(err.contains("not a supported object-store URL"), "{err}");
        let err = Location::cloud("https://example.org/x", &opts, emulator_env()).unwrap_err().to_string();
        assert!(err.contains("not a supported object-store URL"), "{err}");
    }

    #[test]
    fn a_pipeline_file_that_sets_a_credential_is_refused_naming_the_line_not_the_value() {
        let ok = "[la]\ncode = \"852\"\n# the account key comes from the environment\n[warehouse]\nlocation = \"az://warehouse/nightly\"\n[storage]\nretries = 3\n";
        refuse_secrets_in_pipeline(ok).unwrap();
        for (text, line) in [
            ("[la]\ncode = \"852\"\n[storage]\naccount_key = \"c2VjcmV0a2V5\"\n", 4),
            ("[input]\nlocation = \"https://a.blob.core.windows.net/in?sv=1&sig=c2VjcmV0a2V5\"\n", 2),
            ("[warehouse]\nAZURE_STORAGE_SAS_TOKEN = \"c2VjcmV0a2V5\"\n", 2),
            ("[warehouse]\nconn = \"DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0a2V5\"\n", 2),
        ] {
            let err = refuse_secrets_in_pipeline(text).unwrap_err().to_string();
            assert!(err.contains(&format!("line {line}")), "{err}");
            assert!(!err.contains("c2VjcmV0a2V5"), "{err}");
        }
    }

    #[test]
    fn retry_policy_is_bounded_exponential_backoff_from_the_options() {
        let d = StorageOptions::default();
        d.validate().unwrap();
        let r = d.retry_config();
        assert_eq!((r.max_retries, r.retry_timeout), (10, Duration::from_secs(180)));
        assert_eq!(
            (r.backoff.init_backoff, r.backoff.max_backoff, r.backoff.base),
            (Duration::from_millis(100), Duration::from_secs(15), 2.0)
        );
        let custom: StorageOptions = toml::from_str("retries = 2\nretry_timeout_secs = 20").unwrap();
        assert_eq!(custom.retry_config().max_retries, 2);
        assert_eq!(custom.retry_config().retry_timeout, Duration::from_secs(20));
        let partial: StorageOptions = toml::from_str("retries = 0").unwrap();
        assert_eq!(partial, StorageOptions { retries: 0, ..d });
        assert!(StorageOptions { retry_timeout_secs: 0, ..d }.validate().is_err());
        assert!(StorageOptions { retries: 1000, ..d }.validate().is_err());
        assert!(toml::from_str::<StorageOptions>("account_key = 'x'").is_err());
    }

    #[test]
    fn store_errors_never_carry_a_credential_from_the_environment() {
        let secrets = secret_values(vec![
            ("AZURE_STORAGE_ACCOUNT_KEY".to_string(), "S2V5S2V5S2V5S2V5".to_string()),
            ("AZURE_STORAGE_USE_EMULATOR".to_string(), "true".to_string()),
            ("AZURE_STORAGE_ACCOUNT_NAME".to_string(), "councildata".to_string()),
        ]);
        assert_eq!(secrets, ["S2V5S2V5S2V5S2V5"]);
        let leaky = object_store::Error::Generic {
            store: "test",
            source: "bad key S2V5S2V5S2V5S2V5 for https://a/b?sv=1&sig=abc%2Bdef&se=2 (x)".into(),
        };
        let clean = scrub_with(leaky, &secrets).to_string();
        assert!(!clean.contains("S2V5") && !clean.contains("abc%2Bdef"), "{clean}");
        assert!(clean.contains("sig=[redacted]&se=2"), "{clean}");
        let harmless = object_store::Error::NotFound { path: "x".into(), source: "gone".into() };
        assert!(matches!(scrub_with(harmless, &secrets), object_store::Error::NotFound { .. }));
    }
}
