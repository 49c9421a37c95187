//! An S3-compatible bucket through Apache Arrow's `object_store` crate:
//! signed requests, retries with backoff, conditional puts (`If-None-Match:
//! *` to create, `If-Match` to replace a version) and multipart uploads.
//!
//! The crate is async; a bucket keeps its own small tokio runtime and every
//! call blocks on it, so callers (threads of `publish`, `verify`'s rayon
//! pool) stay synchronous. Multipart uploads under way are written down in
//! a journal file before their first part, so that a publish killed in the
//! middle leaves nothing the next one cannot find and abort.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::multipart::MultipartStore;
use object_store::path::Path as ObjectPath;
use object_store::{
    Attribute, Attributes, ClientOptions, ObjectStore, ObjectStoreExt, PutMode,
    PutMultipartOptions, PutOptions, PutPayload, RetryConfig, UpdateVersion,
};
use tokio::runtime::Runtime;

use super::credentials;
use super::{Condition, Headers, RemoteError, RemoteObject, Version};

/// Files above this go up in parts (S3 takes at most 5 GB in one put).
pub const MULTIPART_ABOVE: u64 = 64 << 20;
/// The size of each part but the last (S3's minimum is 5 MiB).
pub const PART_BYTES: u64 = 8 << 20;

/// How to reach a bucket, beyond its URL.
#[derive(Debug, Clone)]
pub struct Connection {
    /// A profile of the shared AWS files (else `AWS_PROFILE`, or `default`).
    pub profile: Option<String>,
    /// An S3-compatible endpoint (else `AWS_ENDPOINT_URL`, or AWS itself).
    /// Requests to it use path-style addresses (`endpoint/bucket/key`).
    pub endpoint: Option<String>,
    /// Files larger than this go up as multipart uploads.
    pub multipart_above: u64,
    /// Where unfinished multipart uploads are written down (`None`: not
    /// kept, and not cleaned up by the next publish).
    pub journal: Option<PathBuf>,
    /// Give up on a request that has not answered after this long (it is
    /// then retried).
    pub timeout: Duration,
}

impl Default for Connection {
    fn default() -> Self {
        Self {
            profile: None,
            endpoint: None,
            multipart_above: MULTIPART_ABOVE,
            journal: None,
            timeout: Duration::from_secs(60),
        }
    }
}

pub struct Bucket {
    store: AmazonS3,
    bucket: String,
    prefix: String,
    runtime: Runtime,
    multipart_above: u64,
    journal: Option<Mutex<PathBuf>>,
}

