//! Harness for end-to-end tests: builds and starts the real `cicada-server` on a free
//! loopback port with its own data directory, and stops it (by its PID only) at the end.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use cicada_protocol::{
    Face, Input, Inputs, Job, Mesh, MeshCheckParams, Packed, Scene, Task, Units,
};

/// The directory holding the workspace's binaries for this test build's profile.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> -> target/<profile>
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf()
}

/// Path of a workspace binary, built on first use so the tests never run a stale one.
pub fn bin(name: &str) -> PathBuf {
    static BUILD: Once = Once::new();
    BUILD.call_once(|| {
        let dir = bin_dir();
        // The same command scripts/test.sh runs first, so this is a no-op there.
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["build", "--quiet", "--workspace", "--bins"]);
        if dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        // Cargo sets per-package variables (CARGO_MANIFEST_DIR, ...) for test processes; a
        // build script that watches one (ring's does) would then rebuild on every run.
        for (name, _) in std::env::vars() {
            // CARGO_INCREMENTAL is part of what the binaries were built with: dropping it
            // would build them all again.
            let keep = [
                "CARGO_HOME",
                "CARGO_TARGET_DIR",
                "CARGO_BUILD_JOBS",
                "CARGO_INCREMENTAL",
            ]
            .contains(&name.as_str())
                || name.starts_with("CARGO_REGISTRIES")
                || name.starts_with("CARGO_NET");
            if name.starts_with("CARGO_") && !keep {
                cmd.env_remove(name);
            }
        }
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let status = cmd
            .current_dir(workspace)
            .status()
            .expect("running cargo build for the binaries");
        assert!(status.success(), "building cicada-server and cicada failed");
    });
    bin_dir().join(name)
}

/// A running `cicada-server serve`.
pub struct Server {
    child: Option<Child>,
    /// Its base URL, `http://127.0.0.1:PORT`.
    pub url: String,
    /// Its data directory.
    pub data: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

impl Server {
    /// Starts a server on a fresh data directory with `extra` arguments.
    pub fn start(extra: &[&str]) -> Server {
        let tmp = tempfile::tempdir().expect("temp dir");
        let data = tmp.path().join("data");
        let mut s = Server::start_in(&data, extra);
        s._tmp = Some(tmp);
        s
    }

