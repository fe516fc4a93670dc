//! The run loop: the single owner of the queue and the worker table.
//!
//! The HTTP API only records new jobs and sends messages here (enqueue, cancel, shut down);
//! every later change of a job's state is made by this loop, so no two places can disagree
//! about who runs what. Workers are child processes (`cicada-server worker`): a crash in a
//! kernel or a driver ends that process, not the service, and its job is run again on
//! another worker, up to `max_attempts` runs.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cicada_protocol::worker::{WorkerCommand, WorkerReport};
use cicada_protocol::{JobEvent, JobState, JobStatus};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::metrics::{Metrics, Phase};
use crate::now_unix_ms;
use crate::store::{Store, StoreError};

/// How the pool of workers is run.
#[derive(Clone, Debug)]
pub struct SchedulerConfig {
    /// Worker processes to keep running.
    pub workers: usize,
    /// Most runs of one job before it fails (a run ends early when its worker dies).
    pub max_attempts: u32,
    /// The worker executable and its arguments (`cicada-server worker --data DIR ...`).
    pub worker_command: (PathBuf, Vec<String>),
    /// How long a shutdown waits for running jobs before stopping them and requeueing.
    pub shutdown_grace: Duration,
}

/// Why a job could not be cancelled.
#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    /// No job has that id.
    #[error("no job {0}")]
    NotFound(String),
    /// The job already ended.
    #[error("job {0} already {1}")]
    Finished(String, &'static str),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The scheduler has stopped.
    #[error("the scheduler is shutting down")]
    Stopped,
}

/// The live progress of running jobs, written only by the run loop.
type LiveProgress = Arc<Mutex<HashMap<String, (f32, String)>>>;

/// A handle on the run loop; cheap to clone.
#[derive(Clone)]
pub struct Scheduler {
    tx: mpsc::UnboundedSender<Msg>,
    events: broadcast::Sender<JobEvent>,
    live: LiveProgress,
    store: Arc<Store>,
    metrics: Arc<Metrics>,
}

type WorkerId = u64;

enum Msg {
    Enqueue(String),
    Cancel(String, oneshot::Sender<Result<JobStatus, CancelError>>),
    Report(WorkerId, WorkerReport),
    Exited(WorkerId, String),
    Respawn,
    Shutdown(oneshot::Sender<()>),
}

impl Scheduler {
    /// Recovers unfinished jobs from the store, starts the workers and the run loop.
    pub fn start(
        config: SchedulerConfig,
        store: Arc<Store>,
        metrics: Arc<Metrics>,
    ) -> Result<Scheduler, StoreError> {
        let (tx, rx) = mpsc::unbounded_channel();
        let (events, _) = broadcast::channel(1024);
        let live: LiveProgress = Arc::default();
        // Jobs running when the last service stopped were cut off, not failed: queue them.
        let mut queue = VecDeque::new();
        for mut status in store.jobs_in(&[JobState::Queued, JobState::Running])? {
            if status.state == JobState::Running {
                status.state = JobState::Queued;
                status.worker_pid = None;
                status.message = Some("requeued after a service restart".into());
                store.put_status(&status)?;
            }
            queue.push_back(status.id);
        }
        metrics.set_job_counts(store.count_by_state()?);
        metrics
            .queue_depth
            .store(queue.len() as u64, std::sync::atomic::Ordering::Relaxed);
        if !queue.is_empty() {
            tracing::info!(jobs = queue.len(), "recovered unfinished jobs");
        }
        let run_loop = RunLoop {
            config,
            store: store.clone(),
            metrics: metrics.clone(),
            events: events.clone(),
            live: live.clone(),
            tx: tx.clone(),
            queue,
            workers: HashMap::new(),
            next_worker: 0,
            failed_spawns: 0,
            draining: None,
        };
        tokio::spawn(run_loop.run(rx));
        Ok(Scheduler {
            tx,
            events,
            live,
            store,
            metrics,
        })
    }

