//! Storage locations: a local path or an object-store URL, resolved to an `ObjectStore` and a
//! prefix inside it. Every stage reads and writes through this, so the same run works on local
//! disk and (with the matching object_store feature) on cloud stores.

use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt, PutPayload};
use url::Url;

use crate::{Error, Result};

/// A folder-like location in an object store.
#[derive(Clone)]
pub struct Location {
    /// The store, rooted at the bucket (or the file system root for local paths).
    pub store: Arc<dyn ObjectStore>,
    /// The URL of the store's root (`file:///`, `az://container/`), for registering with DataFusion.
    pub root_url: Url,
    /// The folder inside the store.
    pub prefix: Path,
    /// What the user wrote, for messages.
    pub display: String,
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display)
    }
}

impl Location {
    /// Resolves a local path (relative paths against the current directory) or a URL.
    /// `create` makes a local folder if it does not exist (for outputs).
    pub fn parse(text: &str, create: bool) -> Result<Location> {
        if text.contains("://") && !text.starts_with("file://") {
            let url = Url::parse(text).map_err(|_| Error::Location(text.to_string()))?;
            let (store, prefix) = object_store::parse_url_opts(&url, std::env::vars()).map_err(|e| Error::store(text, e))?;
            let mut root_url = url.clone();
            root_url.set_path("/");
            return Ok(Location { store: Arc::from(store), root_url, prefix, display: text.to_string() });
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

    /// The location of a folder below this one.
    pub fn sub(&self, relative: &str) -> Location {
        Location { store: self.store.clone(), root_url: self.root_url.clone(), prefix: self.child(relative), display: format!("{}/{relative}", self.display) }
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

    /// Lists every object below `relative`, sorted by path so runs are deterministic.
    pub async fn list(&self, relative: &str) -> Result<Vec<ObjectMeta>> {
        let prefix = self.child(relative);
        let mut all: Vec<ObjectMeta> = self.store.list(Some(&prefix)).try_collect().await.map_err(|e| Error::store(&self.display, e))?;
        all.sort_by(|a, b| a.location.cmp(&b.location));
        Ok(all)
    }

    /// Path of an object relative to this location, for messages and manifests.
    pub fn relative(&self, path: &Path) -> String {
        path.prefix_match(&self.prefix).map(|parts| parts.map(|p| p.as_ref().to_string()).collect::<Vec<_>>().join("/")).unwrap_or_else(|| path.to_string())
    }

    pub async fn get(&self, path: &Path) -> Result<Bytes> {
        let r = self.store.get(path).await.map_err(|e| Error::store(path.to_string(), e))?;
        r.bytes().await.map_err(|e| Error::store(path.to_string(), e))
    }

    pub async fn put(&self, path: &Path, bytes: Bytes) -> Result<()> {
        self.store.put(path, PutPayload::from(bytes)).await.map_err(|e| Error::store(path.to_string(), e))?;
        Ok(())
    }

    pub async fn rename(&self, from: &Path, to: &Path) -> Result<()> {
        self.store.rename(from, to).await.map_err(|e| Error::store(from.to_string(), e))
    }

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
