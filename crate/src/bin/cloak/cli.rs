//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Cloak: end-to-end encryption for files you keep in cloud storage.
///
/// Passphrases are read from the CLOAK_PASSPHRASE environment variable when it
/// is set, else from --passphrase-file, else prompted on the terminal. Secrets
/// are never command-line arguments.
#[derive(Parser, Debug)]
#[command(name = "cloak", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The sub-commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Manage key files.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Encrypt a file (INPUT absent or `-`: standard input).
    Encrypt(EncryptArgs),
    /// Decrypt a `.cloak` file (INPUT absent or `-`: standard input).
    Decrypt(DecryptArgs),
    /// Show what a `.cloak` file's header says, without any key.
    Inspect(InspectArgs),
}

/// Where the passphrase comes from when CLOAK_PASSPHRASE is not set.
#[derive(Args, Debug, Clone, Default)]
pub struct PassphraseArgs {
    /// Read the passphrase from the first line of this file.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

/// Key-file sub-commands.
#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Create a new key file; prints the recovery key and public recipient.
    New {
        /// Where to write the key file (never overwritten).
        #[arg(long, value_name = "KEYFILE")]
        out: PathBuf,
        #[command(flatten)]
        pass: PassphraseArgs,
    },
    /// Rebuild a key file from a recovery key (read from standard input or prompted).
    Recover {
        /// Where to write the key file (never overwritten).
        #[arg(long, value_name = "KEYFILE")]
        out: PathBuf,
        #[command(flatten)]
        pass: PassphraseArgs,
    },
    /// Add the keys of another key file, or a recovery key, to a key file.
    Import {
        /// The key file to add to.
        #[arg(long, value_name = "KEYFILE")]
        key: PathBuf,
        /// Key file to import from (its passphrase: CLOAK_IMPORT_PASSPHRASE or prompt).
        #[arg(long, value_name = "KEYFILE", conflicts_with = "recovery")]
        from: Option<PathBuf>,
        /// Import a recovery key instead (read from standard input or prompted).
        #[arg(long)]
        recovery: bool,
        #[command(flatten)]
        pass: PassphraseArgs,
    },
    /// List the key ids and public recipients in a key file (no passphrase needed).
    Show {
        /// The key file.
        #[arg(long, value_name = "KEYFILE")]
        key: PathBuf,
    },
    /// Key rotation: add a new key and make it the default for new files;
    /// every older key stays, to decrypt what was made with it. Prints the new
    /// key's recovery key.
    Rotate {
        /// The key file.
        #[arg(long, value_name = "KEYFILE")]
        key: PathBuf,
        #[command(flatten)]
        pass: PassphraseArgs,
    },
    /// Print the recovery key of the default key.
    Recovery {
        /// The key file.
        #[arg(long, value_name = "KEYFILE")]
        key: PathBuf,
        #[command(flatten)]
        pass: PassphraseArgs,
    },
    /// Change the passphrase (new one: CLOAK_NEW_PASSPHRASE or prompt).
    Passwd {
        /// The key file.
        #[arg(long, value_name = "KEYFILE")]
        key: PathBuf,
        #[command(flatten)]
        pass: PassphraseArgs,
    },
}

/// Arguments of `cloak encrypt`.
#[derive(Args, Debug)]
pub struct EncryptArgs {
    /// Key file whose default key the file is encrypted to.
    #[arg(long, value_name = "KEYFILE")]
    pub key: Option<PathBuf>,
    /// Also encrypt to this public recipient (`cloak1…`); repeatable.
    #[arg(long = "recipient", short = 'r', value_name = "RECIPIENT")]
    pub recipients: Vec<String>,
    /// Output file, or `-` for standard output. Default: INPUT.cloak.
    #[arg(long, short, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Pad the file to hide its exact size (PADMÉ, at most 12 % larger).
    #[arg(long)]
    pub pad: bool,
    /// File name to store inside the encryption (default: the input's name).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Overwrite OUT if it exists.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub pass: PassphraseArgs,
    /// The file to encrypt.
    pub input: Option<PathBuf>,
}

/// Arguments of `cloak decrypt`.
#[derive(Args, Debug)]
pub struct DecryptArgs {
    /// Key file holding the keys to try.
    #[arg(long, value_name = "KEYFILE")]
    pub key: PathBuf,
    /// Output file, or `-` for standard output. Default: the original name,
    /// next to the input, never overwriting an existing file.
    #[arg(long, short, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Overwrite OUT if it exists.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub pass: PassphraseArgs,
    /// The `.cloak` file.
    pub input: Option<PathBuf>,
}

/// Arguments of `cloak inspect`.
#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// The `.cloak` file.
    pub input: Option<PathBuf>,
}
