//! Where a site is published: `s3://bucket/prefix/` or a folder path.

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteUrl {
    /// A bucket and the prefix of the site's objects: empty, or ending
    /// with `/`.
    S3 { bucket: String, prefix: String },
    /// A folder on this computer (or a mounted share).
    Folder(PathBuf),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    #[error("'{url}' names no bucket: write s3://BUCKET/ or s3://BUCKET/PREFIX/")]
    NoBucket { url: String },
    #[error("'{url}': {scheme}:// is not supported; lightproof publishes to s3:// (AWS S3 and S3-compatible storage such as R2, B2, Wasabi and MinIO, with --endpoint) or to a folder")]
    Scheme { url: String, scheme: String },
    #[error("'{url}': the prefix '{prefix}' has an empty, '.' or '..' part; write it as folder names joined by '/'")]
    BadPrefix { url: String, prefix: String },
}

impl RemoteUrl {
    /// Parses `text`: `s3://bucket`, `s3://bucket/prefix` (a trailing `/`
    /// is implied), or anything without `://` as a folder path.
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        let Some((scheme, rest)) = text.split_once("://") else {
            return Ok(Self::Folder(PathBuf::from(text)));
        };
        if !scheme.eq_ignore_ascii_case("s3") {
            return Err(UrlError::Scheme {
                url: text.to_owned(),
                scheme: scheme.to_owned(),
            });
        }
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(UrlError::NoBucket {
                url: text.to_owned(),
            });
        }
        let prefix = prefix.trim_end_matches('/');
        let bad_part = prefix
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
        if !prefix.is_empty() && bad_part {
            return Err(UrlError::BadPrefix {
                url: text.to_owned(),
                prefix: prefix.to_owned(),
            });
        }
        Ok(Self::S3 {
            bucket: bucket.to_owned(),
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
        })
    }

    /// Whether `text` names object storage rather than a folder.
    pub fn is_remote(text: &str) -> bool {
        text.contains("://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s3(bucket: &str, prefix: &str) -> RemoteUrl {
        RemoteUrl::S3 {
            bucket: bucket.into(),
            prefix: prefix.into(),
        }
    }

    #[test]
    fn buckets_prefixes_and_folders() {
        assert_eq!(RemoteUrl::parse("s3://studio").unwrap(), s3("studio", ""));
        assert_eq!(RemoteUrl::parse("s3://studio/").unwrap(), s3("studio", ""));
        assert_eq!(
            RemoteUrl::parse("s3://studio/2026/anna-ben").unwrap(),
            s3("studio", "2026/anna-ben/")
        );
        assert_eq!(
            RemoteUrl::parse("S3://studio/g/").unwrap(),
            s3("studio", "g/")
        );
        assert_eq!(
            RemoteUrl::parse("site-copy").unwrap(),
            RemoteUrl::Folder("site-copy".into())
        );
    }

    #[test]
    fn other_schemes_and_odd_prefixes_are_refused() {
        assert!(matches!(
            RemoteUrl::parse("gs://b/p"),
            Err(UrlError::Scheme { .. })
        ));
        assert!(matches!(
            RemoteUrl::parse("s3:///p"),
            Err(UrlError::NoBucket { .. })
        ));
        for url in ["s3://b/a//c", "s3://b/../c", "s3://b/./c"] {
            assert!(
                matches!(RemoteUrl::parse(url), Err(UrlError::BadPrefix { .. })),
                "{url}"
            );
        }
    }
}
