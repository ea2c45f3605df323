//! The real binary in a pseudo-terminal, for the end-to-end tests: `Builder` names the
//! environment a test needs (database, home, extra variables, size), `Tui` reads what the
//! program draws through a `vt100` parser and sends it keys.
//!
//! Nothing here sleeps a fixed time: every wait is on a condition (text on the screen, the
//! process ended), with the timeout from `FIELDWORK_E2E_TIMEOUT_SECS` (default 20).

#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, ExitStatus, PtySize};

pub const BIN: &str = env!("CARGO_BIN_EXE_fieldwork");

/// How long any wait may take: `FIELDWORK_E2E_TIMEOUT_SECS`, default 20 seconds.
pub fn timeout() -> Duration {
    let secs = std::env::var("FIELDWORK_E2E_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    Duration::from_secs(secs)
}

/// Wait until `done` holds, re-checking every `every`; panics with `what()` at the timeout.
fn wait_until(every: Duration, mut done: impl FnMut() -> bool, what: impl Fn() -> String) {
    let end = Instant::now() + timeout();
    while !done() {
        assert!(Instant::now() < end, "timed out waiting for {}", what());
        std::thread::park_timeout(every);
    }
}

/// The command line and terminal of one run of the binary (`TERM=xterm-256color`, 40 rows
/// of 140 columns unless `size` says otherwise).
pub struct Builder {
    cmd: CommandBuilder,
    rows: u16,
    cols: u16,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    pub fn new() -> Builder {
        let mut cmd = CommandBuilder::new(BIN);
        cmd.env("TERM", "xterm-256color");
        Builder {
            cmd,
            rows: 40,
            cols: 140,
        }
    }

    /// `--db db`.
    pub fn db(mut self, db: &Path) -> Builder {
        self.cmd.arg("--db");
        self.cmd.arg(db);
        self
    }

    /// `HOME` and the working folder.
    pub fn home(mut self, home: &Path) -> Builder {
        self.cmd.env("HOME", home);
        self.cmd.cwd(home);
        self
    }

    pub fn args<S: AsRef<OsStr>>(mut self, args: &[S]) -> Builder {
        self.cmd.args(args);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Builder {
        self.cmd.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Builder {
        self.cmd.env_remove(key);
        self
    }

    pub fn size(mut self, rows: u16, cols: u16) -> Builder {
        self.rows = rows;
        self.cols = cols;
        self
    }

    /// Start the program in a new pseudo-terminal; a thread feeds its output to the parser.
    pub fn spawn(self) -> Tui {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: self.rows,
                cols: self.cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let child = pair.slave.spawn_command(self.cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            NonZeroU16::new(self.rows).unwrap(),
            NonZeroU16::new(self.cols).unwrap(),
            0,
        )));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (p, r) = (parser.clone(), raw.clone());
        let drain = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        p.lock().unwrap().process(&buf[..n]);
                        r.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                }
            }
        });
        Tui {
            parser,
            raw,
            writer,
            child,
            master: pair.master,
            drain,
        }
    }
}

/// A running program in a pseudo-terminal.
pub struct Tui {
    parser: Arc<Mutex<vt100::Parser>>,
    /// Everything the program wrote, raw.
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    master: Box<dyn portable_pty::MasterPty + Send>,
    drain: JoinHandle<()>,
}

impl Tui {
    /// The screen as text.
    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Everything the program wrote so far, escapes included.
    pub fn raw(&self) -> String {
        String::from_utf8_lossy(&self.raw.lock().unwrap()).into_owned()
    }

    /// Wait until the screen satisfies `ok` (`what` names it in the failure); returns it.
    pub fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        wait_until(
            Duration::from_millis(10),
            || {
                last = self.screen();
                ok(&last)
            },
            || format!("{what}; screen:\n{}", self.screen()),
        );
        last
    }

    /// Wait until `text` is on the screen; returns the screen.
    pub fn wait(&self, text: &str) -> String {
        self.wait_for(&format!("{text:?}"), |s| s.contains(text))
    }

    /// Wait until every one of `texts` is on the screen at once; returns the screen.
    pub fn wait_all(&self, texts: &[&str]) -> String {
        self.wait_for(&format!("{texts:?}"), |s| {
            texts.iter().all(|t| s.contains(t))
        })
    }

    /// Wait until `text` is no longer on the screen.
    pub fn wait_gone(&self, text: &str) {
        self.wait_for(&format!("{text:?} to go"), |s| !s.contains(text));
    }

    /// Type `keys`.
    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Wait until the terminal no longer echoes (a passphrase prompt turns echo off after
    /// printing itself: typing before that would be echoed by the terminal, not by the
    /// program), then type `keys`.
    #[cfg(unix)]
    pub fn type_hidden(&mut self, keys: &str) {
        wait_until(
            Duration::from_millis(5),
            || {
                self.master
                    .get_termios()
                    .is_some_and(|t| t.local_flags.bits() & libc::ECHO == 0)
            },
            || {
                format!(
                    "echo to be turned off; screen:\n{}",
                    self.parser.lock().unwrap().screen().contents()
                )
            },
        );
        self.send(keys);
    }

    /// Whether the program is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Wait until the program has ended and all it wrote has been read; its exit status.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let mut status = None;
        let child = &mut self.child;
        let parser = &self.parser;
        let screen = || parser.lock().unwrap().screen().contents();
        wait_until(
            Duration::from_millis(10),
            || {
                status = child.try_wait().unwrap();
                status.is_some()
            },
            || format!("the program to end; screen:\n{}", screen()),
        );
        let drain = &self.drain;
        wait_until(
            Duration::from_millis(10),
            || drain.is_finished(),
            || format!("the program's last output; screen:\n{}", screen()),
        );
        status.unwrap()
    }
}
