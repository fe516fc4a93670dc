//! The worker process: `cicada-server worker --data DIR`.
//!
//! It reads [`WorkerCommand`]s from stdin, one JSON line each, runs each job through
//! [`crate::execute`], writes the result into the store under the job's key, and reports on
//! stdout. It holds no state the service needs: killed at any moment, it loses nothing but
//! the run in progress, which the service repeats.

use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cicada_compute::{Backend, Progress};
use cicada_protocol::worker::{WorkerCommand, WorkerReport};
use cicada_protocol::{Format, Job, Limits, Timings, decode, encode};

use crate::execute::{self, JobError};
use crate::scenes::Scenes;
use crate::store::Files;

/// Writes reports to stdout, one line each, from any thread.
struct Reporter {
    out: Mutex<std::io::Stdout>,
}

impl Reporter {
    fn send(&self, report: &WorkerReport) {
        let Ok(mut line) = serde_json::to_vec(report) else {
            return;
        };
        line.push(b'\n');
        if let Ok(mut out) = self.out.lock() {
            // A closed pipe means the service is gone; the next read of stdin ends us.
            let _ = out.write_all(&line).and_then(|_| out.flush());
        }
    }
}

/// Jobs the service asked this worker to stop.
type Cancelled = Arc<Mutex<HashSet<String>>>;

/// Progress of one job, sent at most every 100 ms, and whether it was cancelled.
struct JobProgress<'a> {
    reporter: &'a Reporter,
    job_id: &'a str,
    last: Mutex<Option<Instant>>,
    cancelled: &'a Cancelled,
}

impl Progress for JobProgress<'_> {
    fn is_cancelled(&self) -> bool {
        self.cancelled
            .lock()
            .map(|c| c.contains(self.job_id))
            .unwrap_or(false)
    }

    fn report(&self, fraction: f32, stage: &str) {
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        let now = Instant::now();
        if last.is_some_and(|t| now - t < Duration::from_millis(100)) && fraction < 1.0 {
            return;
        }
        *last = Some(now);
        self.reporter.send(&WorkerReport::Progress {
            job_id: self.job_id.to_string(),
            fraction,
            stage: stage.to_string(),
        });
    }
}

/// Runs the worker loop until stdin closes, keeping prepared scenes in `scenes`.
pub fn run_worker(
    store: &Files,
    backend: &Backend,
    limits: &Limits,
    scenes: &Scenes,
) -> std::io::Result<()> {
    let reporter = Reporter {
        out: Mutex::new(std::io::stdout()),
    };
    reporter.send(&WorkerReport::Ready {
        pid: std::process::id(),
        backend: backend.name().to_string(),
        device: backend.device(),
        memory_bytes: backend.memory_bytes(),
    });
    // Commands are read on their own thread, so a cancellation reaches a running kernel
    // (through its progress checks) instead of waiting behind it.
    let cancelled: Cancelled = Arc::default();
    let (runs, next_run) = std::sync::mpsc::channel::<Run>();
    let reader = {
        let cancelled = cancelled.clone();
        std::thread::spawn(move || -> std::io::Result<()> {
            for line in std::io::stdin().lock().lines() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<WorkerCommand>(&line) {
                    Ok(WorkerCommand::Run {
                        job_id,
                        queue_secs,
                        key,
                        scene,
                    }) => {
                        let run = Run {
                            job_id,
                            queue_secs,
                            key,
                            scene,
                        };
                        if runs.send(run).is_err() {
                            break;
                        }
                    }
                    Ok(WorkerCommand::Cancel { job_id }) => {
                        if let Ok(mut c) = cancelled.lock() {
                            c.insert(job_id);
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "unreadable command from the service"),
                }
            }
            Ok(())
        })
    };
    let ctx = Context {
        store,
        backend,
        limits,
        scenes,
        reporter: &reporter,
        cancelled: &cancelled,
    };
    for run in next_run {
        let span = tracing::info_span!("job", id = %run.job_id);
        let _guard = span.enter();
        let report = run_one(&ctx, &run);
        if let Ok(mut c) = cancelled.lock() {
            c.remove(&run.job_id);
        }
        reporter.send(&report);
    }
    reader
        .join()
        .unwrap_or_else(|_| Err(std::io::Error::other("command reader panicked")))
}

