//! An S3-compatible bucket through Apache Arrow's `object_store` crate:
//! signed requests, retries with backoff, conditional puts (`If-None-Match:
//! *` to create, `If-Match` to replace a version) and multipart uploads.
//!
//! The crate is async; a bucket keeps its own small tokio runtime and every
//! call blocks on it, so callers (threads of `publish`, `verify`'s rayon
//! pool) stay synchronous. A publish killed in the middle of a multipart
//! upload leaves it unfinished (invisible, but stored and billed): the next
//! publish lists the uploads under way under the prefix (S3's
//! ListMultipartUploads, which object_store lacks: one request signed with
//! its SigV4 signer) and aborts them. A list, not a note kept on this
//! computer: an upload can be under way before its id ever reaches us.

use std::io::{self, Read};
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder, AwsAuthorizer};
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
/// Tries of a request that object_store does not retry when it is cut off
/// or times out (a conditional put, a delete).
const CUT_OFF_TRIES: u32 = 3;

/// Runs `attempt` until it succeeds, fails in a way `worth_retrying`
/// refuses, or `retries` retries are spent, sleeping `pause(n)` before
/// retry n (from 0). For the requests object_store does not retry itself.
fn retried<T, E>(
    retries: u32,
    pause: impl Fn(u32) -> Duration,
    worth_retrying: impl Fn(&E) -> bool,
    mut attempt: impl FnMut() -> Result<T, E>,
) -> Result<T, E> {
    let mut retry = 0;
    loop {
        match attempt() {
            Err(error) if retry < retries && worth_retrying(&error) => {
                std::thread::sleep(pause(retry));
                retry += 1;
            }
            done => return done,
        }
    }
}

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
    /// Give up on a request that has not answered after this long (it is
    /// then retried).
    pub timeout: Duration,
    /// Retries of a failed request (a 5xx answer, a dropped connection, a
    /// timeout), with exponential backoff, before giving up.
    pub retries: usize,
}

impl Default for Connection {
    fn default() -> Self {
        Self {
            profile: None,
            endpoint: None,
            multipart_above: MULTIPART_ABOVE,
            timeout: Duration::from_secs(60),
            retries: 8,
        }
    }
}

