//! [`TempPostgres`]: a throwaway PostgreSQL server for tests. `initdb` into a fresh temporary
//! folder, started by `pg_ctl` on a free loopback port with its unix socket inside that folder
//! (so it never meets the machine's own cluster), fsync off; stopped and removed on drop.
//!
//! PostgreSQL refuses to run as root, and CI runs as root: then `initdb`, `pg_ctl` and the server
//! run as the `postgres` system user (`runuser -u postgres --`), created with
//! `useradd --system postgres` when it is missing.
//!
//! A machine without the PostgreSQL binaries skips the tests that need them ([`TempPostgres::
//! start_or_skip`] returns `None` and says why), except under `CI=true`, where that is a failure.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a throwaway server could not be had.
#[derive(Debug, thiserror::Error)]
pub enum TestkitError {
    /// The PostgreSQL server binaries (`initdb`, `pg_ctl`, `postgres`) are not installed.
    #[error("PostgreSQL server binaries not found (looked at `pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH); install Debian's `postgresql` package")]
    Missing,
    #[error("{0}")]
    Failed(String),
}

/// A PostgreSQL server of its own for one test (or one test binary).
pub struct TempPostgres {
    // Dropped after `Drop::drop` has stopped the server.
    dir: tempfile::TempDir,
    bindir: PathBuf,
    port: u16,
    /// Run the server tools as the `postgres` user (we are root).
    as_postgres: bool,
    databases: AtomicU64,
}

/// The superuser the throwaway cluster is created with (trust authentication on loopback only).
const SUPERUSER: &str = "rhetor";

fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn euid_is_root() -> bool {
    // No libc dependency for one number: `id -u` answers it.
    Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .is_some_and(|s| s.trim() == "0")
}

/// The folder holding `initdb`, `pg_ctl` and `postgres`.
pub fn find_bindir() -> Option<PathBuf> {
    let has_tools = |d: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|t| d.join(t).is_file())
    };
    if let Some(d) = std::env::var_os("RHETOR_PG_BINDIR").map(PathBuf::from) {
        if has_tools(&d) {
            return Some(d);
        }
    }
    if let Ok(o) = Command::new("pg_config").arg("--bindir").output() {
        let d = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
        if o.status.success() && has_tools(&d) {
            return Some(d);
        }
    }
    // Debian installs the server outside PATH, one folder per major version: take the newest.
    if let Ok(rd) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<(u32, PathBuf)> = rd
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let v = e.file_name().to_str()?.parse::<u32>().ok()?;
                Some((v, e.path().join("bin")))
            })
            .filter(|(_, d)| has_tools(d))
            .collect();
        versions.sort();
        if let Some((_, d)) = versions.pop() {
            return Some(d);
        }
    }
    std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).find(|d| has_tools(d)))
}

fn run(cmd: &mut Command, what: &str) -> Result<Output, TestkitError> {
    let out = cmd
        .output()
        .map_err(|e| TestkitError::Failed(format!("{what}: {e}")))?;
    if !out.status.success() {
        return Err(TestkitError::Failed(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(out)
}

/// The uid and gid of the `postgres` user, created (as a system user) when missing.
fn postgres_user() -> Result<(u32, u32), TestkitError> {
    let id = |flag: &str| -> Option<u32> {
        let o = Command::new("id").args([flag, "postgres"]).output().ok()?;
        if !o.status.success() {
            return None;
        }
        String::from_utf8(o.stdout).ok()?.trim().parse().ok()
    };
    if id("-u").is_none() {
        let ok = Command::new("useradd")
            .args(["--system", "--user-group", "--no-create-home", "postgres"])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err(TestkitError::Failed(
                "running as root, and PostgreSQL refuses to run as root: a `postgres` user is needed, and `useradd --system postgres` failed; create one".into(),
            ));
        }
    }
    match (id("-u"), id("-g")) {
        (Some(u), Some(g)) => Ok((u, g)),
        _ => Err(TestkitError::Failed(
            "the `postgres` user has no uid/gid (id -u postgres failed)".into(),
        )),
    }
}

/// A free loopback port (the OS picks one; a race with another process is retried by `start`).
fn free_port() -> Result<u16, TestkitError> {
    let l = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| TestkitError::Failed(format!("binding a loopback port: {e}")))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| TestkitError::Failed(format!("loopback port: {e}")))
}

