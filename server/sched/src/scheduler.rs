//! The run loop: the single owner of the queue and the worker pool.
//!
//! The HTTP API only records new jobs and sends messages here (enqueue, cancel, shut down);
//! every later change of a job's state is made by this loop, so no two places can disagree
//! about who runs what. Workers are child processes (`cicada-server worker`): a crash in a
//! kernel or a driver ends that process, not the service, and its job is run again on
//! another worker, up to `max_attempts` runs.
//!
//! The pool scales with the queue: between `min_workers` and `max_workers`, it keeps one
//! worker per running or queued job plus `buffer_workers` idle ones while busy, and stops
//! workers idle longer than `idle_timeout` (to zero when `min_workers` is 0). Queued jobs go
//! by priority, then age; a job goes to an idle worker that holds its prepared scene when
//! there is one.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cicada_protocol::worker::{SceneStart, WorkerCommand, WorkerReport};
use cicada_protocol::{
    CostView, DeviceUsage, JobEvent, JobState, JobStatus, PoolView, Priority, SceneStarts, Usage,
    UsageSample, WorkerView, WorkersView,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::metrics::{Metrics, Phase};
use crate::now_unix_ms;
use crate::store::{Store, StoreError};

/// How many workers the pool runs, and when.
#[derive(Clone, Debug)]
pub struct PoolConfig {
    /// Workers kept even when idle; 0 lets the pool scale to zero.
    pub min_workers: usize,
    /// Most workers at once: one per GPU, or per CPU share.
    pub max_workers: usize,
    /// Idle workers kept ready while the pool is busy, so a burst finds them started.
    pub buffer_workers: usize,
    /// How long a worker may sit idle before it is stopped (down to `min_workers`).
    pub idle_timeout: Duration,
}

/// Prices for the serverless-versus-dedicated figure of `GET /v1/usage`.
#[derive(Clone, Debug)]
pub struct Prices {
    /// One serverless worker-second.
    pub serverless_per_worker_sec: f64,
    /// The dedicated machine per hour (it holds `max_workers` workers).
    pub dedicated_per_hour: f64,
}

/// How the pool of workers is run.
#[derive(Clone, Debug)]
pub struct SchedulerConfig {
    /// Scaling of the pool.
    pub pool: PoolConfig,
    /// Backend the workers are started with (for views).
    pub backend: String,
    /// Devices of that backend on this machine (GPUs; 1 for the CPU): each worker is
    /// started on the device with the fewest workers, with `--device N`.
    pub devices: usize,
    /// Most runs of one job before it fails (a run ends early when its worker dies).
    pub max_attempts: u32,
    /// The worker executable and its arguments (`cicada-server worker --data DIR ...`).
    pub worker_command: (PathBuf, Vec<String>),
    /// How long a shutdown waits for running jobs before stopping them and requeueing.
    pub shutdown_grace: Duration,
    /// Prices for the usage report.
    pub prices: Prices,
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
    Enqueue(Queued),
    Cancel(String, oneshot::Sender<Result<JobStatus, CancelError>>),
    Report(WorkerId, WorkerReport),
    Exited(WorkerId, String),
    Workers(oneshot::Sender<WorkersView>),
    Usage(oneshot::Sender<Usage>),
    Shutdown(oneshot::Sender<()>),
}

/// A job waiting for a worker.
#[derive(Clone, Debug)]
struct Queued {
    id: String,
    priority: Priority,
    scene: Option<String>,
}

impl Queued {
    fn of(status: &JobStatus) -> Queued {
        Queued {
            id: status.id.clone(),
            priority: status.priority,
            scene: status.scene.clone(),
        }
    }
}

/// Queued jobs in dispatch order: higher priority first, then older first; a job put back
/// after its worker died goes ahead of its priority's others.
struct Queue {
    jobs: BTreeMap<(std::cmp::Reverse<Priority>, u64), Queued>,
    /// Sequence of the next new job: counts up from the middle of the range.
    next: u64,
    /// Sequence of the next job put back: counts down from the middle, so every job put
    /// back sorts before every new one and no two ever share a key.
    front: u64,
}

impl Default for Queue {
    fn default() -> Self {
        Queue {
            jobs: BTreeMap::new(),
            next: 1 << 62,
            front: (1 << 62) - 1,
        }
    }
}

impl Queue {
    fn push(&mut self, job: Queued) {
        self.next += 1;
        self.jobs
            .insert((std::cmp::Reverse(job.priority), self.next), job);
    }

    /// Puts a job back ahead of its priority's others (a retry after a worker died).
    fn push_front(&mut self, job: Queued) {
        self.front -= 1;
        self.jobs
            .insert((std::cmp::Reverse(job.priority), self.front), job);
    }

    fn len(&self) -> usize {
        self.jobs.len()
    }

    fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    fn first(&self) -> Option<&Queued> {
        self.jobs.values().next()
    }

    fn pop_first(&mut self) -> Option<Queued> {
        self.jobs.pop_first().map(|(_, q)| q)
    }

    fn remove(&mut self, id: &str) -> bool {
        let before = self.jobs.len();
        self.jobs.retain(|_, q| q.id != id);
        self.jobs.len() != before
    }

    /// True when some queued job is on `scene`.
    fn wants(&self, scene: &str) -> bool {
        self.jobs
            .values()
            .any(|q| q.scene.as_deref() == Some(scene))
    }
}

impl Scheduler {
    /// Recovers unfinished jobs from the store and starts the run loop, which starts
    /// workers as the queue needs them.
    pub fn start(
        config: SchedulerConfig,
        store: Arc<Store>,
        metrics: Arc<Metrics>,
    ) -> Result<Scheduler, StoreError> {
        let (tx, rx) = mpsc::unbounded_channel();
        let (events, _) = broadcast::channel(4096);
        let live: LiveProgress = Arc::default();
        // Jobs running when the last service stopped were cut off, not failed: queue them.
        let mut queue = Queue::default();
        let mut unfinished = store.jobs_in(&[JobState::Queued, JobState::Running])?;
        unfinished.sort_by_key(|s| s.created_unix_ms);
        for mut status in unfinished {
            if status.state == JobState::Running {
                status.state = JobState::Queued;
                status.worker_pid = None;
                status.message = Some("requeued after a service restart".into());
                store.put_status(&status)?;
            }
            queue.push(Queued::of(&status));
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
            spawn_after: Instant::now(),
            draining: None,
            ledger: Ledger::new(store.usage().unwrap_or_else(|e| {
                tracing::warn!(error = %e, "usage totals unreadable; counting from zero");
                None
            })),
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
    pub fn enqueue(&self, status: &JobStatus) {
        let _ = self.tx.send(Msg::Enqueue(Queued::of(status)));
    }

    /// Cancels a queued or running job; a running one is stopped in its worker.
    pub async fn cancel(&self, id: &str) -> Result<JobStatus, CancelError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Msg::Cancel(id.to_string(), reply))
            .map_err(|_| CancelError::Stopped)?;
        rx.await.map_err(|_| CancelError::Stopped)?
    }

    /// The pool and each worker in it.
    pub async fn workers(&self) -> Option<WorkersView> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Msg::Workers(reply)).ok()?;
        rx.await.ok()
    }

    /// Usage since the service started.
    pub async fn usage(&self) -> Option<Usage> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Msg::Usage(reply)).ok()?;
        rx.await.ok()
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

