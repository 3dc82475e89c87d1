//! The `firesight` binary: clap, then a headless subcommand or the window.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match args.command {
        Some(cmd) => cli::run(cmd),
        None => open_window(args.base, args.files),
    }
}

#[cfg(feature = "gui")]
fn open_window(base: Option<std::path::PathBuf>, files: Vec<std::path::PathBuf>) -> ExitCode {
    match firesight::ui::run_compare(base, files) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot open the window: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(not(feature = "gui"))]
fn open_window(_base: Option<std::path::PathBuf>, _files: Vec<std::path::PathBuf>) -> ExitCode {
    eprintln!("error: this firesight was built without the window (feature `gui`); use a subcommand, see --help");
    ExitCode::from(2)
}
