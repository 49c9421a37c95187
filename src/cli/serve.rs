//! `lightproof serve`: the site on a local address, until Ctrl-C.

use std::process::ExitCode;

use super::args::ServeArgs;
use super::Outcome;

/// Serves until Ctrl-C. The URL is on stdout, in one line, for scripts.
pub fn run_serve(args: ServeArgs) -> Outcome {
    let server = lightproof::deliver::serve::Server::bind(&args.site, args.port.unwrap_or(0))?;
    let url = server.url();
    println!(
        "Serving '{}' at {url} — press Ctrl-C to stop",
        args.site.display()
    );
    if args.open {
        lightproof::deliver::serve::open_browser(&url, |message| {
            eprintln!("lightproof: warning: {message}")
        });
    }
    let log: fn(&str) = if args.quiet {
        |_| {}
    } else {
        |line| eprintln!("{line}")
    };
    server.run(log)?;
    Ok(ExitCode::SUCCESS)
}
