//! `cicada-server`: the Cicada service, its worker processes, and one-shot job runs.

mod app;
mod error;
mod routes;
mod wire;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use cicada_compute::{Backend, NoProgress};
use cicada_protocol::{Format, Job, Limits, encode, job_schema};
use cicada_sched::execute::{self, BlobSource, NoBlobs};
use cicada_sched::scenes::Scenes;
use cicada_sched::scheduler::{PoolConfig, Prices};
use cicada_sched::snapshot::SnapshotStore;
use cicada_sched::{Files, Metrics, Scheduler, SchedulerConfig, Store};
use clap::{Parser, Subcommand};

use crate::app::{AppState, HttpConfig, app};

/// Cicada: geometry analyses for CAD clients, on this machine's CPUs and GPUs.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service with its worker processes.
    Serve(ServeArgs),
    /// Run one job file (.json or .msgpack) in this process and write its result.
    Run {
        /// The job file.
        job: PathBuf,
        /// Where to write the result (.json or .msgpack); JSON on stdout when absent.
        #[arg(long)]
        out: Option<PathBuf>,
        /// A service data directory to read blob inputs from.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Compute backend: cpu, wgpu (Vulkan), cuda or auto (a GPU when there is one).
        #[arg(long, default_value = "cpu")]
        backend: String,
    },
    /// A worker process (started by `serve`; reads commands on stdin).
    Worker {
        /// The service's data directory.
        #[arg(long)]
        data: PathBuf,
        /// Compute backend: cpu, wgpu (Vulkan), cuda or auto (a GPU when there is one).
        #[arg(long, default_value = "cpu")]
        backend: String,
        #[command(flatten)]
        scenes: SceneArgs,
        /// CPU threads for the kernels (default: every core).
        #[arg(long)]
        threads: Option<usize>,
        /// The device of the backend to run on (GPU ordinal).
        #[arg(long, default_value_t = 0)]
        device: usize,
    },
    /// Print the JSON Schema of job files.
    Schema,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7878", env = "CICADA_ADDR")]
    addr: SocketAddr,
    /// Data directory for job records, blobs and results.
    #[arg(long, default_value = ".cicada-data", env = "CICADA_DATA")]
    data: PathBuf,
    /// A fixed pool of exactly this many workers (instead of --min/--max-workers).
    #[arg(long, env = "CICADA_WORKERS", conflicts_with_all = ["min_workers", "max_workers"])]
    workers: Option<usize>,
    /// Workers kept while idle; 0 lets the pool scale to zero.
    #[arg(long, default_value_t = 0, env = "CICADA_MIN_WORKERS")]
    min_workers: usize,
    /// Most workers at once (default: one per GPU for a GPU backend; for cpu, the cores
    /// divided by --threads-per-worker, at most 4).
    #[arg(long, env = "CICADA_MAX_WORKERS")]
    max_workers: Option<usize>,
    /// Idle workers kept started while the pool is busy, ready for the next burst.
    #[arg(long, default_value_t = 0)]
    buffer_workers: usize,
    /// Seconds a worker may sit idle before it is stopped (down to --min-workers).
    #[arg(long, default_value_t = 60.0)]
    idle_timeout_secs: f64,
    /// CPU threads each worker's kernels use: a worker's CPU share (default: every core).
    #[arg(long)]
    threads_per_worker: Option<usize>,
    #[command(flatten)]
    scenes: SceneArgs,
    /// Price of one serverless worker-second, for GET /v1/usage (default: Modal's H100,
    /// $3.95/h).
    #[arg(long, default_value_t = 0.001097)]
    price_serverless_per_worker_sec: f64,
    /// Price per hour of a dedicated machine holding --max-workers workers, for GET
    /// /v1/usage (default: a $2.00/h H100).
    #[arg(long, default_value_t = 2.0)]
    price_dedicated_per_hour: f64,
    /// Compute backend of the workers: cpu, wgpu (Vulkan), cuda or auto (a GPU when there is
    /// one).
    #[arg(long, default_value = "cpu", env = "CICADA_BACKEND")]
    backend: String,
    /// Runs of a job before it fails when its worker keeps dying.
    #[arg(long, default_value_t = 3)]
    max_attempts: u32,
    /// Largest request body, in MiB.
    #[arg(long, default_value_t = 512)]
    max_body_mib: usize,
    /// Time limit of ordinary requests, in seconds.
    #[arg(long, default_value_t = 60)]
    request_timeout_secs: u64,
    /// Most requests served at once.
    #[arg(long, default_value_t = 256)]
    concurrency: usize,
    /// Seconds a shutdown waits for running jobs before requeueing them.
    #[arg(long, default_value_t = 10)]
    shutdown_grace_secs: u64,
    /// Write the bound address to this file once listening (for scripts using port 0).
    #[arg(long)]
    addr_file: Option<PathBuf>,
}

