//! `lightproof init SHOOT_DIR`: writes `SHOOT_DIR/lightproof.toml`, every
//! `[gallery]` option commented out with its default, and commented
//! `[[grant]]` examples. The text of each option and its default come from
//! the `build` flag of the same name, so the file cannot drift from
//! `lightproof build --help`. It never replaces an existing file, and it is
//! the only file lightproof ever creates in a shoot folder.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use lightproof::shoot::config::CONFIG_FILE;
use lightproof::shoot::grants::MAIN_ALBUM;
use lightproof::shoot::settings::Gallery;

use crate::cli::args::InitArgs;

const HEADER: &str = "\
# lightproof.toml: how `lightproof build` makes this shoot's gallery.
# Written by `lightproof init`; lightproof only reads it. It is the only
# file lightproof ever creates in a shoot folder.
#
# Every option is shown with its default value, commented out: remove the
# \"# \" in front of one to change it. A flag on the command line wins over
# this file (for example --quality 90). Paths are relative to this file's
# folder. Lines ending in \"# for example\" have no default.
";

const GRANTS: &str = "\
# Several passwords: one [[grant]] per person or group, each opening some
# albums. Without any [[grant]], one password opens every album. Passwords
# never go in this file: give each grant a password_file, or set
# LIGHTPROOF_PASSWORD_<NAME>, or type it when asked.
#
# [[grant]]
# name = \"client\"                      # every album when `albums` is left out
#
# [[grant]]
# name = \"family\"
# albums = [\"Ceremony\", \"Reception\"]   # subfolder names; \"main\" is the top level
# password_file = \"family.txt\"         # else LIGHTPROOF_PASSWORD_FAMILY, else asked
# link = true                          # also a key link (`lightproof link`)
# expires = \"2026-12-31\"               # this grant only
#
# [[grant]]
# name = \"downloads\"
# two_factor_link = true               # opens only with its link AND its password
# download = true                      # may download the original files
";

pub fn run(args: &InitArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let shoot = lightproof::shoot::scan::scan_shoot(&args.shoot)?;
    let path = args.shoot.join(CONFIG_FILE);
    let albums: Vec<&str> = shoot
        .albums
        .iter()
        .map(|album| {
            if album.is_main {
                MAIN_ALBUM
            } else {
                album.name.as_str()
            }
        })
        .collect();
    let text = template(&crate::cli::args::command(), &shoot.title, &albums);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::AlreadyExists => format!(
                "'{}' already exists and was left as it is (edit it, or move it away to start again)",
                path.display()
            ),
            _ => format!("cannot create '{}': {error}", path.display()),
        })?;
    file.write_all(text.as_bytes())
        .map_err(|error| format!("cannot write '{}': {error}", path.display()))?;
    eprintln!(
        "lightproof: wrote '{}' with every build option at its default, commented out. It is the only file lightproof ever creates in a shoot folder.",
        path.display()
    );
    eprintln!(
        "lightproof: next: edit it (set out = \"…\" to build without --out), then: lightproof build '{}'",
        args.shoot.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The file: a header, `[gallery]` with one commented line per key, and
/// the grant examples. `albums` are the shoot's album names.
pub fn template(command: &clap::Command, title: &str, albums: &[&str]) -> String {
    let mut command = command.clone();
    // Building sets the defaults of plain flags (false).
    command.build();
    let build = command
        .find_subcommand("build")
        .expect("a build subcommand");
    let mut text = format!("{HEADER}\n[gallery]\n");
    for key in Gallery::keys() {
        let arg = build
            .get_arguments()
            .find(|arg| arg.get_id() == key)
            .unwrap_or_else(|| panic!("[gallery] key '{key}' has no build flag"));
        let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
        // "[default: `out` in lightproof.toml]" and the like: this file.
        let help = help.split(" [default:").next().unwrap_or_default();
        let line = match arg.get_default_values().first() {
            Some(default) => format!("# {key} = {}", literal(&default.to_string_lossy())),
            None => format!("# {key} = {}  # for example", example(key, title)),
        };
        let _ = write!(text, "\n{}{line}\n", comment(help));
    }
    let albums = if albums.is_empty() {
        "none yet".to_owned()
    } else {
        albums.join(", ")
    };
    let _ = write!(text, "\n{GRANTS}#\n# The albums of this shoot: {albums}\n");
    text
}

/// A default as TOML: numbers and booleans bare, names quoted.
fn literal(value: &str) -> String {
    if value.parse::<f64>().is_ok() || value == "true" || value == "false" {
        value.to_owned()
    } else {
        quoted(value)
    }
}

/// A value for an option without a default. The init test uncomments
/// every line and parses the file, so each must be valid for its key.
fn example(key: &str, title: &str) -> String {
    match key {
        "title" => quoted(title),
        "expires" => quoted("2026-12-31"),
        "selection_limit" => "25".to_owned(),
        "selection_min" => "10".to_owned(),
        // PBKDF2 only where a gallery must open without Argon2id.
        "kdf_iterations" => "1000000".to_owned(),
        "photographer_email" => quoted("you@studio.com"),
        "watermark" => quoted("© Studio North"),
        "watermark_logo" => quoted("logo.png"),
        "cover" => quoted("IMG_0001.jpg"),
        "date" => quoted("2026-06-14"),
        "studio" => quoted("Studio North"),
        "studio_logo" => quoted("logo.png"),
        "accent" => quoted("#7a4e2d"),
        "out" => quoted(&format!("../{}-gallery", title.replace(' ', "-"))),
        _ => quoted(""),
    }
}

fn quoted(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}

/// `help` as `# ` lines of at most 76 characters.
fn comment(help: &str) -> String {
    let mut lines = String::new();
    let mut line = String::from("#");
    for word in help.split_whitespace() {
        if line.len() + 1 + word.len() > 76 && line.len() > 1 {
            lines.push_str(&line);
            lines.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    lines.push_str(&line);
    lines.push('\n');
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_parses_with_every_line_uncommented() {
        let text = template(
            &crate::cli::args::command(),
            "Smith \"Jr\" \\ wedding",
            &["main"],
        );
        let gallery = text.split("\n[gallery]\n").nth(1).unwrap();
        let gallery = gallery.split("# Several passwords").next().unwrap();
        let uncommented: String = gallery
            .lines()
            .filter_map(|line| line.strip_prefix("# "))
            .filter(|line| {
                let key = line.split(" = ").next().unwrap_or_default();
                Gallery::keys().contains(&key)
            })
            .map(|line| format!("{line}\n"))
            .collect();
        let parsed: Gallery = toml::from_str(&uncommented).unwrap();
        assert_eq!(parsed.title.as_deref(), Some("Smith \"Jr\" \\ wedding"));
        assert_eq!(parsed.quality, Some(lightproof::shoot::settings::QUALITY));
        assert_eq!(
            uncommented.lines().count(),
            Gallery::keys().len(),
            "{uncommented}"
        );
    }

    #[test]
    fn help_is_wrapped_into_comment_lines() {
        let text = comment(&"word ".repeat(40));
        assert!(text.lines().all(|l| l.starts_with("# ") && l.len() <= 76));
        assert_eq!(text.split_whitespace().filter(|w| *w == "word").count(), 40);
    }
}
