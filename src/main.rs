//! The `fieldwork` binary: everything lives in the library; this only sets the exit code.

fn main() {
    // Rust ignores SIGPIPE, so printing to a closed pipe (`fieldwork search x | head`)
    // would panic; the default action ends the process quietly, as Unix tools do.
    #[cfg(unix)]
    // SAFETY: called first thing, before any other thread exists; SIG_DFL is a valid action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(fieldwork::cli::main());
}