pub struct Bucket {
    store: AmazonS3,
    bucket: String,
    prefix: String,
    runtime: Runtime,
    multipart_above: u64,
    retries: usize,
    /// Where requests go: `endpoint/bucket` (path style) or the bucket's
    /// own host on AWS.
    base_url: String,
    region: String,
    http: reqwest::Client,
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
        let region = settings
            .region
            .clone()
            .unwrap_or_else(|| "us-east-1".into());
        let base_url = match &endpoint {
            Some(endpoint) => format!("{}/{bucket}", endpoint.trim_end_matches('/')),
            None => format!("https://{bucket}.s3.{region}.amazonaws.com"),
        };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(
                settings
                    .region
                    .clone()
                    .unwrap_or_else(|| "us-east-1".into()),
            )
            .with_retry(RetryConfig {
                max_retries: connection.retries,
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
        let http = reqwest::Client::builder()
            .timeout(connection.timeout)
            .build()
            .map_err(|e| unreachable(e.to_string()))?;
        Ok(Self {
            store,
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            runtime,
            multipart_above: connection.multipart_above,
            retries: connection.retries,
            base_url,
            region,
            http,
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
        let payload = PutPayload::from(contents);
        // object_store retries server errors, but not a conditional put cut
        // off or timed out (it may have landed): try again here. A try that
        // meets its own landed write gets AlreadyExists or Precondition,
        // which publish tells from someone else's write by the bytes.
        let path = self.path(name);
        let put = self
            .sent_again_if_cut_off(|| self.store.put_opts(&path, payload.clone(), options.clone()));
        put.map_err(|error| self.refused("the upload of", name, error))?;
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

    /// Aborts the multipart uploads under way under the prefix: those a
    /// killed publish began (one prefix holds one gallery, and a publish
    /// running elsewhere at the same time would be stopped by the
    /// conditional switch anyway). Returns how many.
    pub fn abort_unfinished(&self) -> Result<usize, RemoteError> {
        // The one request sent without object_store, so retried here as it
        // retries its own: a read, safe to send again.
        let under_way = retried(
            self.retries as u32,
            |attempt| Duration::from_millis(100 << attempt.min(6)),
            |_| true,
            || self.runtime.block_on(self.uploads_under_way()),
        )
        .map_err(|reason| RemoteError::Unreachable {
            target: self.describe(),
            reason,
        })?;
        for (key, id) in &under_way {
            // Gone meanwhile (completed, or expired by a lifecycle rule) is
            // what we want.
            let _ = self.runtime.block_on(
                self.store
                    .abort_multipart(&ObjectPath::from(key.as_str()), id),
            );
        }
        Ok(under_way.len())
    }

    /// `(key, upload id)` of each multipart upload under way under the
    /// prefix (the first thousand; the next publish sees the rest).
    async fn uploads_under_way(&self) -> Result<Vec<(String, String)>, String> {
        let credential = self
            .store
            .credentials()
            .get_credential()
            .await
            .map_err(|e| e.to_string())?;
        let url = format!(
            "{}?prefix={}&uploads=",
            self.base_url,
            query_escape(&self.prefix)
        );
        let mut request = ::http::Request::get(&url)
            .body(object_store::client::HttpRequestBody::from(Vec::new()))
            .map_err(|e| e.to_string())?;
        AwsAuthorizer::new(&credential, "s3", &self.region)
            .try_authorize(&mut request, None)
            .map_err(|e| e.to_string())?;
        let mut builder = self.http.get(&url);
        for (name, value) in request.headers() {
            builder = builder.header(name, value);
        }
        let response = builder.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.text().await.map_err(|e| e.to_string())?;
        // A server without the call (s3s-fs, some gateways) has nothing to
        // list; its unfinished uploads are its own to expire.
        if status == reqwest::StatusCode::NOT_IMPLEMENTED {
            return Ok(Vec::new());
        }
        if !status.is_success() {
            return Err(format!("listing the unfinished uploads: {status}: {body}"));
        }
        Ok(parse_uploads(&body))
    }

    /// The version of `name` as it is now (a listing may leave out the
    /// ETag: s3s-fs does).
    pub fn version(&self, name: &str) -> Result<Version, RemoteError> {
        let meta = self
            .runtime
            .block_on(self.store.head(&self.path(name)))
            .map_err(|error| self.refused("reading", name, error))?;
        Ok(Version {
            e_tag: meta.e_tag,
            version: meta.version,
        })
    }

    /// Runs the request `send` makes, and sends it again (up to
    /// CUT_OFF_TRIES in all) when object_store gives up on it without
    /// retrying: cut off or timed out, which it reports as `Generic`.
    fn sent_again_if_cut_off<T, F>(&self, send: impl Fn() -> F) -> Result<T, object_store::Error>
    where
        F: std::future::Future<Output = Result<T, object_store::Error>>,
    {
        retried(
            CUT_OFF_TRIES - 1,
            |attempt| Duration::from_millis(250 << (2 * attempt)),
            |error| matches!(error, object_store::Error::Generic { .. }),
            || self.runtime.block_on(send()),
        )
    }

    pub fn delete(&self, name: &str) -> Result<(), RemoteError> {
        // object_store sends a delete as a POST (DeleteObjects) and does not
        // retry one cut off or timed out; a delete is safe to send again.
        let path = self.path(name);
        match self.sent_again_if_cut_off(|| self.store.delete(&path)) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(self.refused("deleting", name, error)),
        }
    }
}

/// The `(Key, UploadId)` pairs of a ListMultipartUploads answer.
fn parse_uploads(xml: &str) -> Vec<(String, String)> {
    let inside = |text: &str, tag: &str| -> Option<String> {
        let start = text.find(&format!("<{tag}>"))? + tag.len() + 2;
        let end = start + text[start..].find(&format!("</{tag}>"))?;
        Some(unescape_xml(&text[start..end]))
    };
    xml.split("<Upload>")
        .skip(1)
        .filter_map(|upload| {
            let upload = upload.split("</Upload>").next()?;
            Some((inside(upload, "Key")?, inside(upload, "UploadId")?))
        })
        .collect()
}

fn unescape_xml(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// `text` as a URL query value (RFC 3986 unreserved characters kept).
fn query_escape(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
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
