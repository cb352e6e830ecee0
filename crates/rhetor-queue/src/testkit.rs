//! A throwaway `nats-server` with JetStream for tests: its own port on loopback and its own
//! store folder, killed and removed on drop.

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

/// The port the server at `pid` wrote to its ports file, once it has written it.
fn ports_file_port(dir: &std::path::Path, pid: u32) -> Option<u16> {
    let text = std::fs::read_to_string(dir.join(format!("nats-server_{pid}.ports"))).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let url = v.get("nats")?.as_array()?.first()?.as_str()?;
    url.rsplit(':').next()?.parse().ok()
}

/// Whether a NATS server answers on `port`: it greets every client with an `INFO` line, so a
/// stray listener (or a socket that connected to itself) is not taken for it.
fn answers_as_nats(port: u16) -> bool {
    use std::io::Read;
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let mut head = [0u8; 4];
    s.read_exact(&mut head).is_ok() && &head == b"INFO"
}

impl TempNats {
    /// Starts a server. `Ok(None)` when `nats-server` is not installed; the caller skips (or,
    /// with `CI=true`, fails: see [`start_or_skip`]).
    ///
    /// The server picks its own free port (`-p -1`) and writes it to a ports file, so two tests
    /// starting servers at once can never be handed the same port (a port picked free by the
    /// test and passed on could be taken by the other test's server first: CI saw a test talk
    /// to a server that was not its own).
    pub fn start() -> std::io::Result<Option<TempNats>> {
        let Some(bin) = find_server() else {
            return Ok(None);
        };
        let dir = tempfile::tempdir()?;
        let ports = dir.path().join("ports");
        std::fs::create_dir_all(&ports)?;
        let log = dir.path().join("server.log");
        let mut child = Command::new(&bin)
            .args(["-js", "-a", "127.0.0.1", "-p", "-1", "-sd"])
            .arg(dir.path().join("store"))
            .arg("--ports_file_dir")
            .arg(&ports)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log)?)
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut failure = "nats-server did not start listening in 20 s".to_string();
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                let tail = std::fs::read_to_string(&log).unwrap_or_default();
                failure = format!("nats-server exited with {status}: {}", tail.trim());
                break;
            }
            if let Some(port) = ports_file_port(&ports, child.id()) {
                if answers_as_nats(port) {
                    return Ok(Some(TempNats {
                        child,
                        port,
                        _dir: dir,
                    }));
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        Err(std::io::Error::other(failure))
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