/// What every job of a worker runs with.
struct Context<'a> {
    store: &'a Files,
    backend: &'a Backend,
    limits: &'a Limits,
    scenes: &'a Scenes,
    reporter: &'a Reporter,
    cancelled: &'a Cancelled,
}

/// One job to run, as the service handed it over.
struct Run {
    job_id: String,
    queue_secs: f64,
    key: Option<String>,
    scene: Option<String>,
}

fn run_one(ctx: &Context, run: &Run) -> WorkerReport {
    let (job_id, queue_secs) = (run.job_id.as_str(), run.queue_secs);
    let Context {
        store,
        backend,
        limits,
        scenes,
        reporter,
        cancelled,
    } = *ctx;
    let failed = |error: String| WorkerReport::Failed {
        job_id: job_id.to_string(),
        error,
    };
    let started = Instant::now();
    let payload = match store.job_payload(job_id) {
        Ok(Some(p)) => p,
        Ok(None) => return failed(format!("job {job_id} has no stored payload")),
        Err(e) => return failed(e.to_string()),
    };
    let job: Job = match decode(&payload, Format::MsgPack) {
        Ok(j) => j,
        Err(e) => return failed(format!("stored job does not decode: {e}")),
    };
    // The service hashed the inputs at acceptance; hashing a large scene again costs tens
    // of milliseconds of every job's start, and a scene held or snapshotted here need not
    // even be read.
    let known = run.key.is_some() && run.scene.as_deref().is_some_and(|k| scenes.has(k));
    let prepare = |resolve_scene| {
        execute::prepare_with(&job, store, limits, resolve_scene).map(|mut p| {
            p.scenes = Some(scenes);
            p.scene_key = run.scene.clone();
            p
        })
    };
    let prepared = match prepare(!known) {
        Ok(p) => p,
        Err(e) => return failed(e.to_string()),
    };
    let key = run
        .key
        .clone()
        .unwrap_or_else(|| execute::job_key(&prepared));
    if store.has_result(&key) {
        return WorkerReport::Done {
            job_id: job_id.to_string(),
            cached: true,
            prepare_secs: started.elapsed().as_secs_f64(),
            compute_secs: 0.0,
            scene: None,
            held: scenes.held_keys(),
        };
    }
    let prepare_secs = started.elapsed().as_secs_f64();
    let progress = JobProgress {
        reporter,
        job_id,
        last: Mutex::new(None),
        cancelled,
    };
    let started = Instant::now();
    let mut output = execute::compute(&prepared, backend, &progress);
    if matches!(output, Err(JobError::SceneNeeded)) {
        // The snapshot went (evicted, or found damaged) between the look and the load.
        output = prepare(true).and_then(|prepared| execute::compute(&prepared, backend, &progress));
    }
    let output = match output {
        Ok(o) => o,
        Err(JobError::Cancelled) => return failed("cancelled".into()),
        Err(e) => return failed(e.to_string()),
    };
    // Getting the prepared scene happens inside the kernel's run; it counts as preparing.
    let scene = scenes.take_last();
    let scene_secs = scene.as_ref().map_or(0.0, |s| s.2);
    let prepare_secs = prepare_secs + scene_secs;
    let compute_secs = started.elapsed().as_secs_f64() - scene_secs;
    let timings = Timings {
        scene: scene.as_ref().map(|s| s.1),
        queue_secs,
        prepare_secs,
        compute_secs,
    };
    let result = execute::job_result(job_id, key.clone(), &job.task, backend, timings, output);
    let stored = encode(&result, Format::MsgPack)
        .map_err(|e| e.to_string())
        .and_then(|bytes| store.put_result(&key, &bytes).map_err(|e| e.to_string()));
    match stored {
        Ok(()) => WorkerReport::Done {
            job_id: job_id.to_string(),
            cached: false,
            prepare_secs,
            compute_secs,
            scene: scene.map(|(key, start, _)| (key, start)),
            held: scenes.held_keys(),
        },
        Err(e) => failed(format!("storing the result failed: {e}")),
    }
}