/// How long a worker asked to stop a job may take before it is killed.
const CANCEL_GRACE: Duration = Duration::from_secs(2);
/// How often the loop looks at idle workers, timeouts and usage.
const TICK: Duration = Duration::from_millis(200);

/// The job a busy worker runs.
struct Running {
    job: String,
    since: Instant,
    /// When the job's `timeout_secs` runs out, and that limit.
    deadline: Option<(Instant, f64)>,
    /// Set once the job was cancelled or timed out: kill the worker if it still runs then.
    stop_by: Option<Instant>,
}

enum WorkerState {
    Starting,
    Idle,
    Busy(Running),
}

struct WorkerSlot {
    pid: Option<u32>,
    stdin: ChildStdin,
    state: WorkerState,
    kill: Option<oneshot::Sender<()>>,
    /// Set when the loop stopped this worker on purpose (cancel, shutdown, scale-down).
    stopping: bool,
    started: Instant,
    ready_secs: Option<f64>,
    idle_since: Instant,
    backend: Option<String>,
    device: Option<String>,
    memory_bytes: Option<u64>,
    busy_secs: f64,
    jobs: u64,
    /// Prepared scenes it holds, as of its last report.
    held: Vec<String>,
    /// Its busy and alive seconds per minute, the last hour.
    minutes: Timeline,
    /// The device it was started on.
    ordinal: usize,
}