    /// Queues a job already recorded in the store as `queued`.
    pub fn enqueue(&self, id: &str) {
        let _ = self.tx.send(Msg::Enqueue(id.to_string()));
    }

    /// Cancels a queued or running job.
    pub async fn cancel(&self, id: &str) -> Result<JobStatus, CancelError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Msg::Cancel(id.to_string(), reply))
            .map_err(|_| CancelError::Stopped)?;
        rx.await.map_err(|_| CancelError::Stopped)?
    }

    /// The record of job `id` with its live progress.
    pub fn status(&self, id: &str) -> Result<Option<JobStatus>, StoreError> {
        let Some(mut status) = self.store.status(id)? else {
            return Ok(None);
        };
        if status.state == JobState::Running
            && let Ok(live) = self.live.lock()
            && let Some((fraction, stage)) = live.get(id)
        {
            status.progress = *fraction;
            status.message = Some(stage.clone());
        }
        Ok(Some(status))
    }

    /// A stream of every job's state changes and progress.
    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.events.subscribe()
    }

    /// Tells subscribers about a job recorded outside the loop (a new or cached job).
    pub fn announce(&self, status: &JobStatus) {
        let _ = self.events.send(event(status));
    }

    /// The store the scheduler works on.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The metrics it keeps.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Stops dispatching, lets running jobs finish within the grace period, requeues the
    /// rest, stops the workers; returns when they are gone.
    pub async fn shutdown(&self) {
        let (reply, rx) = oneshot::channel();
        if self.tx.send(Msg::Shutdown(reply)).is_ok() {
            let _ = rx.await;
        }
    }
}

fn event(s: &JobStatus) -> JobEvent {
    JobEvent {
        id: s.id.clone(),
        state: s.state,
        progress: s.progress,
        message: s.message.clone(),
    }
}

enum WorkerState {
    Starting,
    Idle,
    Busy(String),
}

struct WorkerSlot {
    pid: Option<u32>,
    stdin: ChildStdin,
    state: WorkerState,
    kill: Option<oneshot::Sender<()>>,
    /// Set when the loop stopped this worker on purpose (cancel, shutdown).
    stopping: bool,
}

struct RunLoop {
    config: SchedulerConfig,
    store: Arc<Store>,
    metrics: Arc<Metrics>,
    events: broadcast::Sender<JobEvent>,
    live: LiveProgress,
    tx: mpsc::UnboundedSender<Msg>,
    queue: VecDeque<String>,
    workers: HashMap<WorkerId, WorkerSlot>,
    next_worker: WorkerId,
    /// Workers in a row that died before they were ready; slows respawning.
    failed_spawns: u32,
    draining: Option<Drain>,
}

/// A shutdown in progress.
struct Drain {
    /// When running jobs stop being waited for.
    deadline: Instant,
    /// Told when every worker is gone.
    reply: oneshot::Sender<()>,
    /// True once the deadline passed and the remaining workers were stopped.
    forced: bool,
}

