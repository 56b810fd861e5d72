//! `cloak`: encrypt and decrypt `.cloak` files from the command line.
#![forbid(unsafe_code)]

mod cli;
mod crypt;
mod inspect;
mod io;
mod key;
mod secret;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = io::remove_staged_on_interrupt() {
        eprintln!("cloak: error: {e:#}");
        return ExitCode::FAILURE;
    }
    let result = match cli.command {
        Command::Key(cmd) => key::run(cmd),
        Command::Encrypt(args) => crypt::encrypt(&args),
        Command::Decrypt(args) => crypt::decrypt(&args),
        Command::Inspect(args) => inspect::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the outermost context, then its causes.
            let chain: Vec<String> = e.chain().map(ToString::to_string).collect();
            eprintln!("cloak: error: {}", chain.join(": "));
            ExitCode::FAILURE
        }
    }
}
