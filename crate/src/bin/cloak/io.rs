//! Inputs, outputs that never leave a complete-looking file behind on failure,
//! and the progress bar.

use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError, mpsc};
use std::thread;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tempfile::NamedTempFile;

/// Bytes read per step: a multiple of the chunk size.
pub const BUF_SIZE: usize = 1 << 20;
/// Inputs at least this large get a progress bar on a terminal.
const PROGRESS_MIN: u64 = 32 << 20;

/// An opened input.
pub struct Input {
    /// The reader.
    pub reader: Box<dyn Read + Send>,
    /// The file path, when not stdin.
    pub path: Option<PathBuf>,
    /// The size, when known.
    pub size: Option<u64>,
    /// Last-modified time in ms since the epoch, when known.
    pub modified_ms: Option<i64>,
}

/// Opens INPUT, or stdin for `None` and `-`.
pub fn open_input(path: Option<&Path>) -> Result<Input> {
    match path {
        None => Ok(stdin_input()),
        Some(p) if p == Path::new("-") => Ok(stdin_input()),
        Some(p) => {
            let file = File::open(p).with_context(|| format!("cannot open {}", p.display()))?;
            let meta = file
                .metadata()
                .with_context(|| format!("cannot read {}", p.display()))?;
            if meta.is_dir() {
                bail!("{} is a directory", p.display());
            }
            let modified_ms = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .and_then(|d| i64::try_from(d.as_millis()).ok());
            Ok(Input {
                reader: Box::new(file),
                path: Some(p.to_path_buf()),
                size: meta.is_file().then_some(meta.len()),
                modified_ms,
            })
        }
    }
}

fn stdin_input() -> Input {
    Input {
        reader: Box::new(io::stdin()),
        path: None,
        size: None,
        modified_ms: None,
    }
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
pub fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Calls `each` with the input's consecutive pieces of up to [`BUF_SIZE`]
/// bytes, in order, until it ends. The next piece is read on another thread
/// meanwhile, so reading overlaps the caller's work (reading a 1 GiB file from
/// the page cache took as long as sealing it).
pub fn for_each_piece(
    reader: &mut (dyn Read + Send),
    each: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let (full_tx, full_rx) = mpsc::sync_channel::<io::Result<(Vec<u8>, usize)>>(1);
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
    for _ in 0..2 {
        empty_tx.send(vec![0u8; BUF_SIZE])?;
    }
    thread::scope(move |scope| {
        scope.spawn(move || {
            while let Ok(mut buf) = empty_rx.recv() {
                let read = read_full(reader, &mut buf);
                let last = !matches!(read, Ok(n) if n > 0);
                if full_tx.send(read.map(|n| (buf, n))).is_err() || last {
                    break;
                }
            }
        });
        // Returning drops both channel ends held here, which ends the reader.
        consume(&full_rx, &empty_tx, each)
    })
}

fn consume(
    full: &mpsc::Receiver<io::Result<(Vec<u8>, usize)>>,
    empty: &mpsc::Sender<Vec<u8>>,
    mut each: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    loop {
        let (buf, n) = full
            .recv()
            .context("the input reader stopped")?
            .context("cannot read the input")?;
        if n == 0 {
            return Ok(());
        }
        each(&buf[..n])?;
        // The reader may have ended already; the buffer is then not needed.
        let _ = empty.send(buf);
    }
}

/// Staged outputs not yet committed. A signal handler (and the panic hook)
/// removes them, so an interrupted run leaves no partial plaintext behind;
/// committing holds this lock across the rename, so the handler sees either
/// the staged file or the finished output, never both or neither.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(PoisonError::into_inner)
}

fn remove_all(list: &mut Vec<PathBuf>) -> usize {
    list.drain(..)
        .filter(|p| std::fs::remove_file(p).is_ok())
        .count()
}

/// On SIGINT, SIGTERM or SIGHUP (and on a panic), removes every staged output
/// before the process ends. Call once, first thing in `main`.
pub fn remove_staged_on_interrupt() -> Result<()> {
    ctrlc::set_handler(|| {
        let mut list = pending();
        let removed = remove_all(&mut list);
        if removed > 0 {
            eprintln!("cloak: interrupted; the incomplete output was removed");
        } else {
            eprintln!("cloak: interrupted");
        }
        // Exits with the lock held: nothing can be committed after this.
        std::process::exit(130);
    })
    .context("cannot install the interrupt handler")?;
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if let Ok(mut list) = PENDING.try_lock() {
            remove_all(&mut list);
        }
        default_hook(info);
    }));
    Ok(())
}

/// A staged path's entry in [`PENDING`], dropped with the staged file.
pub struct Registered(PathBuf);

impl Registered {
    fn new(path: &Path) -> Self {
        pending().push(path.to_path_buf());
        Self(path.to_path_buf())
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        pending().retain(|p| p != &self.0);
    }
}

