//! `lightproof completions` and `lightproof man`: shell completion scripts
//! and manual pages generated from the clap definitions in `cli`, so they
//! list exactly the subcommands and flags the binary accepts.

use std::path::Path;
use std::process::ExitCode;

use clap_complete::Shell;

use super::Outcome;

pub fn completions(shell: Shell) -> Outcome {
    let mut command = crate::cli::args::command();
    clap_complete::generate(shell, &mut command, "lightproof", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}

/// The main page on stdout, or with `out` one page per command in it:
/// `lightproof.1`, `lightproof-build.1`, …
pub fn man(out: Option<&Path>) -> Outcome {
    let mut command = crate::cli::args::command().disable_help_subcommand(true);
    command.build();
    let Some(out) = out else {
        let page = page(&command)?;
        std::io::Write::write_all(&mut std::io::stdout(), &page)?;
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(out)
        .map_err(|error| format!("cannot create '{}': {error}", out.display()))?;
    let mut written = 0;
    for sub in std::iter::once(&command).chain(command.get_subcommands()) {
        let man = clap_mangen::Man::new(sub.clone());
        let path = out.join(man.get_filename());
        std::fs::write(&path, page(sub)?)
            .map_err(|error| format!("cannot write '{}': {error}", path.display()))?;
        written += 1;
    }
    eprintln!(
        "lightproof: wrote {written} manual pages into '{}'",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// One page. The text after the options (the exit codes) goes under the
/// usual EXIT STATUS heading instead of clap_mangen's EXTRA.
fn page(command: &clap::Command) -> Result<Vec<u8>, std::io::Error> {
    let mut roff = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut roff)?;
    let text = String::from_utf8_lossy(&roff).replace(".SH EXTRA", ".SH \"EXIT STATUS\"");
    Ok(text.into_bytes())
}