/// Busy and alive seconds per minute over the last hour, oldest first.
#[derive(Default)]
struct Timeline(std::collections::VecDeque<UsageSample>);

impl Timeline {
    /// Adds `dt` seconds alive, busy or not, to the current minute.
    fn add(&mut self, dt: f64, alive: f64, busy: f64) {
        let minute = now_unix_ms() / 60_000 * 60_000;
        if self.0.back().is_none_or(|m| m.unix_ms != minute) {
            self.0.push_back(UsageSample {
                unix_ms: minute,
                busy_secs: 0.0,
                alive_secs: 0.0,
            });
            while self.0.len() > 60 {
                self.0.pop_front();
            }
        }
        if let Some(m) = self.0.back_mut() {
            m.busy_secs += dt * busy;
            m.alive_secs += dt * alive;
        }
    }
}

impl WorkerSlot {
    fn is_idle(&self) -> bool {
        !self.stopping && matches!(self.state, WorkerState::Idle)
    }

    fn holds(&self, scene: Option<&str>) -> bool {
        scene.is_some_and(|s| self.held.iter().any(|h| h == s))
    }
}

/// Usage since the service started.
struct Ledger {
    since_unix_ms: u64,
    last_tick: Instant,
    jobs: u64,
    worker_secs: f64,
    alive_secs: f64,
    workers_started: u64,
    starts: SceneStarts,
    by_device: BTreeMap<(String, String), (u64, f64)>,
    minutes: Timeline,
}

impl Ledger {
    /// Usage carried on from `kept` (the last service's totals), or from zero.
    fn new(kept: Option<Usage>) -> Ledger {
        let mut ledger = Ledger {
            since_unix_ms: now_unix_ms(),
            last_tick: Instant::now(),
            jobs: 0,
            worker_secs: 0.0,
            alive_secs: 0.0,
            workers_started: 0,
            starts: SceneStarts::default(),
            by_device: BTreeMap::new(),
            minutes: Timeline::default(),
        };
        if let Some(u) = kept {
            ledger.since_unix_ms = u.since_unix_ms;
            ledger.jobs = u.jobs;
            ledger.worker_secs = u.worker_secs;
            ledger.alive_secs = u.alive_secs;
            ledger.workers_started = u.workers_started;
            ledger.starts = u.scene_starts;
            ledger.by_device = u
                .by_device
                .into_iter()
                .map(|d| ((d.backend, d.device), (d.jobs, d.worker_secs)))
                .collect();
            ledger.minutes = Timeline(u.timeline.into());
        }
        ledger
    }

    /// Adds the time since the last tick, with `alive` and `busy` workers, to the timeline;
    /// returns that time.
    fn tick(&mut self, alive: usize, busy: usize) -> f64 {
        let now = Instant::now();
        let dt = (now - self.last_tick).as_secs_f64();
        self.last_tick = now;
        self.alive_secs += dt * alive as f64;
        self.minutes.add(dt, alive as f64, busy as f64);
        dt
    }

    fn job_run(&mut self, slot: &WorkerSlot, secs: f64) {
        self.worker_secs += secs;
        let key = (
            slot.backend.clone().unwrap_or_default(),
            slot.device.clone().unwrap_or_default(),
        );
        let entry = self.by_device.entry(key).or_default();
        entry.1 += secs;
    }

