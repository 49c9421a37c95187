//! Grants: who may see what. A gallery has one or more grants; each is a
//! password and the albums it opens. Each grant gets its own manifest, which
//! lists only its albums and so holds only the keys of their blobs: a grant
//! gives no cryptographic access to any album outside it.
//!
//! Grants are described in `lightproof.toml` at the top of the shoot folder
//! (or the file given with `--config`):
//!
//! ```toml
//! [[grant]]
//! name = "client"            # every album when `albums` is left out
//!
//! [[grant]]
//! name = "family"
//! albums = ["Ceremony", "Reception"]   # subfolder names; "main" is the top level
//! password_file = "family.txt"         # else LIGHTPROOF_PASSWORD_FAMILY, else asked
//! link = true                          # also a key link (`lightproof link`)
//!
//! [[grant]]
//! name = "downloads"
//! two_factor_link = true               # opens only with its link AND its password
//! download = true                      # may download the original files
//! ```
//!
//! Without a config file, or without a `[[grant]]` in it, there is one
//! grant, "everyone", for every album. The same file holds build options in
//! a `[gallery]` table (see `settings`).

use crate::format::header::DEFAULT_SLOTS;
use crate::shoot::config::ConfigError;
use crate::shoot::password::Password;
use crate::shoot::scan::{AlbumSource, Shoot};

/// What `albums` calls the photos at the top of the shoot folder.
pub const MAIN_ALBUM: &str = "main";
/// The grant of a gallery built without a config file.
pub const EVERYONE: &str = "everyone";

/// A grant with its password.
#[derive(Debug)]
pub struct Grant {
    pub name: String,
    pub albums: Option<Vec<String>>,
    pub password: Password,
    pub link: bool,
    pub two_factor_link: bool,
    pub expires: Option<String>,
    pub download: bool,
}

impl Grant {
    /// The grant of a gallery without a config file.
    pub fn everyone(password: Password) -> Self {
        Self {
            name: EVERYONE.to_owned(),
            albums: None,
            password,
            link: false,
            two_factor_link: false,
            expires: None,
            download: false,
        }
    }

    /// Key slots it needs: its password (or password and link together),
    /// and its key link.
    pub fn slots(&self) -> usize {
        1 + usize::from(self.link)
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GrantError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("grant '{0}' has both link and two_factor_link: a plain link would open it without the password")]
    LinkAndTwoFactor(String),
    #[error("the password of grant '{grant}' is too weak: {why}. `lightproof passwd` makes a strong one; --allow-weak builds anyway")]
    WeakPassword { grant: String, why: String },
    #[error("grant '{grant}' expires on '{date}', which is not a date written YYYY-MM-DD")]
    BadDate { grant: String, date: String },
    #[error("two grants are called '{0}': give each grant its own name")]
    DuplicateName(String),
    #[error("the grants need {0} key slots (one per password and per link), more than the {DEFAULT_SLOTS} a gallery holds")]
    TooMany(usize),
    #[error("grants '{0}' and '{1}' have the same password: each grant needs its own")]
    SamePassword(String, String),
    #[error("grant '{grant}' names the album '{album}', which is not in the shoot (albums: {})", available.join(", "))]
    UnknownAlbum {
        grant: String,
        album: String,
        available: Vec<String>,
    },
}

impl Grant {
    /// Whether this grant opens `album`.
    pub fn opens(&self, album: &AlbumSource) -> bool {
        self.albums
            .as_ref()
            .is_none_or(|names| names.iter().any(|name| album_called(album, name)))
    }
}

fn album_called(album: &AlbumSource, name: &str) -> bool {
    album.name == name || (album.is_main && name == MAIN_ALBUM)
}

/// Names unique, at most one per key slot, passwords distinct and (unless
/// `allow_weak`) strong, and every album named is in the shoot.
pub fn check(grants: &[Grant], shoot: &Shoot, allow_weak: bool) -> Result<(), GrantError> {
    if !allow_weak {
        check_strength(grants, shoot)?;
    }
    let slots: usize = grants.iter().map(Grant::slots).sum();
    if slots > DEFAULT_SLOTS {
        return Err(GrantError::TooMany(slots));
    }
    for grant in grants {
        if let Some(date) = grant
            .expires
            .as_ref()
            .filter(|d| !crate::format::manifest::is_iso_date(d))
        {
            return Err(GrantError::BadDate {
                grant: grant.name.clone(),
                date: date.clone(),
            });
        }
    }
    if let Some(grant) = grants.iter().find(|g| g.link && g.two_factor_link) {
        return Err(GrantError::LinkAndTwoFactor(grant.name.clone()));
    }
    for (i, a) in grants.iter().enumerate() {
        for b in &grants[i + 1..] {
            if a.name == b.name {
                return Err(GrantError::DuplicateName(a.name.clone()));
            }
            if a.password.as_bytes() == b.password.as_bytes() {
                return Err(GrantError::SamePassword(a.name.clone(), b.name.clone()));
            }
        }
    }
    for grant in grants {
        for album in grant.albums.iter().flatten() {
            if !shoot
                .albums
                .iter()
                .any(|source| album_called(source, album))
            {
                return Err(GrantError::UnknownAlbum {
                    grant: grant.name.clone(),
                    album: album.clone(),
                    available: available_albums(shoot),
                });
            }
        }
    }
    Ok(())
}

fn available_albums(shoot: &Shoot) -> Vec<String> {
    shoot
        .albums
        .iter()
        .map(|album| {
            if album.is_main {
                format!("{MAIN_ALBUM} (the top level)")
            } else {
                album.name.clone()
            }
        })
        .collect()
}

/// Refuses guessable passwords and those containing the gallery's names:
/// the shoot folder's name, the title, the albums and every grant's name.
/// The photos' file names (at most [`MAX_FILE_WORDS`]) are known to the
/// estimate as words too.
fn check_strength(grants: &[Grant], shoot: &Shoot) -> Result<(), GrantError> {
    let folder = shoot
        .root
        .file_name()
        .map(crate::shoot::scan::display_name)
        .unwrap_or_default();
    let mut names: Vec<&str> = vec![shoot.title.as_str(), folder.as_str()];
    names.extend(shoot.albums.iter().map(|album| album.name.as_str()));
    names.extend(
        grants
            .iter()
            .filter(|grant| grant.name != EVERYONE)
            .map(|grant| grant.name.as_str()),
    );
    let files: Vec<String> = shoot
        .albums
        .iter()
        .flat_map(|album| album.photos.iter())
        .filter_map(|photo| photo.file_stem().map(crate::shoot::scan::display_name))
        .take(MAX_FILE_WORDS)
        .collect();
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    for grant in grants {
        if let Some(why) =
            crate::shoot::passphrase::weakness_knowing(grant.password.as_str(), &names, &files)
        {
            return Err(GrantError::WeakPassword {
                grant: grant.name.clone(),
                why,
            });
        }
    }
    Ok(())
}

/// File names given to the strength estimate; enough for any shoot a
/// photographer names by hand, few enough to keep the check instant.
const MAX_FILE_WORDS: usize = 5_000;