impl Bucket {
    pub fn open(bucket: &str, prefix: &str, connection: &Connection) -> Result<Self, RemoteError> {
        let target = format!("s3://{bucket}/{prefix}");
        let unreachable = |reason: String| RemoteError::Unreachable {
            target: target.clone(),
            reason,
        };
        // reqwest is built without a TLS provider of its own choosing:
        // ring, which object_store also signs with. rustls deprecates it
        // for want of post-quantum key exchange; what travels is already
        // ciphertext and SigV4 never sends the secret, and aws-lc-rs (the
        // alternative) is a large C build for every cold test run.
        #[allow(deprecated)]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let settings = credentials::settings(connection.profile.as_deref(), &|name| {
            std::env::var(name).ok()
        });
        let endpoint = connection.endpoint.clone().or(settings.endpoint.clone());
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(
                settings
                    .region
                    .clone()
                    .unwrap_or_else(|| "us-east-1".into()),
            )
            .with_retry(RetryConfig {
                max_retries: 8,
                retry_timeout: Duration::from_secs(300),
                ..RetryConfig::default()
            })
            .with_client_options(
                ClientOptions::new()
                    .with_timeout(connection.timeout)
                    .with_connect_timeout(Duration::from_secs(15))
                    .with_allow_http(
                        endpoint
                            .as_deref()
                            .is_some_and(|e| e.starts_with("http://")),
                    ),
            );
        if let Some(endpoint) = &endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false);
        } else {
            builder = builder.with_virtual_hosted_style_request(true);
        }
        if let Some(key) = &settings.access_key_id {
            builder = builder.with_access_key_id(key);
        }
        if let Some(secret) = &settings.secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        if let Some(token) = &settings.session_token {
            builder = builder.with_token(token);
        }
        let store = builder.build().map_err(|e| unreachable(e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| unreachable(e.to_string()))?;
        Ok(Self {
            store,
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            runtime,
            multipart_above: connection.multipart_above,
            journal: connection.journal.clone().map(Mutex::new),
        })
    }

    pub fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }

    fn path(&self, name: &str) -> ObjectPath {
        ObjectPath::from(format!("{}{name}", self.prefix))
    }

    fn refused(&self, action: &'static str, name: &str, error: object_store::Error) -> RemoteError {
        match error {
            object_store::Error::AlreadyExists { .. } => RemoteError::Exists(name.to_owned()),
            object_store::Error::Precondition { .. } => RemoteError::Changed(name.to_owned()),
            other => RemoteError::Refused {
                target: self.describe(),
                action,
                name: name.to_owned(),
                reason: other.to_string(),
            },
        }
    }

    pub fn list(&self) -> Result<Vec<RemoteObject>, RemoteError> {
        let prefix = self.prefix.trim_end_matches('/');
        let prefix = (!prefix.is_empty()).then(|| ObjectPath::from(prefix));
        let listed = self
            .runtime
            .block_on(self.store.list(prefix.as_ref()).try_collect::<Vec<_>>())
            .map_err(|error| RemoteError::Unreachable {
                target: self.describe(),
                reason: error.to_string(),
            })?;
        Ok(listed
            .into_iter()
            .filter_map(|meta| {
                let name = meta
                    .location
                    .as_ref()
                    .strip_prefix(&self.prefix)?
                    .to_owned();
                Some(RemoteObject {
                    name,
                    bytes: meta.size,
                    version: Version {
                        e_tag: meta.e_tag,
                        version: meta.version,
                    },
                })
            })
            .collect())
    }

    pub fn with_reader<T>(
        &self,
        name: &str,
        read: impl FnOnce(&mut dyn Read) -> io::Result<T>,
    ) -> io::Result<T> {
        let got = self.runtime.block_on(self.store.get(&self.path(name)));
        let got = match got {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("'{name}' is not in {}", self.describe()),
                ))
            }
            Err(error) => return Err(io::Error::other(error)),
        };
        let mut reader = StreamReader {
            runtime: &self.runtime,
            stream: got.into_stream(),
            chunk: Bytes::new(),
        };
        read(&mut reader)
    }

    pub fn put_file(
        &self,
        name: &str,
        source: &Path,
        headers: &Headers,
        condition: &Condition,
        on_bytes: &(dyn Fn(u64) + Sync),
    ) -> Result<(), RemoteError> {
        let local = |source_error: io::Error| RemoteError::Local {
            path: source.to_owned(),
            source: source_error,
        };
        let bytes = std::fs::metadata(source).map_err(local)?.len();
        let attributes = Attributes::from_iter([
            (Attribute::ContentType, headers.content_type),
            (Attribute::CacheControl, headers.cache_control),
        ]);
        // A conditional replacement is a single put: only gallery.bin and
        // its copy are replaced so, and they are small.
        if bytes > self.multipart_above && !matches!(condition, Condition::Unchanged(_)) {
            return self.put_in_parts(name, source, attributes, on_bytes);
        }
        let contents = std::fs::read(source).map_err(local)?;
        let mode = match condition {
            Condition::Create => PutMode::Create,
            Condition::Overwrite => PutMode::Overwrite,
            Condition::Unchanged(version) => PutMode::Update(UpdateVersion {
                e_tag: version.e_tag.clone(),
                version: version.version.clone(),
            }),
        };
        let options = PutOptions {
            mode,
            attributes,
            ..PutOptions::default()
        };
        self.runtime
            .block_on(
                self.store
                    .put_opts(&self.path(name), PutPayload::from(contents), options),
            )
            .map_err(|error| self.refused("the upload of", name, error))?;
        on_bytes(bytes);
        Ok(())
    }

    /// A multipart upload from disk, one part in memory at a time; the
    /// object appears whole when the upload completes, or not at all.
    fn put_in_parts(
        &self,
        name: &str,
        source: &Path,
        attributes: Attributes,
        on_bytes: &(dyn Fn(u64) + Sync),
    ) -> Result<(), RemoteError> {
        let path = self.path(name);
        let options = PutMultipartOptions {
            attributes,
            ..PutMultipartOptions::default()
        };
        let id = self
            .runtime
            .block_on(self.store.create_multipart_opts(&path, options))
            .map_err(|error| self.refused("the upload of", name, error))?;
        self.journal_update(|entries| entries.push((path.to_string(), id.clone())))?;
        let sent = self
            .send_parts(name, &path, &id, source, on_bytes)
            .and_then(|parts| {
                self.runtime
                    .block_on(self.store.complete_multipart(&path, &id, parts))
                    .map_err(|error| self.refused("the upload of", name, error))
            });
        if sent.is_err() {
            let _ = self
                .runtime
                .block_on(self.store.abort_multipart(&path, &id));
        }
        self.journal_update(|entries| entries.retain(|(_, listed)| listed != &id))?;
        sent.map(|_| ())
    }

    fn send_parts(
        &self,
        name: &str,
        path: &ObjectPath,
        id: &String,
        source: &Path,
        on_bytes: &(dyn Fn(u64) + Sync),
    ) -> Result<Vec<object_store::multipart::PartId>, RemoteError> {
        let local = |source_error: io::Error| RemoteError::Local {
            path: source.to_owned(),
            source: source_error,
        };
        let mut file = std::fs::File::open(source).map_err(local)?;
        let mut parts = Vec::new();
        loop {
            let mut part = Vec::with_capacity(PART_BYTES as usize);
            (&mut file)
                .take(PART_BYTES)
                .read_to_end(&mut part)
                .map_err(local)?;
            if part.is_empty() && !parts.is_empty() {
                return Ok(parts);
            }
            let length = part.len() as u64;
            let part_id = self
                .runtime
                .block_on(
                    self.store
                        .put_part(path, id, parts.len(), PutPayload::from(part)),
                )
                .map_err(|error| self.refused("a part of", name, error))?;
            parts.push(part_id);
            on_bytes(length);
            if length < PART_BYTES {
                return Ok(parts);
            }
        }
    }

    /// Aborts the multipart uploads that an earlier publish began and did
    /// not finish (it was killed); returns how many.
    pub fn abort_unfinished(&self) -> Result<usize, RemoteError> {
        let mut aborted = 0;
        let entries = self.journal_entries()?;
        for (path, id) in &entries {
            // An upload already gone (completed, aborted, or expired by a
            // lifecycle rule) is what we want.
            let _ = self.runtime.block_on(
                self.store
                    .abort_multipart(&ObjectPath::from(path.as_str()), id),
            );
            aborted += 1;
        }
        self.journal_update(|listed| listed.retain(|entry| !entries.contains(entry)))?;
        Ok(aborted)
    }

    fn journal_entries(&self) -> Result<Vec<(String, String)>, RemoteError> {
        let Some(journal) = &self.journal else {
            return Ok(Vec::new());
        };
        let path = journal
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(read_journal(&path))
    }

    fn journal_update(
        &self,
        change: impl FnOnce(&mut Vec<(String, String)>),
    ) -> Result<(), RemoteError> {
        let Some(journal) = &self.journal else {
            return Ok(());
        };
        let path = journal
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut entries = read_journal(&path);
        change(&mut entries);
        let write = || -> io::Result<()> {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let json = serde_json::to_vec(&entries).map_err(io::Error::other)?;
            crate::site::atomic::write(&path, &json)
        };
        write().map_err(|source| RemoteError::Local {
            path: path.clone(),
            source,
        })
    }

    pub fn delete(&self, name: &str) -> Result<(), RemoteError> {
        match self.runtime.block_on(self.store.delete(&self.path(name))) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(self.refused("deleting", name, error)),
        }
    }
}

/// The journal's `(object path, upload id)` entries; a missing or unreadable
/// journal has none.
fn read_journal(path: &Path) -> Vec<(String, String)> {
    std::fs::read(path)
        .ok()
        .and_then(|json| serde_json::from_slice(&json).ok())
        .unwrap_or_default()
}

/// An object's body as a `Read`, one network chunk at a time.
struct StreamReader<'a> {
    runtime: &'a Runtime,
    stream: BoxStream<'static, object_store::Result<Bytes>>,
    chunk: Bytes,
}

impl Read for StreamReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() {
            match self.runtime.block_on(self.stream.next()) {
                None => return Ok(0),
                Some(Ok(chunk)) => self.chunk = chunk,
                Some(Err(error)) => return Err(io::Error::other(error)),
            }
        }
        let length = buf.len().min(self.chunk.len());
        buf[..length].copy_from_slice(&self.chunk[..length]);
        self.chunk = self.chunk.slice(length..);
        Ok(length)
    }
}
