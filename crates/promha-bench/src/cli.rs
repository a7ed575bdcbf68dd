//! The CLI, end to end, on generated files: wall time and peak memory of the
//! process, beside the core merely parsing the same text in process.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use promha_core::ReadLimits;

/// One run of the `promha` process.
pub struct Run {
    pub wall: Duration,
    pub cpu: Duration,
    /// Peak resident set size, bytes.
    pub peak_rss: u64,
    pub status: i32,
    pub stderr: String,
}

/// Runs `promha lint --no-config --format json PATH`, output discarded.
pub fn lint(cli: &Path, path: &Path) -> Result<Run> {
    let started = Instant::now();
    let child = Command::new(cli)
        .args(["lint", "--no-config", "--format", "json"])
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", cli.display()))?;
    let pid = child.id() as libc::pid_t;
    let mut stderr = child.stderr;
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(s) = stderr.as_mut() {
            let _ = std::io::Read::read_to_string(s, &mut text);
        }
        text
    });
    let mut status = 0;
    // SAFETY: rusage is plain data, filled in by wait4 for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for the child spawned above, which nothing else reaps.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    if reaped != pid {
        bail!("wait4 failed: {}", std::io::Error::last_os_error());
    }
    let stderr = reader.join().unwrap_or_default();
    let time = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Ok(Run {
        wall,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        peak_rss: (usage.ru_maxrss as u64) * 1024,
        status: code,
        stderr,
    })
}

/// The fastest of `runs` runs (memory: the largest).
pub fn best_of(cli: &Path, path: &Path, runs: usize) -> Result<Run> {
    let mut best: Option<Run> = None;
    for _ in 0..runs.max(1) {
        let run = lint(cli, path)?;
        if !matches!(run.status, 0..=2) {
            bail!("promha lint {} exited {}: {}", path.display(), run.status, run.stderr);
        }
        best = Some(match best {
            Some(b) if b.wall <= run.wall => Run {
                peak_rss: b.peak_rss.max(run.peak_rss),
                ..b
            },
            Some(b) => Run {
                peak_rss: b.peak_rss.max(run.peak_rss),
                ..run
            },
            None => run,
        });
    }
    best.context("no run")
}

/// The fastest of `runs` in-process parses of every document of the files
/// (`promha_core::read_text`, no check): the floor the CLI is held to.
pub fn parse_only(files: &[(String, String)], runs: usize) -> Duration {
    let limits = ReadLimits::default();
    let mut best = Duration::MAX;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let mut documents = 0;
        for (file, text) in files {
            if let Ok(docs) = promha_core::read_text(file, text, &limits) {
                documents += docs.len();
            }
        }
        std::hint::black_box(documents);
        best = best.min(started.elapsed());
    }
    best
}

/// Writes the files into `dir`.
pub fn write_files(dir: &Path, files: &[(String, String)]) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, text) in files {
        std::fs::write(dir.join(name), text)?;
    }
    Ok(())
}