/// Where workers keep prepared scenes.
#[derive(clap::Args, Clone, Debug)]
struct SceneArgs {
    /// Disk for scene snapshots under DATA/snapshots; least recently used go first.
    #[arg(long, default_value_t = 8192)]
    snapshot_limit_mib: u64,
    /// Memory each worker keeps prepared scenes in (least recently used dropped).
    #[arg(long, default_value_t = 2048)]
    scene_memory_mib: usize,
}

impl SceneArgs {
    fn to_args(&self) -> Vec<String> {
        vec![
            "--snapshot-limit-mib".into(),
            self.snapshot_limit_mib.to_string(),
            "--scene-memory-mib".into(),
            self.scene_memory_mib.to_string(),
        ]
    }
}

/// Opens the backend named on the command line, or says why it cannot run here.
fn parse_backend(name: &str) -> anyhow::Result<Backend> {
    Backend::open(name).with_context(|| format!("--backend {name}"))
}

fn init_tracing(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            init_tracing("info");
            let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            runtime.block_on(serve(args))
        }
        Command::Run {
            job,
            out,
            data,
            backend,
        } => {
            init_tracing("warn");
            run_file(
                &job,
                out.as_deref(),
                data.as_deref(),
                &parse_backend(&backend)?,
            )
        }
        Command::Worker {
            data,
            backend,
            scenes,
            threads,
            device,
        } => {
            init_tracing("info");
            if let Some(n) = threads {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n.max(1))
                    .build_global()
                    .context("starting the kernel threads")?;
            }
            let store =
                Files::open(&data).with_context(|| format!("opening {}", data.display()))?;
            let backend = Backend::open_on(&backend, device)
                .with_context(|| format!("--backend {backend} --device {device}"))?;
            let scenes = Scenes::new(
                Some(SnapshotStore::new(
                    data.join("snapshots"),
                    scenes.snapshot_limit_mib * 1024 * 1024,
                )),
                backend.name(),
                scenes.scene_memory_mib * 1024 * 1024,
            );
            cicada_sched::worker::run_worker(&store, &backend, &Limits::default(), &scenes)
                .context("worker loop")
        }
        Command::Schema => {
            let text = serde_json::to_string_pretty(&job_schema())?;
            println!("{text}");
            Ok(())
        }
    }
}

fn run_file(
    path: &Path,
    out: Option<&Path>,
    data: Option<&Path>,
    backend: &Backend,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let format = Format::from_path(path).unwrap_or_else(|| Format::sniff(&bytes));
    let job: Job = cicada_protocol::decode_job(&bytes, format)
        .with_context(|| format!("decoding {}", path.display()))?;
    let store = match data {
        Some(dir) => Some(Files::open(dir).with_context(|| format!("opening {}", dir.display()))?),
        None => None,
    };
    let blobs: &dyn BlobSource = match &store {
        Some(s) => s,
        None => &NoBlobs,
    };
    let result = execute::run_job(
        &job,
        "local",
        blobs,
        &Limits::default(),
        backend,
        &NoProgress,
    )
    .with_context(|| format!("running {}", path.display()))?;
    match out {
        Some(out) => {
            let bytes = match Format::from_path(out).unwrap_or(Format::Json) {
                Format::Json => cicada_protocol::codec::encode_pretty_json(&result)?,
                Format::MsgPack => encode(&result, Format::MsgPack)?,
            };
            std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
        }
        None => {
            let text = cicada_protocol::codec::encode_pretty_json(&result)?;
            use std::io::Write;
            std::io::stdout().write_all(&text)?;
        }
    }
    Ok(())
}