/// Where output goes: stdout, or a temporary file that becomes the output only
/// once everything succeeded (dropped on failure, so nothing is left behind).
pub enum Output {
    /// Standard output.
    Stdout(io::StdoutLock<'static>),
    /// A temporary file in the destination directory, owner-only until committed.
    Staged {
        /// The temporary file.
        file: NamedTempFile,
        /// Its entry among the outputs removed on interruption.
        registered: Registered,
        /// Keep the committed file owner-only (key files).
        private: bool,
    },
}

impl Output {
    /// Standard output; refuses a terminal for binary data when `binary`.
    pub fn stdout(binary: bool) -> Result<Self> {
        if binary && io::stdout().is_terminal() {
            bail!("refusing to write encrypted data to a terminal; use --output or redirect");
        }
        Ok(Self::Stdout(io::stdout().lock()))
    }

    /// A staged file in `dir`, created readable by the owner only (tempfile's
    /// 0600); `private` keeps it so once committed.
    pub fn staged(dir: &Path, private: bool) -> Result<Self> {
        let file = tempfile::Builder::new()
            .prefix(".cloak-partial-")
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a file in {}", dir.display()))?;
        let registered = Registered::new(file.path());
        Ok(Self::Staged {
            file,
            registered,
            private,
        })
    }

    /// The staged file, if output is staged.
    pub fn staged_file(&self) -> Option<&File> {
        match self {
            Self::Staged { file, .. } => Some(file.as_file()),
            Self::Stdout(_) => None,
        }
    }

    /// Writes bytes.
    pub fn write_all(&mut self, data: &[u8]) -> Result<()> {
        match self {
            Self::Stdout(s) => s.write_all(data).context("cannot write to standard output"),
            Self::Staged { file, .. } => {
                file.write_all(data).context("cannot write the output file")
            }
        }
    }

    /// Flushes, and for a staged file moves it to `dest` (never replacing an
    /// existing file unless `force`).
    pub fn commit(self, dest: Option<&Path>, force: bool) -> Result<()> {
        let (file, _registered, private, dest) = match (self, dest) {
            (Self::Stdout(mut s), _) => {
                return s.flush().context("cannot write to standard output");
            }
            (
                Self::Staged {
                    file,
                    registered,
                    private,
                },
                Some(dest),
            ) => (file, registered, private, dest),
            (Self::Staged { .. }, None) => bail!("no output path"),
        };
        finish(&file, private)?;
        // Held across the rename (see PENDING); `_registered`, dropped after
        // it, then takes the path off the list.
        let _held = pending();
        if force {
            file.persist(dest)
                .map(drop)
                .with_context(|| format!("cannot write {}", dest.display()))
        } else {
            file.persist_noclobber(dest).map(drop).map_err(|e| {
                if e.error.kind() == io::ErrorKind::AlreadyExists {
                    anyhow::anyhow!(
                        "{} already exists; not overwriting it (use --force)",
                        dest.display()
                    )
                } else {
                    anyhow::anyhow!("cannot write {}: {}", dest.display(), e.error)
                }
            })
        }
    }

    /// For a staged file: moves it to the first free name among `name`,
    /// `name (1)`, `name (2)`… in `dir`. Returns the chosen path.
    pub fn commit_unique(self, dir: &Path, name: &str) -> Result<PathBuf> {
        let Self::Staged {
            mut file,
            registered: _registered,
            private,
        } = self
        else {
            bail!("not a staged output");
        };
        finish(&file, private)?;
        let (stem, ext) = match name.rfind('.') {
            Some(i) if i > 0 => (&name[..i], &name[i..]),
            _ => (name, ""),
        };
        let _held = pending();
        for n in 0..1000 {
            let candidate = if n == 0 {
                dir.join(name)
            } else {
                dir.join(format!("{stem} ({n}){ext}"))
            };
            match file.persist_noclobber(&candidate) {
                Ok(_) => return Ok(candidate),
                Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => file = e.file,
                Err(e) => bail!("cannot write {}: {}", candidate.display(), e.error),
            }
        }
        bail!("could not find a free name for {name} in {}", dir.display())
    }
}

/// Syncs a complete staged file and gives it its final mode: ordinary outputs
/// become 0644 only now, so a partial one was never readable by others.
fn finish(file: &NamedTempFile, private: bool) -> Result<()> {
    #[cfg(unix)]
    if !private {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .context("cannot set the output file's permissions")?;
    }
    #[cfg(not(unix))]
    let _ = private;
    file.as_file()
        .sync_all()
        .context("cannot write the output file")
}

/// Directory of `path` ("." for a bare name).
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A progress bar on stderr for large or unknown-size inputs on a terminal.
pub fn progress(size: Option<u64>, verb: &str) -> ProgressBar {
    if !io::stderr().is_terminal() || size.is_some_and(|s| s < PROGRESS_MIN) {
        return ProgressBar::hidden();
    }
    let bar = match size {
        Some(s) => ProgressBar::with_draw_target(Some(s), ProgressDrawTarget::stderr()),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
    };
    let template = if size.is_some() {
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}"
    } else {
        "{msg} {bytes} {bytes_per_sec}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(verb.to_string());
    bar
}