    fn job_done(&mut self, slot: &WorkerSlot, start: Option<SceneStart>) {
        self.jobs += 1;
        let key = (
            slot.backend.clone().unwrap_or_default(),
            slot.device.clone().unwrap_or_default(),
        );
        self.by_device.entry(key).or_default().0 += 1;
        match start {
            Some(SceneStart::Held) => self.starts.held += 1,
            Some(SceneStart::Snapshot) => self.starts.snapshot += 1,
            Some(SceneStart::Built) => self.starts.built += 1,
            None => {}
        }
    }

    fn report(&self, pool: &PoolConfig, prices: &Prices) -> Usage {
        // Counted from the first service on this data directory: a dedicated machine
        // would have cost money while this one was down too.
        let elapsed = now_unix_ms().saturating_sub(self.since_unix_ms) as f64 / 1000.0;
        let slots = pool.max_workers.max(1) as f64;
        let utilisation = if elapsed > 0.0 {
            self.worker_secs / (elapsed * slots)
        } else {
            0.0
        };
        let overhead = if self.worker_secs > 0.0 {
            (self.alive_secs / self.worker_secs).max(1.0)
        } else {
            1.0
        };
        let serverless_cost = self.alive_secs * prices.serverless_per_worker_sec;
        let dedicated_cost = elapsed / 3600.0 * prices.dedicated_per_hour;
        let per_slot_second = 3600.0 * slots * prices.serverless_per_worker_sec * overhead;
        // JSON has no infinity: a free serverless second never loses, so 1 means "never".
        let break_even = if per_slot_second > 0.0 {
            prices.dedicated_per_hour / per_slot_second
        } else {
            1.0
        };
        Usage {
            since_unix_ms: self.since_unix_ms,
            elapsed_secs: elapsed,
            jobs: self.jobs,
            worker_secs: self.worker_secs,
            alive_secs: self.alive_secs,
            workers_started: self.workers_started,
            scene_starts: self.starts.clone(),
            by_device: self
                .by_device
                .iter()
                .map(|((backend, device), (jobs, secs))| DeviceUsage {
                    backend: backend.clone(),
                    device: device.clone(),
                    jobs: *jobs,
                    worker_secs: *secs,
                })
                .collect(),
            timeline: self.minutes.0.iter().cloned().collect(),
            cost: CostView {
                serverless_per_worker_sec: prices.serverless_per_worker_sec,
                dedicated_per_hour: prices.dedicated_per_hour,
                dedicated_workers: pool.max_workers as u32,
                overhead_factor: overhead,
                break_even_utilisation: break_even,
                utilisation,
                serverless_cost,
                dedicated_cost,
                cheaper: if serverless_cost <= dedicated_cost {
                    "serverless"
                } else {
                    "dedicated"
                }
                .into(),
            },
        }
    }
}