/// The pool's scaling from the command line: a fixed `--workers N`, or min/max/buffer with
/// the maximum defaulting to one worker per GPU, or per CPU share.
fn pool_config(args: &ServeArgs, backend: &Backend) -> anyhow::Result<PoolConfig> {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let (min, max) = match args.workers {
        Some(n) => (n.max(1), n.max(1)),
        None => {
            let max = args.max_workers.unwrap_or(if backend.gpu().is_some() {
                Backend::device_count(backend.name()).max(1)
            } else {
                (cores / args.threads_per_worker.unwrap_or(1).max(1)).clamp(1, 4)
            });
            (args.min_workers, max)
        }
    };
    anyhow::ensure!(max >= 1, "--max-workers must be at least 1");
    anyhow::ensure!(
        min <= max,
        "--min-workers ({min}) is more than --max-workers ({max})"
    );
    anyhow::ensure!(
        args.idle_timeout_secs.is_finite() && args.idle_timeout_secs >= 0.0,
        "--idle-timeout-secs must be a number of seconds >= 0"
    );
    Ok(PoolConfig {
        min_workers: min,
        max_workers: max,
        buffer_workers: args.buffer_workers,
        idle_timeout: Duration::from_secs_f64(args.idle_timeout_secs),
    })
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let backend = parse_backend(&args.backend)?;
    std::fs::create_dir_all(&args.data)
        .with_context(|| format!("creating {}", args.data.display()))?;
    let data = args
        .data
        .canonicalize()
        .context("resolving the data directory")?;
    let store = Arc::new(
        Store::open(&data).with_context(|| format!("opening the store in {}", data.display()))?,
    );
    let metrics = Arc::new(Metrics::default());
    let pool = pool_config(&args, &backend)?;
    let exe = std::env::current_exe().context("locating the cicada-server executable")?;
    let mut worker_args = vec![
        "worker".into(),
        "--data".into(),
        data.display().to_string(),
        "--backend".into(),
        backend.name().into(),
    ];
    worker_args.extend(args.scenes.to_args());
    if let Some(threads) = args.threads_per_worker {
        worker_args.extend(["--threads".into(), threads.max(1).to_string()]);
    }
    let workers = pool.max_workers;
    let config = SchedulerConfig {
        pool,
        backend: backend.name().into(),
        devices: Backend::device_count(backend.name()),
        max_attempts: args.max_attempts.max(1),
        worker_command: (exe, worker_args),
        shutdown_grace: Duration::from_secs(args.shutdown_grace_secs),
        prices: Prices {
            serverless_per_worker_sec: args.price_serverless_per_worker_sec.max(0.0),
            dedicated_per_hour: args.price_dedicated_per_hour.max(0.0),
        },
    };
    let scheduler = Scheduler::start(config, store, metrics).context("starting the scheduler")?;
    let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
    let state = AppState {
        scheduler: scheduler.clone(),
        config: Arc::new(HttpConfig {
            body_limit: args.max_body_mib * 1024 * 1024,
            request_timeout: Duration::from_secs(args.request_timeout_secs),
            concurrency: args.concurrency.max(1),
            max_run_wait: Duration::from_secs(600),
            limits: Limits::default(),
        }),
        backend: execute::backend_info(&backend),
        shutdown: shutdown_rx,
    };
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("binding {}", args.addr))?;
    let bound = listener.local_addr()?;
    if let Some(file) = &args.addr_file {
        std::fs::write(file, bound.to_string())
            .with_context(|| format!("writing {}", file.display()))?;
    }
    tracing::info!(addr = %bound, data = %data.display(), workers, backend = backend.name(), "cicada-server listening");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            tracing::info!("shutting down: no new jobs; finishing running ones");
            let _ = shutdown_tx.send(true);
        })
        .await
        .context("serving HTTP")?;
    scheduler.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