    /// Starts a server on `data` (which may hold an earlier server's state).
    pub fn start_in(data: &Path, extra: &[&str]) -> Server {
        let addr_file = data.with_extension("addr");
        let _ = std::fs::remove_file(&addr_file);
        let child = Command::new(bin("cicada-server"))
            .args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(data)
            .arg("--addr-file")
            .arg(&addr_file)
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .spawn()
            .expect("starting cicada-server");
        let deadline = Instant::now() + Duration::from_secs(30);
        let addr = loop {
            if let Ok(a) = std::fs::read_to_string(&addr_file)
                && !a.is_empty()
            {
                break a;
            }
            assert!(
                Instant::now() < deadline,
                "cicada-server did not start listening"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let server = Server {
            child: Some(child),
            url: format!("http://{addr}"),
            data: data.to_path_buf(),
            _tmp: None,
        };
        // An elastic pool (no --workers) may hold no worker until a job comes.
        if extra.contains(&"--workers") {
            server.wait_for_workers();
        }
        server
    }

    /// Waits until /healthz reports at least one worker.
    pub fn wait_for_workers(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(h) = self.client().health()
                && h.workers > 0
            {
                return;
            }
            assert!(Instant::now() < deadline, "no worker came up");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A blocking client for this server.
    pub fn client(&self) -> cicada_client::blocking::Client {
        cicada_client::blocking::Client::new(&self.url).expect("client")
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or(0)
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("server running");
        signal(child.id(), libc::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("cicada-server did not exit within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends one raw HTTP/1.1 request to this server and reads the whole response.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        http(&self.url, method, path, headers, body)
    }

    /// POSTs `job` as JSON to /v1/jobs: the status and the body.
    pub fn submit_json(&self, job: &serde_json::Value) -> (u16, serde_json::Value) {
        let r = self.request(
            "POST",
            "/v1/jobs",
            &[("content-type", "application/json")],
            &serde_json::to_vec(job).expect("a job encodes"),
        );
        (r.status, r.json())
    }

    /// The status of job `id` once it has succeeded or failed (within 60 s).
    pub fn finished(&self, id: &str) -> serde_json::Value {
        eventually(60, "the job to finish", || {
            let s = self
                .request("GET", &format!("/v1/jobs/{id}"), &[], b"")
                .json();
            (s["state"] == "succeeded" || s["state"] == "failed").then_some(s)
        })
    }

    /// The value of an unlabelled metric, or of a labelled one given `name{labels}`.
    pub fn metric(&self, name: &str) -> f64 {
        let text =
            String::from_utf8(self.request("GET", "/metrics", &[], b"").body).expect("utf-8");
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("metric {name} missing"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(child.id(), libc::SIGKILL);
            let _ = child.wait();
        }
    }
}

/// A raw HTTP response.
#[derive(Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Header lines, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body (de-chunked).
    pub body: Vec<u8>,
}

impl Response {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// Opens a connection to `base` (`http://host:port`) and writes a request head and body.
pub fn send_request(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::net::TcpStream {
    use std::io::Write;
    let addr = base.strip_prefix("http://").expect("http URL");
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("write head");
    // A server may answer (413) before reading a large body; a failed write is fine then.
    let _ = stream.write_all(body);
    stream
}

/// One HTTP/1.1 request with `Connection: close`; the whole response.
pub fn http(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    use std::io::{BufRead, BufReader, Read};
    let stream = send_request(base, method, path, headers, body);
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).expect("status line");
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).expect("header line");
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((n, v)) = l.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let mut body = Vec::new();
    if method == "HEAD" {
        // No body follows a HEAD response, whatever Content-Length says.
    } else if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line).expect("chunk size");
            let size = usize::from_str_radix(line.trim(), 16).expect("chunk size hex");
            if size == 0 {
                break;
            }
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).expect("chunk");
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        let _ = reader.read_to_end(&mut body);
    }
    Response {
        status,
        headers,
        body,
    }
}

/// Sends `sig` to process `pid` (one we started, or one of its workers).
pub fn signal(pid: u32, sig: i32) {
    // SAFETY: kill(2) with a PID of a process this test started; no memory is touched.
    #[allow(unsafe_code)]
    unsafe {
        libc::kill(pid as i32, sig);
    }
}

/// A regular tetrahedron-like closed mesh: corners of the unit simplex.
/// Closed form: volume 1/6, area 3/2 + sqrt(3)/2.
pub fn tetrahedron() -> Mesh {
    Mesh {
        id: Some("tetra".into()),
        vertices: Packed(vec![
            [0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
        ]),
        faces: Packed(vec![
            Face::triangle(0, 2, 1),
            Face::triangle(0, 1, 3),
            Face::triangle(0, 3, 2),
            Face::triangle(1, 2, 3),
        ]),
        ..Mesh::default()
    }
}

/// A closed, outward-oriented UV "pillow": a torus-like grid with `n x n` quads, which
/// makes `mesh_check` work hard (n² faces, coincident search over n² vertices).
/// Closed form for the check: every edge has two faces, so it is closed and oriented.
pub fn torus(n: u32, major: f64, minor: f64) -> Mesh {
    let mut vertices = Vec::with_capacity((n * n) as usize);
    for i in 0..n {
        let u = i as f64 / n as f64 * std::f64::consts::TAU;
        for j in 0..n {
            let v = j as f64 / n as f64 * std::f64::consts::TAU;
            let r = major + minor * v.cos();
            vertices.push([r * u.cos(), r * u.sin(), minor * v.sin()]);
        }
    }
    let mut faces = Vec::with_capacity((n * n) as usize);
    for i in 0..n {
        for j in 0..n {
            let (i1, j1) = ((i + 1) % n, (j + 1) % n);
            faces.push(Face::quad(i * n + j, i1 * n + j, i1 * n + j1, i * n + j1));
        }
    }
    Mesh {
        id: Some(format!("torus-{n}")),
        vertices: Packed(vertices),
        faces: Packed(faces),
        ..Mesh::default()
    }
}

/// A `mesh_check` job over `meshes` with the scene inline.
pub fn mesh_check_job(meshes: Vec<Mesh>) -> Job {
    let mut scene = Scene::new(Units::Meters, 0.001);
    scene.meshes = meshes;
    Job {
        protocol: cicada_protocol::PROTOCOL_VERSION,
        task: Task::MeshCheck(MeshCheckParams::default()),
        inputs: Inputs {
            scene: Some(Input::Inline(scene)),
            rays: None,
            ..Inputs::default()
        },
        priority: Default::default(),
        timeout_secs: None,
    }
}

/// A sample job file (`samples/<path>`) as JSON.
pub fn sample_json(path: &str) -> serde_json::Value {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../samples")
        .join(path);
    serde_json::from_slice(&std::fs::read(&file).expect("the sample exists")).expect("JSON")
}

/// Polls `check` every 10 ms until it returns `Some`, or panics after `secs`.
pub fn eventually<T>(secs: u64, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The mesh_check report in a result's output; panics on another kind.
pub fn mesh_check_report(output: cicada_protocol::Output) -> cicada_protocol::MeshCheckReport {
    match output {
        cicada_protocol::Output::MeshCheck(r) => r,
        other => panic!("expected a mesh_check output, got {other:?}"),
    }
}
