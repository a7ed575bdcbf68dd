//! Kubewarden's real policy-server on loopback, when it is on PATH: promha
//! and the no-op policy served side by side, and a bounded load test with a
//! small HTTP/1.1 keep-alive client (one thread per connection).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::admission::Latencies;

/// Finds `policy-server` on PATH.
pub fn find() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("policy-server"))
        .find(|p| p.is_file())
}

/// A policy-server serving the given policies (id → annotated wasm).
pub struct Server {
    child: Child,
    pub port: u16,
    dir: PathBuf,
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Server {
    pub fn start(binary: &Path, policies: &[(&str, &Path)]) -> Result<Server> {
        let dir = std::env::temp_dir().join(format!("promha-policy-server-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("downloads"))?;
        std::fs::create_dir_all(dir.join("sigstore"))?;
        let mut yaml = String::new();
        for (id, wasm) in policies {
            let wasm = std::fs::canonicalize(wasm)?;
            yaml.push_str(&format!(
                "{id}:\n  module: file://{}\n  policyMode: protect\n  allowedToMutate: false\n  settings: {{}}\n",
                wasm.display()
            ));
        }
        std::fs::write(dir.join("policies.yml"), yaml)?;
        let port = free_port()?;
        let readiness = free_port()?;
        let log = std::fs::File::create(dir.join("policy-server.log"))?;
        let child = Command::new(binary)
            .env_remove("KUBECONFIG")
            .env("RUST_BACKTRACE", "0")
            .args(["--addr", "127.0.0.1", "--port", &port.to_string()])
            .args(["--readiness-probe-port", &readiness.to_string()])
            .arg("--policies")
            .arg(dir.join("policies.yml"))
            .arg("--policies-download-dir")
            .arg(dir.join("downloads"))
            .arg("--sigstore-cache-dir")
            .arg(dir.join("sigstore"))
            .args(["--ignore-kubernetes-connection-failure", "--workers", "2"])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("cannot start policy-server")?;
        let server = Server { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", readiness)) {
                let _ = s.write_all(b"GET /readiness HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                let mut answer = String::new();
                let _ = s.read_to_string(&mut answer);
                if answer.starts_with("HTTP/1.1 200") {
                    return Ok(server);
                }
            }
            if Instant::now() > deadline {
                bail!(
                    "policy-server did not become ready; see {}",
                    server.log_path().display()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.join("policy-server.log")
    }

    /// Resident memory of the server process, bytes.
    pub fn rss(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What a load test saw.
pub struct Load {
    pub requests: usize,
    pub wall: Duration,
    pub latencies: Latencies,
    /// Answers that were not an HTTP 200 AdmissionReview with a response.
    pub failed: usize,
}

impl Load {
    pub fn throughput(&self) -> f64 {
        self.requests as f64 / self.wall.as_secs_f64()
    }
}

/// Sends `total` requests over `connections` keep-alive connections to
/// `/validate/<id>`, and waits for every answer.
pub fn load(port: u16, id: &str, body: &[u8], connections: usize, total: usize) -> Result<Load> {
    let per = total / connections.max(1);
    let started = Instant::now();
    let handles: Vec<_> = (0..connections)
        .map(|_| {
            let body = body.to_vec();
            let id = id.to_string();
            std::thread::spawn(move || client(port, &id, &body, per))
        })
        .collect();
    let mut latencies = Latencies::default();
    let (mut failed, mut requests) = (0, 0);
    for handle in handles {
        let (lat, f) = handle
            .join()
            .map_err(|_| anyhow::anyhow!("a client thread panicked"))??;
        requests += lat.0.len() + f;
        latencies.0.extend(lat.0);
        failed += f;
    }
    Ok(Load {
        requests,
        wall: started.elapsed(),
        latencies,
        failed,
    })
}

fn client(port: u16, id: &str, body: &[u8], count: usize) -> Result<(Latencies, usize)> {
    let stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let head = format!(
        "POST /validate/{id} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut latencies = Latencies::default();
    let mut failed = 0;
    for _ in 0..count {
        let started = Instant::now();
        writer.write_all(head.as_bytes())?;
        writer.write_all(body)?;
        match read_response(&mut reader) {
            Ok((200, answer)) if answered(&answer) => latencies.push(started.elapsed()),
            Ok(_) => failed += 1,
            // The connection is gone: the rest of its requests are lost too.
            Err(_) => return Ok((latencies, failed + 1)),
        }
    }
    Ok((latencies, failed))
}

/// An AdmissionReview with a verdict.
fn answered(answer: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(answer)
        .ok()
        .and_then(|v| v.pointer("/response/allowed").and_then(serde_json::Value::as_bool))
        .is_some()
}

fn read_response(reader: &mut BufReader<TcpStream>) -> Result<(u16, Vec<u8>)> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status: u16 = line.split_whitespace().nth(1).context("no status")?.parse()?;
    let mut length = 0usize;
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok((status, body))
}
