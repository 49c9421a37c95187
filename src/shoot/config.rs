//! `lightproof.toml`, the shoot's config file: its grants (`[[grant]]`,
//! see `grants`) and its build options (`[gallery]`, see `settings`),
//! parsed as written; `grants` checks them against the shoot.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::shoot::settings::Gallery;

/// The config file's name at the top of a shoot folder.
pub const CONFIG_FILE: &str = "lightproof.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Build options; flags on the command line win over them.
    #[serde(default)]
    pub gallery: Gallery,
    #[serde(default, rename = "grant")]
    pub grants: Vec<GrantConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantConfig {
    pub name: String,
    /// Album names; every album when absent.
    pub albums: Option<Vec<String>>,
    /// Relative to the config file's folder.
    pub password_file: Option<PathBuf>,
    /// A key link opens this grant without the password.
    #[serde(default)]
    pub link: bool,
    /// Last day the viewer shows this grant's photos (YYYY-MM-DD).
    pub expires: Option<String>,
    /// Opened only by a key link together with the password: neither
    /// alone opens anything. Excludes `link`.
    #[serde(default)]
    pub two_factor_link: bool,
    /// May download the original files (their keys are in this grant's
    /// manifest only).
    #[serde(default)]
    pub download: bool,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("cannot read the config file '{path}': {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the config file '{path}' is not valid: {reason}")]
    Parse { path: PathBuf, reason: String },
}

impl Config {
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|error| ConfigError::Parse {
            path: path.to_owned(),
            reason: match error.span() {
                Some(span) => format!("line {}: {}", line_at(&text, span.start), error.message()),
                None => error.message().to_owned(),
            },
        })
    }
}

/// The line number (from 1) of byte `offset` in `text`.
fn line_at(text: &str, offset: usize) -> usize {
    let before = text.get(..offset).unwrap_or(text);
    before.matches('\n').count() + 1
}
