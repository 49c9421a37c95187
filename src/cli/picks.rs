//! `lightproof picks`: read a client's signed selection.

use std::path::Path;
use std::process::ExitCode;

use lightproof::deliver::picks::{printable, Pick};
use lightproof::deliver::searches::{search, App};
use lightproof::deliver::xmp::{write_sidecars, Marks};
use lightproof::site::writer::check_outside_shoot;

use super::args::{GrantPicksArgs, PicksArgs};
use super::Outcome;

/// Prints the chosen file names as search strings for the apps asked for
/// (Lightroom's by default) on stdout, the notes on stderr, and copies the
/// originals and writes XMP sidecars if asked.
pub fn run_picks(args: PicksArgs) -> Outcome {
    let picks = lightproof::deliver::picks::read_picks(
        &args.selection,
        &args.site,
        &args.shoot,
        args.cache_dir.as_deref(),
    )?;
    // Files first: a refusal there leaves stdout empty.
    if let Some(folder) = &args.copy_to {
        copy_originals(&picks, &args.shoot, folder)?;
    }
    if let Some(folder) = &args.xmp {
        let marks = Marks {
            label: Some(args.xmp_label.clone()).filter(|label| !label.is_empty()),
            rating: args.xmp_rating,
        };
        let written = write_sidecars(&picks, &args.shoot, folder, &marks, args.force)?;
        eprintln!(
            "lightproof: wrote {} XMP sidecars into '{}' (copy them beside your raw files; do not replace sidecars that hold your edits)",
            written.len(),
            folder.display()
        );
    }
    print_searches(&picks, &args.apps);
    eprintln!("lightproof: {} chosen", picks.len());
    for pick in picks.iter().filter(|p| p.note.is_some()) {
        eprintln!(
            "  {} ({}): {}",
            printable(&pick.file),
            printable(&pick.album),
            printable(pick.note.as_deref().unwrap_or(""))
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// One line per search string on stdout; where it goes on stderr after it.
fn print_searches(picks: &[Pick], wanted: &[String]) {
    let names: Vec<String> = picks.iter().map(|p| printable(&p.file)).collect();
    let apps: Vec<App> = if wanted.iter().any(|app| app == "all") {
        App::ALL.to_vec()
    } else {
        wanted
            .iter()
            .filter_map(|app| App::from_name(app))
            .collect()
    };
    for app in apps {
        let found = search(app, &names);
        let parts = found.lines.len();
        for (index, line) in found.lines.iter().enumerate() {
            println!("{line}");
            match parts {
                1 => eprintln!("lightproof: ^ {}", app.where_to_paste()),
                _ => eprintln!(
                    "lightproof: ^ {} (part {} of {parts}: search each in turn)",
                    app.where_to_paste(),
                    index + 1
                ),
            }
        }
        if !found.loose.is_empty() {
            eprintln!(
                "lightproof: {} name(s) cannot be searched for exactly there and may find more photos: {}",
                found.loose.len(),
                found.loose.join(", ")
            );
        }
    }
}

fn copy_originals(
    picks: &[Pick],
    shoot: &Path,
    folder: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    check_outside_shoot(folder, shoot)?;
    std::fs::create_dir_all(folder)
        .map_err(|e| format!("cannot create '{}': {e}", folder.display()))?;
    for pick in picks {
        // The name of the file in the shoot, never a name from the
        // selection's text.
        let name = pick
            .source
            .file_name()
            .ok_or("a chosen photo has no file name")?;
        let target = folder.join(name);
        if target.exists() {
            return Err(format!(
                "'{}' already exists; nothing was overwritten",
                target.display()
            )
            .into());
        }
        std::fs::copy(&pick.source, &target)
            .map_err(|e| format!("cannot copy '{}': {e}", pick.source.display()))?;
    }
    eprintln!(
        "lightproof: copied {} originals into '{}'",
        picks.len(),
        folder.display()
    );
    Ok(())
}

/// `grant-picks`: the new grant, then what to upload and what to send.
pub fn run_grant_picks(args: GrantPicksArgs) -> Outcome {
    use lightproof::deliver::grant_picks::{grant_picks, GrantPicksRequest};
    use lightproof::shoot::password::{obtain_for_grant, Confirm};
    let request = GrantPicksRequest {
        selection: &args.selection,
        site: &args.site,
        cache_dir: args.cache_dir.as_deref(),
        name: &args.name,
        allow_weak: args.allow_weak,
    };
    let password = || obtain_for_grant(&args.name, args.password_file.as_deref(), Confirm::Twice);
    let grant = grant_picks(&request, password)?;
    let copy = |file: &str| match grant.offline {
        true => format!("{file}, {file}.js"),
        false => file.to_owned(),
    };
    eprintln!(
        "lightproof: grant '{}' opens {} photos, each with its original, and nothing else",
        grant.name, grant.photos
    );
    eprintln!(
        "lightproof: upload {} first, then {}: only these changed",
        copy(&grant.manifest_file),
        copy("gallery.bin")
    );
    eprintln!(
        "lightproof: send the client the gallery's address and this grant's password, separately; their old password still opens what it did"
    );
    eprintln!(
        "lightproof: a later `lightproof build` of this gallery leaves this grant out (it is not in lightproof.toml): run grant-picks again after it"
    );
    Ok(ExitCode::SUCCESS)
}
