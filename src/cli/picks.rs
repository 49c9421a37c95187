//! `lightproof picks`: read a client's signed selection.

use std::process::ExitCode;

use super::args::PicksArgs;
use super::Outcome;

/// Prints the chosen file names comma-separated (for Lightroom's filter)
/// on stdout, the notes on stderr, and copies the originals if asked.
pub fn run_picks(args: PicksArgs) -> Outcome {
    let picks = lightproof::deliver::picks::read_picks(
        &args.selection,
        &args.site,
        &args.shoot,
        args.cache_dir.as_deref(),
    )?;
    use lightproof::deliver::picks::printable;
    let names: Vec<String> = picks.iter().map(|p| printable(&p.file)).collect();
    println!("{}", names.join(", "));
    eprintln!("lightproof: {} chosen", picks.len());
    for pick in picks.iter().filter(|p| p.note.is_some()) {
        eprintln!(
            "  {} ({}): {}",
            printable(&pick.file),
            printable(&pick.album),
            printable(pick.note.as_deref().unwrap_or(""))
        );
    }
    if let Some(folder) = &args.copy_to {
        std::fs::create_dir_all(folder)
            .map_err(|e| format!("cannot create '{}': {e}", folder.display()))?;
        for pick in &picks {
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
    }
    Ok(ExitCode::SUCCESS)
}
