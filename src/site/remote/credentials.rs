//! The AWS settings a bucket is opened with, found where the AWS tools look:
//! the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`, `AWS_REGION`, `AWS_ENDPOINT_URL`, …), then the
//! profile's entries in the shared files (`~/.aws/credentials`,
//! `~/.aws/config`, or `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE`).
//!
//! The profile is `--profile`, else `AWS_PROFILE`, else `default`. A profile
//! named on the command line wins over keys in the environment, as with the
//! AWS CLI. Secrets never appear in a `Debug` or an error message.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Keys and settings for one bucket connection.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    pub region: Option<String>,
    pub endpoint: Option<String>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |value: &Option<String>| value.as_ref().map(|_| "(hidden)");
        f.debug_struct("Settings")
            .field("access_key_id", &hidden(&self.access_key_id))
            .field("secret_access_key", &hidden(&self.secret_access_key))
            .field("session_token", &hidden(&self.session_token))
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

/// The settings for `profile` (the command line's), from `env` (a lookup
/// of environment variables) and the shared files.
pub fn settings(profile: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> Settings {
    let chosen = profile
        .map(str::to_owned)
        .or_else(|| env("AWS_PROFILE"))
        .unwrap_or_else(|| "default".to_owned());
    let home = env("HOME").map(PathBuf::from);
    let file = |variable: &str, default: &str| {
        env(variable)
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|home| home.join(".aws").join(default)))
    };
    let credentials = file("AWS_SHARED_CREDENTIALS_FILE", "credentials")
        .map(|path| section(&path, &chosen))
        .unwrap_or_default();
    let config_section = if chosen == "default" {
        chosen.clone()
    } else {
        format!("profile {chosen}")
    };
    let config = file("AWS_CONFIG_FILE", "config")
        .map(|path| section(&path, &config_section))
        .unwrap_or_default();
    let from_files = |key: &str| credentials.get(key).or(config.get(key)).cloned();
    let keys_from_env = profile.is_none() && env("AWS_ACCESS_KEY_ID").is_some();
    let key = |variable: &str, entry: &str| {
        if keys_from_env {
            env(variable)
        } else {
            from_files(entry)
        }
    };
    Settings {
        access_key_id: key("AWS_ACCESS_KEY_ID", "aws_access_key_id"),
        secret_access_key: key("AWS_SECRET_ACCESS_KEY", "aws_secret_access_key"),
        session_token: key("AWS_SESSION_TOKEN", "aws_session_token"),
        region: env("AWS_REGION")
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .or_else(|| from_files("region")),
        endpoint: env("AWS_ENDPOINT_URL_S3")
            .or_else(|| env("AWS_ENDPOINT_URL"))
            .or_else(|| from_files("endpoint_url")),
    }
}

/// The `key = value` entries of `[name]` in the INI file at `path` (empty
/// when the file or the section is missing). Indented lines belong to a
/// nested block (`s3 =` followed by settings) and are skipped.
fn section(path: &Path, name: &str) -> BTreeMap<String, String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return BTreeMap::new();
    };
    parse_section(&text, name)
}

fn parse_section(text: &str, name: &str) -> BTreeMap<String, String> {
    let mut entries = BTreeMap::new();
    let mut inside = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(header) = trimmed.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            inside = header.split_whitespace().collect::<Vec<_>>().join(" ") == name;
            continue;
        }
        if !inside || line.starts_with([' ', '\t']) {
            continue;
        }
        if let Some((key, value)) = trimmed.split_once('=') {
            let value = value.trim();
            if !value.is_empty() {
                entries.insert(key.trim().to_ascii_lowercase(), value.to_owned());
            }
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREDENTIALS: &str = "\
[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = default-secret

[studio]
aws_access_key_id=AKIASTUDIO
aws_secret_access_key=studio-secret
";
    const CONFIG: &str = "\
[default]
region = eu-west-1

[profile studio]
region = auto
endpoint_url = https://example.r2.cloudflarestorage.com
s3 =
  addressing_style = path
";

    fn with_files(vars: &[(&str, &str)], profile: Option<&str>) -> Settings {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("credentials"), CREDENTIALS).unwrap();
        std::fs::write(dir.path().join("config"), CONFIG).unwrap();
        let mut all: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        all.insert(
            "AWS_SHARED_CREDENTIALS_FILE".into(),
            dir.path().join("credentials").display().to_string(),
        );
        all.insert(
            "AWS_CONFIG_FILE".into(),
            dir.path().join("config").display().to_string(),
        );
        settings(profile, &|name| all.get(name).cloned())
    }

    #[test]
    fn the_default_profile_from_the_shared_files() {
        let settings = with_files(&[], None);
        assert_eq!(settings.access_key_id.as_deref(), Some("AKIADEFAULT"));
        assert_eq!(
            settings.secret_access_key.as_deref(),
            Some("default-secret")
        );
        assert_eq!(settings.region.as_deref(), Some("eu-west-1"));
        assert_eq!(settings.endpoint, None);
    }

    #[test]
    fn a_named_profile_with_its_endpoint_and_nested_settings_skipped() {
        let settings = with_files(&[("AWS_PROFILE", "studio")], None);
        assert_eq!(settings.access_key_id.as_deref(), Some("AKIASTUDIO"));
        assert_eq!(settings.region.as_deref(), Some("auto"));
        assert_eq!(
            settings.endpoint.as_deref(),
            Some("https://example.r2.cloudflarestorage.com")
        );
    }

    #[test]
    fn keys_in_the_environment_win_unless_a_profile_is_named() {
        let env = [
            ("AWS_ACCESS_KEY_ID", "AKIAENV"),
            ("AWS_SECRET_ACCESS_KEY", "env-secret"),
            ("AWS_REGION", "us-east-2"),
        ];
        let settings = with_files(&env, None);
        assert_eq!(settings.access_key_id.as_deref(), Some("AKIAENV"));
        assert_eq!(settings.region.as_deref(), Some("us-east-2"));
        let settings = with_files(&env, Some("studio"));
        assert_eq!(settings.access_key_id.as_deref(), Some("AKIASTUDIO"));
        assert_eq!(settings.region.as_deref(), Some("us-east-2"));
    }

    #[test]
    fn debug_output_hides_the_secrets() {
        let shown = format!("{:?}", with_files(&[], None));
        assert!(!shown.contains("AKIADEFAULT") && !shown.contains("default-secret"));
        assert!(shown.contains("eu-west-1"));
    }
}