struct RunLoop {
    config: SchedulerConfig,
    store: Arc<Store>,
    metrics: Arc<Metrics>,
    events: broadcast::Sender<JobEvent>,
    live: LiveProgress,
    tx: mpsc::UnboundedSender<Msg>,
    queue: Queue,
    workers: HashMap<WorkerId, WorkerSlot>,
    next_worker: WorkerId,
    /// Workers in a row that died before they were ready; slows starting more.
    failed_spawns: u32,
    /// No worker is started before this (backoff after failed starts).
    spawn_after: Instant,
    draining: Option<Drain>,
    ledger: Ledger,
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
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        self.scale();
        loop {
            // Past the grace period the remaining workers are stopped once; then the loop
            // only waits for their exits.
            let deadline = match &self.draining {
                Some(drain) if !drain.forced => Some(drain.deadline),
                _ => None,
            };
            let grace_over = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                m = rx.recv() => match m {
                    Some(m) => self.handle(m).await,
                    None => break,
                },
                _ = tick.tick() => self.on_tick().await,
                _ = grace_over => {
                    if let Some(drain) = &mut self.draining {
                        drain.forced = true;
                    }
                    self.stop_all_workers();
                }
            }
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
            self.scale();
            self.dispatch().await;
        }
        self.keep_usage();
        tracing::info!("scheduler stopped");
    }

    /// Writes the usage totals to the store (each new minute, and at the end).
    fn keep_usage(&self) {
        let usage = self.ledger.report(&self.config.pool, &self.config.prices);
        if let Err(e) = self.store.put_usage(&usage) {
            tracing::warn!(error = %e, "could not keep the usage totals");
        }
    }

    async fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Enqueue(job) => {
                self.queue.push(job);
                self.update_gauges();
            }
            Msg::Cancel(id, reply) => {
                let _ = reply.send(self.cancel(&id).await);
            }
            Msg::Report(worker, report) => self.on_report(worker, report),
            Msg::Exited(worker, how) => self.on_exit(worker, &how),
            Msg::Workers(reply) => {
                let _ = reply.send(self.workers_view());
            }
            Msg::Usage(reply) => {
                let _ = reply.send(self.ledger.report(&self.config.pool, &self.config.prices));
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

    /// Usage, timeouts, cancelled jobs that do not stop, and idle workers.
    async fn on_tick(&mut self) {
        let alive = self.workers.values().filter(|w| !w.stopping).count();
        let busy = self.busy_count();
        let minute = self.ledger.minutes.0.back().map(|m| m.unix_ms);
        let dt = self.ledger.tick(alive, busy);
        if self.ledger.minutes.0.back().map(|m| m.unix_ms) != minute {
            self.keep_usage();
        }
        for w in self.workers.values_mut().filter(|w| !w.stopping) {
            let busy = f64::from(u8::from(matches!(w.state, WorkerState::Busy(_))));
            w.minutes.add(dt, 1.0, busy);
        }
        let now = Instant::now();
        let mut timed_out = Vec::new();
        let mut unresponsive = Vec::new();
        for (&id, w) in &self.workers {
            if let WorkerState::Busy(run) = &w.state {
                if run.stop_by.is_some_and(|t| now >= t) {
                    unresponsive.push(id);
                } else if run.stop_by.is_none()
                    && let Some((at, limit)) = run.deadline
                    && now >= at
                {
                    timed_out.push((id, run.job.clone(), limit));
                }
            }
        }
        for id in unresponsive {
            tracing::warn!(
                worker = id,
                "a stopped job did not end in time; killing its worker"
            );
            self.stop_worker(id);
        }
        for (worker, job, limit) in timed_out {
            if let Some(mut status) = self.load(&job)
                && status.state == JobState::Running
            {
                let from = status.state;
                status.state = JobState::Failed;
                status.finished_unix_ms = Some(now_unix_ms());
                status.worker_pid = None;
                status.message = Some("timed out".into());
                status.error = Some(format!(
                    "timed out: ran longer than its timeout_secs ({limit} s)"
                ));
                self.save(&status, from);
                self.clear_live(&job);
            }
            self.stop_job(worker, &job).await;
        }
    }

    fn busy_count(&self) -> usize {
        self.workers
            .values()
            .filter(|w| matches!(w.state, WorkerState::Busy(_)))
            .count()
    }

    /// Starts or stops workers so the pool fits the queue.
    fn scale(&mut self) {
        if self.draining.is_some() {
            return;
        }
        let pool = self.config.pool.clone();
        let busy = self.busy_count();
        let queued = self.queue.len();
        let buffer = if busy + queued > 0 {
            pool.buffer_workers
        } else {
            0
        };
        let max = pool.max_workers.max(pool.min_workers);
        let desired = (busy + queued + buffer).max(pool.min_workers).min(max);
        let mut alive = self.workers.values().filter(|w| !w.stopping).count();
        if alive < desired && Instant::now() >= self.spawn_after {
            while alive < desired {
                if !self.spawn_worker() {
                    break;
                }
                alive += 1;
            }
        }
        let timeout = pool.idle_timeout;
        let mut idle: Vec<(Instant, WorkerId)> = self
            .workers
            .iter()
            .filter(|(_, w)| w.is_idle() && w.idle_since.elapsed() >= timeout)
            .map(|(&id, w)| (w.idle_since, id))
            .collect();
        idle.sort();
        for (_, id) in idle {
            if alive <= desired {
                break;
            }
            tracing::info!(worker = id, "stopping an idle worker");
            self.stop_worker(id);
            alive -= 1;
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

    fn update_gauges(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        self.metrics
            .queue_depth
            .store(self.queue.len() as u64, Relaxed);
        self.metrics
            .workers_alive
            .store(self.workers.len() as u64, Relaxed);
        self.metrics
            .workers_busy
            .store(self.busy_count() as u64, Relaxed);
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

    /// The idle worker for a job on `scene`: one holding the scene, else one whose held
    /// scenes no queued job wants (it loses nothing), else any.
    fn pick_worker(&self, scene: Option<&str>) -> Option<WorkerId> {
        self.workers
            .iter()
            .filter(|(_, w)| w.is_idle())
            .max_by_key(|(id, w)| {
                let spare = !w.held.iter().any(|h| self.queue.wants(h));
                (w.holds(scene), spare, std::cmp::Reverse(**id))
            })
            .map(|(&id, _)| id)
    }

    async fn dispatch(&mut self) {
        if self.draining.is_some() {
            return;
        }
        while !self.queue.is_empty() {
            let scene = self.queue.first().and_then(|q| q.scene.clone());
            let Some(worker) = self.pick_worker(scene.as_deref()) else {
                break;
            };
            let Some(job) = self.queue.pop_first() else {
                break;
            };
            let Some(mut status) = self.load(&job.id) else {
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
            let started = Instant::now();
            slot.state = WorkerState::Busy(Running {
                job: job.id.clone(),
                since: started,
                deadline: status
                    .timeout_secs
                    .map(|t| (started + Duration::from_secs_f64(t), t)),
                stop_by: None,
            });
            let command = WorkerCommand::Run {
                job_id: job.id.clone(),
                queue_secs,
                key: Some(status.key.clone()),
                scene: status.scene.clone(),
            };
            if let Err(e) = send(&mut slot.stdin, &command).await {
                // The worker is dying; its exit requeues the job.
                tracing::warn!(worker, error = %e, "could not hand a job to a worker");
            }
            self.metrics.observe(Phase::Queue, queue_secs);
            self.save(&status, from);
            tracing::info!(job = %job.id, worker, attempt = status.attempts, "job started");
        }
        self.update_gauges();
    }

    async fn cancel(&mut self, id: &str) -> Result<JobStatus, CancelError> {
        let mut status = self
            .store
            .status(id)?
            .ok_or_else(|| CancelError::NotFound(id.to_string()))?;
        let from = status.state;
        match from {
            JobState::Queued => {
                self.queue.remove(id);
                self.update_gauges();
            }
            JobState::Running => {
                let worker = self
                    .workers
                    .iter()
                    .find(|(_, w)| matches!(&w.state, WorkerState::Busy(r) if r.job == id))
                    .map(|(&w, _)| w);
                if let Some(w) = worker {
                    self.stop_job(w, id).await;
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

    /// Asks `worker` to stop `job`: its kernel sees the cancellation at its next check and
    /// the worker stays up with its scenes; one that has not stopped after
    /// [`CANCEL_GRACE`] is killed.
    async fn stop_job(&mut self, worker: WorkerId, job: &str) {
        let Some(slot) = self.workers.get_mut(&worker) else {
            return;
        };
        if let WorkerState::Busy(run) = &mut slot.state {
            run.stop_by = Some(Instant::now() + CANCEL_GRACE);
        }
        let command = WorkerCommand::Cancel {
            job_id: job.to_string(),
        };
        if send(&mut slot.stdin, &command).await.is_err() {
            self.stop_worker(worker);
        }
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
                memory_bytes,
            } => {
                tracing::info!(worker, pid, %backend, %device, "worker ready");
                self.failed_spawns = 0;
                if let Some(slot) = self.workers.get_mut(&worker) {
                    slot.pid = Some(pid);
                    slot.state = WorkerState::Idle;
                    slot.idle_since = Instant::now();
                    slot.ready_secs = Some(slot.started.elapsed().as_secs_f64());
                    slot.backend = Some(backend);
                    slot.device = Some(device);
                    slot.memory_bytes = memory_bytes;
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
                scene,
                held,
            } => {
                if let Some(slot) = self.workers.get_mut(&worker) {
                    slot.held = held;
                }
                let start = scene.map(|(_, start)| start);
                self.finish(worker, &job_id, start, |s| {
                    s.state = JobState::Succeeded;
                    s.progress = 1.0;
                    s.cached = cached;
                    s.scene_start = start;
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
                    let phase = match start {
                        None => Phase::Prepare,
                        Some(SceneStart::Built) => Phase::PrepareCold,
                        Some(SceneStart::Snapshot) => Phase::PrepareWarm,
                        Some(SceneStart::Held) => Phase::PrepareHeld,
                    };
                    self.metrics.observe(phase, prepare_secs);
                    self.metrics.observe(Phase::Compute, compute_secs);
                }
            }
            WorkerReport::Failed { job_id, error } => {
                self.finish(worker, &job_id, None, |s| {
                    s.state = JobState::Failed;
                    s.message = Some("failed".into());
                    s.error = Some(error);
                });
            }
        }
    }

    /// Frees the worker of its job, books the worker-seconds, and records the end of the
    /// job unless it already ended (cancelled or timed out meanwhile).
    fn finish(
        &mut self,
        worker: WorkerId,
        job_id: &str,
        start: Option<SceneStart>,
        apply: impl FnOnce(&mut JobStatus),
    ) {
        let mut secs = 0.0;
        if let Some(slot) = self.workers.get_mut(&worker) {
            if let WorkerState::Busy(run) = &slot.state {
                secs = run.since.elapsed().as_secs_f64();
            }
            slot.state = WorkerState::Idle;
            slot.idle_since = Instant::now();
            slot.busy_secs += secs;
            slot.jobs += 1;
        }
        if let Some(slot) = self.workers.get(&worker) {
            self.ledger.job_run(slot, secs);
            self.ledger.job_done(slot, start);
        }
        self.clear_live(job_id);
        let Some(mut status) = self.load(job_id) else {
            return;
        };
        status.worker_secs += secs;
        if status.state != JobState::Running {
            // Cancelled or timed out meanwhile: only the worker time is new.
            if let Err(e) = self.store.put_status(&status) {
                tracing::error!(job = %job_id, error = %e, "could not record worker time");
            }
            return;
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
        if !slot.stopping {
            self.metrics
                .worker_crashes
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::warn!(worker, pid = ?slot.pid, %how, "worker exited");
        }
        if matches!(slot.state, WorkerState::Starting) && !slot.stopping {
            // A worker that cannot start would otherwise be restarted in a hot loop.
            self.failed_spawns += 1;
            self.spawn_after =
                Instant::now() + Duration::from_millis(100 << self.failed_spawns.min(6));
        }
        if let WorkerState::Busy(run) = &slot.state {
            let secs = run.since.elapsed().as_secs_f64();
            self.ledger.job_run(&slot, secs);
            let job_id = run.job.clone();
            self.clear_live(&job_id);
            if let Some(mut status) = self.load(&job_id) {
                status.worker_secs += secs;
                let from = status.state;
                if status.state != JobState::Running {
                    let _ = self.store.put_status(&status);
                } else {
                    status.worker_pid = None;
                    if slot.stopping && self.draining.is_some() {
                        // Stopped by the shutdown: not the job's fault; it runs after restart.
                        status.attempts = status.attempts.saturating_sub(1);
                        status.state = JobState::Queued;
                        status.message = Some("requeued at shutdown".into());
                    } else if status.attempts < self.config.max_attempts {
                        status.state = JobState::Queued;
                        status.message = Some(format!("worker {how}; retrying"));
                        self.metrics
                            .job_retries
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        self.queue.push_front(Queued::of(&status));
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
        }
        self.update_gauges();
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

    /// Starts a worker process; false when it could not be started.
    fn spawn_worker(&mut self) -> bool {
        // The device with the fewest live workers: one worker per GPU when max = devices.
        let devices = self.config.devices.max(1);
        let ordinal = (0..devices)
            .min_by_key(|d| {
                self.workers
                    .values()
                    .filter(|w| !w.stopping && w.ordinal == *d)
                    .count()
            })
            .unwrap_or(0);
        let (exe, args) = &self.config.worker_command;
        let mut command = Command::new(exe);
        command
            .args(args)
            .args(["--device".to_string(), ordinal.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let mut child = match command.spawn() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(exe = %exe.display(), error = %e, "could not start a worker");
                self.failed_spawns += 1;
                self.spawn_after =
                    Instant::now() + Duration::from_millis(100 << self.failed_spawns.min(6));
                return false;
            }
        };
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return false;
        };
        let id = self.next_worker;
        self.next_worker += 1;
        let (kill_tx, kill_rx) = oneshot::channel();
        let now = Instant::now();
        self.workers.insert(
            id,
            WorkerSlot {
                pid: child.id(),
                stdin,
                state: WorkerState::Starting,
                kill: Some(kill_tx),
                stopping: false,
                started: now,
                ready_secs: None,
                idle_since: now,
                backend: None,
                device: None,
                memory_bytes: None,
                busy_secs: 0.0,
                jobs: 0,
                held: Vec::new(),
                minutes: Timeline::default(),
                ordinal,
            },
        );
        self.metrics
            .workers_started
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.ledger.workers_started += 1;
        self.update_gauges();
        tokio::spawn(watch_worker(id, child, stdout, kill_rx, self.tx.clone()));
        true
    }

    fn workers_view(&self) -> WorkersView {
        let pool = &self.config.pool;
        let mut workers: Vec<WorkerView> = self
            .workers
            .iter()
            .map(|(&id, w)| {
                let alive = w.started.elapsed().as_secs_f64();
                let (state, job, running) = match &w.state {
                    _ if w.stopping => ("stopping", None, 0.0),
                    WorkerState::Starting => ("starting", None, 0.0),
                    WorkerState::Idle => ("idle", None, 0.0),
                    WorkerState::Busy(r) => {
                        ("busy", Some(r.job.clone()), r.since.elapsed().as_secs_f64())
                    }
                };
                let busy = w.busy_secs + running;
                WorkerView {
                    id,
                    ordinal: w.ordinal as u32,
                    pid: w.pid,
                    state: state.into(),
                    job,
                    backend: w.backend.clone(),
                    device: w.device.clone(),
                    memory_bytes: w.memory_bytes,
                    ready_secs: w.ready_secs,
                    alive_secs: alive,
                    busy_secs: busy,
                    utilisation: if alive > 0.0 { busy / alive } else { 0.0 },
                    jobs: w.jobs,
                    scenes: w.held.clone(),
                    timeline: w.minutes.0.iter().cloned().collect(),
                }
            })
            .collect();
        workers.sort_by_key(|w| w.id);
        WorkersView {
            pool: PoolView {
                backend: self.config.backend.clone(),
                devices: self.config.devices as u32,
                min_workers: pool.min_workers as u32,
                max_workers: pool.max_workers as u32,
                buffer_workers: pool.buffer_workers as u32,
                idle_timeout_secs: pool.idle_timeout.as_secs_f64(),
            },
            queue_depth: self.queue.len() as u64,
            workers,
        }
    }
}

/// Writes one command line to a worker.
async fn send(stdin: &mut ChildStdin, command: &WorkerCommand) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(command).map_err(std::io::Error::other)?;
    line.push(b'\n');
    stdin.write_all(&line).await?;
    stdin.flush().await
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

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: &str, priority: Priority) -> Queued {
        Queued {
            id: id.into(),
            priority,
            scene: None,
        }
    }

    #[test]
    fn the_queue_orders_by_priority_then_age_and_keeps_every_job_put_back() {
        let mut q = Queue::default();
        q.push(job("a", Priority::Normal));
        q.push(job("b", Priority::Bulk));
        q.push(job("c", Priority::Normal));
        q.push(job("d", Priority::Interactive));
        // Two workers die at once: both jobs go back ahead of their priority, neither lost.
        q.push_front(job("r1", Priority::Normal));
        q.push_front(job("r2", Priority::Normal));
        assert_eq!(q.len(), 6);
        assert!(q.remove("c"));
        let order: Vec<String> = std::iter::from_fn(|| q.pop_first().map(|j| j.id)).collect();
        assert_eq!(order, ["d", "r2", "r1", "a", "b"]);
        assert!(q.is_empty());
    }
}