impl RunLoop {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Msg>) {
        for _ in 0..self.config.workers {
            self.spawn_worker();
        }
        loop {
            // Past the grace period the remaining workers are stopped once; then the loop
            // only waits for their exits.
            let deadline = match &self.draining {
                Some(drain) if !drain.forced => Some(drain.deadline),
                _ => None,
            };
            let msg = match deadline {
                Some(d) => tokio::select! {
                    m = rx.recv() => m,
                    _ = tokio::time::sleep_until(d.into()) => {
                        if let Some(drain) = &mut self.draining {
                            drain.forced = true;
                        }
                        self.stop_all_workers();
                        continue;
                    }
                },
                None => rx.recv().await,
            };
            let Some(msg) = msg else { break };
            self.handle(msg).await;
            if self.draining.is_some() {
                // A worker that finished its last job has nothing more to do.
                self.stop_idle_workers();
                if self.workers.is_empty() {
                    if let Some(drain) = self.draining.take() {
                        let _ = drain.reply.send(());
                    }
                    break;
                }
            }
            self.dispatch().await;
        }
        tracing::info!("scheduler stopped");
    }

    async fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Enqueue(id) => {
                self.queue.push_back(id);
                self.update_queue_gauge();
            }
            Msg::Cancel(id, reply) => {
                let _ = reply.send(self.cancel(&id));
            }
            Msg::Report(worker, report) => self.on_report(worker, report),
            Msg::Exited(worker, how) => self.on_exit(worker, &how),
            Msg::Respawn => {
                if self.draining.is_none() && self.workers.len() < self.config.workers {
                    self.spawn_worker();
                }
            }
            Msg::Shutdown(reply) => {
                self.draining = Some(Drain {
                    deadline: Instant::now() + self.config.shutdown_grace,
                    reply,
                    forced: false,
                });
            }
        }
    }

    fn stop_idle_workers(&mut self) {
        let idle: Vec<WorkerId> = self
            .workers
            .iter()
            .filter(|(_, w)| !w.stopping && !matches!(w.state, WorkerState::Busy(_)))
            .map(|(&id, _)| id)
            .collect();
        for id in idle {
            self.stop_worker(id);
        }
    }

    fn update_queue_gauge(&self) {
        self.metrics.queue_depth.store(
            self.queue.len() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// Writes a changed record, counts the transition and tells subscribers.
    fn save(&self, status: &JobStatus, from: JobState) {
        if let Err(e) = self.store.put_status(status) {
            tracing::error!(job = %status.id, error = %e, "could not record a job's state");
        }
        if from != status.state {
            self.metrics.transition(Some(from), status.state);
        }
        let _ = self.events.send(event(status));
    }

    fn load(&self, id: &str) -> Option<JobStatus> {
        match self.store.status(id) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(job = %id, error = %e, "could not read a job's record");
                None
            }
        }
    }

    async fn dispatch(&mut self) {
        if self.draining.is_some() {
            return;
        }
        while let Some(worker) = self
            .workers
            .iter()
            .find(|(_, w)| matches!(w.state, WorkerState::Idle))
            .map(|(&id, _)| id)
        {
            let Some(id) = self.queue.pop_front() else {
                break;
            };
            self.update_queue_gauge();
            let Some(mut status) = self.load(&id) else {
                continue;
            };
            if status.state != JobState::Queued {
                continue; // cancelled while it waited
            }
            let now = now_unix_ms();
            let queue_secs = now.saturating_sub(status.created_unix_ms) as f64 / 1000.0;
            let Some(slot) = self.workers.get_mut(&worker) else {
                break;
            };
            let from = status.state;
            status.state = JobState::Running;
            status.attempts += 1;
            status.started_unix_ms = Some(now);
            status.worker_pid = slot.pid;
            status.progress = 0.0;
            status.message = Some(format!("running (attempt {})", status.attempts));
            slot.state = WorkerState::Busy(id.clone());
            let command = WorkerCommand::Run {
                job_id: id.clone(),
                queue_secs,
            };
            let mut line = serde_json::to_vec(&command).unwrap_or_default();
            line.push(b'\n');
            if let Err(e) = slot.stdin.write_all(&line).await {
                // The worker is dying; its exit requeues the job.
                tracing::warn!(worker, error = %e, "could not hand a job to a worker");
            }
            self.metrics.observe(Phase::Queue, queue_secs);
            self.save(&status, from);
            tracing::info!(job = %id, worker, attempt = status.attempts, "job started");
        }
    }

    fn cancel(&mut self, id: &str) -> Result<JobStatus, CancelError> {
        let mut status = self
            .store
            .status(id)?
            .ok_or_else(|| CancelError::NotFound(id.to_string()))?;
        let from = status.state;
        match from {
            JobState::Queued => {
                self.queue.retain(|q| q != id);
                self.update_queue_gauge();
            }
            JobState::Running => {
                // Killing the process is the one way to stop any kernel at once.
                let worker = self
                    .workers
                    .iter()
                    .find(|(_, w)| matches!(&w.state, WorkerState::Busy(j) if j == id))
                    .map(|(&w, _)| w);
                if let Some(w) = worker {
                    self.stop_worker(w);
                }
            }
            done => return Err(CancelError::Finished(id.to_string(), done.as_str())),
        }
        status.state = JobState::Cancelled;
        status.finished_unix_ms = Some(now_unix_ms());
        status.worker_pid = None;
        status.message = Some("cancelled by a client".into());
        self.save(&status, from);
        self.clear_live(id);
        Ok(status)
    }

    fn clear_live(&self, id: &str) {
        if let Ok(mut live) = self.live.lock() {
            live.remove(id);
        }
    }

    fn on_report(&mut self, worker: WorkerId, report: WorkerReport) {
        match report {
            WorkerReport::Ready {
                pid,
                backend,
                device,
            } => {
                tracing::info!(worker, pid, %backend, %device, "worker ready");
                self.failed_spawns = 0;
                if let Some(slot) = self.workers.get_mut(&worker) {
                    slot.pid = Some(pid);
                    slot.state = WorkerState::Idle;
                }
            }
            WorkerReport::Progress {
                job_id,
                fraction,
                stage,
            } => {
                if let Ok(mut live) = self.live.lock() {
                    live.insert(job_id.clone(), (fraction, stage.clone()));
                }
                let _ = self.events.send(JobEvent {
                    id: job_id,
                    state: JobState::Running,
                    progress: fraction,
                    message: Some(stage),
                });
            }
            WorkerReport::Done {
                job_id,
                cached,
                prepare_secs,
                compute_secs,
            } => {
                self.finish(worker, &job_id, |s| {
                    s.state = JobState::Succeeded;
                    s.progress = 1.0;
                    s.cached = cached;
                    s.message = Some(
                        if cached {
                            "answered from the result cache"
                        } else {
                            "done"
                        }
                        .into(),
                    );
                });
                if cached {
                    self.metrics
                        .cache_hits
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                } else {
                    self.metrics.observe(Phase::Prepare, prepare_secs);
                    self.metrics.observe(Phase::Compute, compute_secs);
                }
            }
            WorkerReport::Failed { job_id, error } => {
                self.finish(worker, &job_id, |s| {
                    s.state = JobState::Failed;
                    s.message = Some("failed".into());
                    s.error = Some(error);
                });
            }
        }
    }

    /// Records the end of a worker's job and frees the worker.
    fn finish(&mut self, worker: WorkerId, job_id: &str, apply: impl FnOnce(&mut JobStatus)) {
        if let Some(slot) = self.workers.get_mut(&worker) {
            slot.state = WorkerState::Idle;
        }
        self.clear_live(job_id);
        let Some(mut status) = self.load(job_id) else {
            return;
        };
        if status.state != JobState::Running {
            return; // cancelled meanwhile
        }
        let from = status.state;
        apply(&mut status);
        let now = now_unix_ms();
        status.finished_unix_ms = Some(now);
        status.worker_pid = None;
        self.metrics.observe(
            Phase::Total,
            now.saturating_sub(status.created_unix_ms) as f64 / 1000.0,
        );
        tracing::info!(job = %job_id, state = status.state.as_str(), "job finished");
        self.save(&status, from);
    }

    fn on_exit(&mut self, worker: WorkerId, how: &str) {
        let Some(slot) = self.workers.remove(&worker) else {
            return;
        };
        self.metrics.workers_alive.store(
            self.workers.len() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        if !slot.stopping {
            self.metrics
                .worker_crashes
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::warn!(worker, pid = ?slot.pid, %how, "worker exited");
        }
        if matches!(slot.state, WorkerState::Starting) && !slot.stopping {
            self.failed_spawns += 1;
        }
        if let WorkerState::Busy(job_id) = slot.state {
            self.clear_live(&job_id);
            if let Some(mut status) = self.load(&job_id)
                && status.state == JobState::Running
            {
                let from = status.state;
                status.worker_pid = None;
                if slot.stopping && self.draining.is_some() {
                    // Stopped by the shutdown: not the job's fault, and it runs after restart.
                    status.attempts = status.attempts.saturating_sub(1);
                    status.state = JobState::Queued;
                    status.message = Some("requeued at shutdown".into());
                } else if status.attempts < self.config.max_attempts {
                    status.state = JobState::Queued;
                    status.message = Some(format!("worker {how}; retrying"));
                    self.metrics
                        .job_retries
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    self.queue.push_front(job_id.clone());
                    self.update_queue_gauge();
                } else {
                    status.state = JobState::Failed;
                    status.finished_unix_ms = Some(now_unix_ms());
                    status.message = Some("failed".into());
                    status.error = Some(format!(
                        "the worker running this job died on each of {} attempts (last: {how})",
                        status.attempts
                    ));
                }
                self.save(&status, from);
            }
        }
        if self.draining.is_none() {
            if self.failed_spawns == 0 {
                self.spawn_worker();
            } else {
                // A worker that cannot start would otherwise be restarted in a hot loop.
                let delay = Duration::from_millis(100 << self.failed_spawns.min(6));
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = tx.send(Msg::Respawn);
                });
            }
        }
    }

    fn stop_worker(&mut self, id: WorkerId) {
        if let Some(slot) = self.workers.get_mut(&id) {
            slot.stopping = true;
            if let Some(kill) = slot.kill.take() {
                let _ = kill.send(());
            }
        }
    }

    fn stop_all_workers(&mut self) {
        let ids: Vec<WorkerId> = self.workers.keys().copied().collect();
        for id in ids {
            self.stop_worker(id);
        }
    }

    fn spawn_worker(&mut self) {
        let (exe, args) = &self.config.worker_command;
        let mut command = Command::new(exe);
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let mut child = match command.spawn() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(exe = %exe.display(), error = %e, "could not start a worker");
                self.failed_spawns += 1;
                let tx = self.tx.clone();
                let delay = Duration::from_millis(100 << self.failed_spawns.min(6));
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = tx.send(Msg::Respawn);
                });
                return;
            }
        };
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return;
        };
        let id = self.next_worker;
        self.next_worker += 1;
        let (kill_tx, kill_rx) = oneshot::channel();
        self.workers.insert(
            id,
            WorkerSlot {
                pid: child.id(),
                stdin,
                state: WorkerState::Starting,
                kill: Some(kill_tx),
                stopping: false,
            },
        );
        self.metrics
            .workers_started
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.metrics.workers_alive.store(
            self.workers.len() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        tokio::spawn(watch_worker(id, child, stdout, kill_rx, self.tx.clone()));
    }
}

/// Forwards a worker's reports to the loop until it exits, then reports how it ended.
async fn watch_worker(
    id: WorkerId,
    mut child: Child,
    stdout: tokio::process::ChildStdout,
    mut kill: oneshot::Receiver<()>,
    tx: mpsc::UnboundedSender<Msg>,
) {
    let mut lines = BufReader::new(stdout).lines();
    loop {
        tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(line)) => match serde_json::from_str::<WorkerReport>(&line) {
                    Ok(report) => { let _ = tx.send(Msg::Report(id, report)); }
                    Err(e) => tracing::warn!(worker = id, error = %e, "unreadable worker report"),
                },
                _ => break,
            },
            _ = &mut kill => {
                let _ = child.start_kill();
                break;
            }
        }
    }
    let how = match child.wait().await {
        Ok(status) => describe_exit(status),
        Err(e) => format!("could not be waited for: {e}"),
    };
    let _ = tx.send(Msg::Exited(id, how));
}

fn describe_exit(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("was killed by signal {signal}");
        }
    }
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => "exited".to_string(),
    }
}