impl TempPostgres {
    /// Creates and starts a throwaway server.
    pub fn start() -> Result<TempPostgres, TestkitError> {
        let bindir = find_bindir().ok_or(TestkitError::Missing)?;
        let as_postgres = euid_is_root();
        let dir = tempfile::Builder::new()
            .prefix("rhetor-pg-")
            .tempdir()
            .map_err(|e| TestkitError::Failed(format!("temporary folder: {e}")))?;
        if as_postgres {
            let (uid, gid) = postgres_user()?;
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).map_err(|e| {
                TestkitError::Failed(format!("chown {} to postgres: {e}", dir.path().display()))
            })?;
        }
        let mut pg = TempPostgres {
            dir,
            bindir,
            port: 0,
            as_postgres,
            databases: AtomicU64::new(0),
        };
        let data = pg.data_dir();
        run(
            pg.tool("initdb").arg("-D").arg(&data).args([
                "-U",
                SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "-N",
            ]),
            "initdb",
        )?;
        let sock = pg.dir.path().join("sock");
        std::fs::create_dir(&sock)
            .map_err(|e| TestkitError::Failed(format!("{}: {e}", sock.display())))?;
        if as_postgres {
            if let Ok((uid, gid)) = postgres_user() {
                let _ = std::os::unix::fs::chown(&sock, Some(uid), Some(gid));
            }
        }
        // Another process may take the port between our probe and the server's bind: try again
        // with another one.
        let mut last = String::new();
        for _ in 0..5 {
            pg.port = free_port()?;
            let opts = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                pg.port,
                sock.display()
            );
            let log = pg.dir.path().join("server.log");
            let started = run(
                pg.tool("pg_ctl")
                    .arg("-D")
                    .arg(&data)
                    .arg("-l")
                    .arg(&log)
                    .args(["-w", "-t", "60", "-o", &opts, "start"]),
                "pg_ctl start",
            );
            match started {
                Ok(_) => return Ok(pg),
                Err(e) => {
                    let tail = std::fs::read_to_string(&log).unwrap_or_default();
                    last = format!("{e}\n{tail}");
                }
            }
        }
        Err(TestkitError::Failed(last))
    }

    /// Starts a server, or, when PostgreSQL is not installed, says so on stderr and returns
    /// `None` so the test can return early. Under `CI=true` a missing PostgreSQL panics (a
    /// failure, never a skip); any other error always panics.
    pub fn start_or_skip(test: &str) -> Option<TempPostgres> {
        match TempPostgres::start() {
            Ok(pg) => Some(pg),
            Err(TestkitError::Missing) if !is_ci() => {
                eprintln!("SKIPPED {test}: {}", TestkitError::Missing);
                None
            }
            Err(e) => panic!("{test}: no PostgreSQL server: {e}"),
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn tool(&self, name: &str) -> Command {
        let path = self.bindir.join(name);
        let mut c = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        // The postgres user may not be allowed into the test's working folder.
        c.current_dir(self.dir.path());
        c
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of the `postgres` database.
    pub fn url(&self) -> String {
        self.url_of("postgres")
    }

    /// The URL of database `db` on this server.
    pub fn url_of(&self, db: &str) -> String {
        format!("postgresql://{SUPERUSER}@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates a new empty database on this server and returns its URL: tests sharing one server
    /// each get their own.
    pub fn fresh_database(&self) -> Result<String, TestkitError> {
        let n = self.databases.fetch_add(1, Ordering::SeqCst);
        let name = format!("t{n}");
        let mut c = postgres::Client::connect(&self.url(), postgres::NoTls)
            .map_err(|e| TestkitError::Failed(format!("connecting to {}: {e}", self.url())))?;
        c.batch_execute(&format!("CREATE DATABASE {name}"))
            .map_err(|e| TestkitError::Failed(format!("CREATE DATABASE {name}: {e}")))?;
        Ok(self.url_of(&name))
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        // Immediate: the data is thrown away anyway. The folder goes with `self.dir` after this.
        let data = self.data_dir();
        let _ = self
            .tool("pg_ctl")
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_throwaway_server_starts_answers_and_goes_away() {
        let Some(pg) =
            TempPostgres::start_or_skip("a_throwaway_server_starts_answers_and_goes_away")
        else {
            return;
        };
        let dir = pg.dir.path().to_path_buf();
        let url = pg.fresh_database().unwrap();
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let row = c.query_one("SELECT 1 + 1", &[]).unwrap();
        assert_eq!(row.get::<_, i32>(0), 2);
        drop(c);
        drop(pg);
        assert!(!dir.exists(), "{} left behind", dir.display());
    }
}
