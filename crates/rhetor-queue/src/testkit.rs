//! A throwaway `nats-server` with JetStream for tests: its own port on loopback and its own
//! store folder, killed and removed on drop.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running test server.
pub struct TempNats {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

/// Where `nats-server` is: `$NATS_SERVER`, the PATH, or Debian's `/usr/sbin`.
pub fn find_server() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("NATS_SERVER").map(PathBuf::from) {
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/usr/local/sbin".into()])
        .map(|d| d.join("nats-server"))
        .find(|p| p.is_file())
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl TempNats {
    /// Starts a server. `Ok(None)` when `nats-server` is not installed; the caller skips (or,
    /// with `CI=true`, fails: see [`start_or_skip`]).
    pub fn start() -> std::io::Result<Option<TempNats>> {
        let Some(bin) = find_server() else {
            return Ok(None);
        };
        let dir = tempfile::tempdir()?;
        // A port picked free can be taken by someone else before the server binds it: retry.
        let mut last = None;
        for _ in 0..5 {
            let port = free_port()?;
            let mut child = Command::new(&bin)
                .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
                .arg(dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()?;
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Ok(Some(TempNats {
                        child,
                        port,
                        _dir: dir,
                    }));
                }
                if let Ok(Some(status)) = child.try_wait() {
                    last = Some(format!("nats-server exited with {status}"));
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        Err(std::io::Error::other(last.unwrap_or_else(|| {
            "nats-server did not start listening".into()
        })))
    }

    /// `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }
}

impl Drop for TempNats {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server for a test, or `None` with a message when `nats-server` is missing; with
/// `CI=true` a missing server fails the test instead of skipping it.
pub fn start_or_skip(test: &str) -> Option<TempNats> {
    match TempNats::start() {
        Ok(Some(n)) => Some(n),
        Ok(None) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{test}: nats-server is not installed (apt-get install nats-server); with CI=true that is a failure"
            );
            eprintln!(
                "{test}: skipped: nats-server is not installed (apt-get install nats-server)"
            );
            None
        }
        Err(e) => panic!("{test}: cannot start nats-server: {e}"),
    }
}
