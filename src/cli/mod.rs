//! The command line: its arguments (`args`), one `run_*` per command, and
//! everything a person reads in the terminal (`report`, `progress`, `json`).
//! The only part of lightproof that prints.

pub mod args;
mod build;
mod docs;
mod files;
mod init;
mod json;
mod link;
mod options;
mod picks;
mod progress;
mod publish;
mod report;
mod serve;
mod verify;

use std::process::ExitCode;

use args::{Cli, Command};
pub use options::Given;

/// Done, with problems (some photos failed, or verify found damage).
pub const EXIT_PROBLEMS: u8 = 1;
/// Nothing done.
pub const EXIT_ERROR: u8 = 2;

pub type Outcome = Result<ExitCode, Box<dyn std::error::Error>>;

/// Runs the command; the exit code says how it went.
pub fn run(cli: Cli, given: &Given) -> Outcome {
    match cli.command {
        Command::Init(args) => init::run(&args),
        Command::Build(args) => build::run_build(*args, given, false),
        Command::Rotate(args) => build::run_build(*args, given, true),
        Command::Verify(args) => verify::run_verify(args),
        Command::Bundle(args) => build::run_bundle(&args.site, &args.out, None),
        Command::Pack(args) => files::run_pack(args),
        Command::Diff(args) => files::run_diff(args),
        Command::Publish(args) => publish::run_publish(args),
        Command::Link(args) => link::run_link(args),
        Command::Picks(args) => picks::run_picks(args),
        Command::GrantPicks(args) => picks::run_grant_picks(args),
        Command::Passwd(args) => {
            let (phrase, bits) = lightproof::shoot::passphrase::generate(usize::from(args.words));
            println!("{phrase}");
            eprintln!("lightproof: {} random words, {bits:.1} bits", args.words);
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => serve::run_serve(args),
        Command::Completions(args) => docs::completions(args.shell),
        Command::Man(args) => docs::man(args.out.as_deref()),
    }
}

/// Prints `error` as lightproof reports every error.
pub fn report_error(error: &dyn std::error::Error) {
    report::error(error);
}
