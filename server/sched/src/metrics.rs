//! Service metrics, rendered in the Prometheus text format.
//!
//! Written by hand rather than through a metrics framework: a dozen counters and one
//! histogram family do not need one.

use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use cicada_protocol::JobState;

/// Upper bounds of the duration histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 60.0, 300.0, 1800.0,
];

/// A phase of a job's life, for the duration histograms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for a worker.
    Queue,
    /// Loading and checking inputs, for a job with no prepared scene.
    Prepare,
    /// Preparing when the scene had to be built (cold).
    PrepareCold,
    /// Preparing when the scene came from its snapshot (warm).
    PrepareWarm,
    /// Preparing when the worker already held the scene.
    PrepareHeld,
    /// In the kernel.
    Compute,
    /// Acceptance to finish.
    Total,
}

impl Phase {
    const ALL: [Phase; 7] = [
        Phase::Queue,
        Phase::Prepare,
        Phase::PrepareCold,
        Phase::PrepareWarm,
        Phase::PrepareHeld,
        Phase::Compute,
        Phase::Total,
    ];

    fn name(self) -> &'static str {
        match self {
            Phase::Queue => "queue",
            Phase::Prepare => "prepare",
            Phase::PrepareCold => "prepare_cold",
            Phase::PrepareWarm => "prepare_warm",
            Phase::PrepareHeld => "prepare_held",
            Phase::Compute => "compute",
            Phase::Total => "total",
        }
    }
}

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Counters, gauges and histograms of one service.
#[derive(Default)]
pub struct Metrics {
    jobs_by_state: [AtomicI64; 5],
    /// Jobs accepted by the API.
    pub jobs_submitted: AtomicU64,
    /// Jobs answered from the result cache.
    pub cache_hits: AtomicU64,
    /// Job runs repeated after a worker died.
    pub job_retries: AtomicU64,
    /// Worker processes started.
    pub workers_started: AtomicU64,
    /// Worker processes that exited without being asked to.
    pub worker_crashes: AtomicU64,
    /// Worker processes alive.
    pub workers_alive: AtomicU64,
    /// Workers running a job.
    pub workers_busy: AtomicU64,
    /// Jobs waiting for a worker.
    pub queue_depth: AtomicU64,
    /// Blobs written (a blob the store had is not counted).
    pub blobs_stored: AtomicU64,
    /// Bytes of blobs written.
    pub blob_bytes_stored: AtomicU64,
    /// HTTP requests answered with an error status (4xx/5xx).
    pub http_errors: AtomicU64,
    durations: Mutex<[Histogram; 7]>,
}

impl Metrics {
    /// Sets the per-state job counts (at start-up, from the store).
    pub fn set_job_counts(&self, counts: [u64; 5]) {
        for (gauge, n) in self.jobs_by_state.iter().zip(counts) {
            gauge.store(n as i64, Ordering::Relaxed);
        }
    }

    /// A job moved from `from` (none for a new job) to `to`.
    pub fn transition(&self, from: Option<JobState>, to: JobState) {
        let index = |s: JobState| JobState::ALL.iter().position(|&x| x == s).unwrap_or(0);
        if let Some(from) = from {
            self.jobs_by_state[index(from)].fetch_sub(1, Ordering::Relaxed);
        }
        self.jobs_by_state[index(to)].fetch_add(1, Ordering::Relaxed);
    }

    /// Number of jobs now in `state`.
    pub fn jobs_in(&self, state: JobState) -> i64 {
        let i = JobState::ALL.iter().position(|&x| x == state).unwrap_or(0);
        self.jobs_by_state[i].load(Ordering::Relaxed)
    }

    /// Records `secs` spent in `phase` by one job.
    pub fn observe(&self, phase: Phase, secs: f64) {
        let Ok(mut hs) = self.durations.lock() else {
            return;
        };
        let i = Phase::ALL.iter().position(|&p| p == phase).unwrap_or(0);
        let h = &mut hs[i];
        for (bucket, &bound) in h.counts.iter_mut().zip(&BUCKETS) {
            if secs <= bound {
                *bucket += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    /// The metrics in Prometheus text exposition format 0.0.4.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let counter = |out: &mut String, name: &str, help: &str, v: &AtomicU64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        };
        let gauge = |out: &mut String, name: &str, help: &str, v: &AtomicU64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        };
        gauge(
            &mut out,
            "cicada_queue_depth",
            "Jobs waiting for a worker.",
            &self.queue_depth,
        );
        gauge(
            &mut out,
            "cicada_workers",
            "Worker processes alive.",
            &self.workers_alive,
        );
        gauge(
            &mut out,
            "cicada_workers_busy",
            "Worker processes running a job.",
            &self.workers_busy,
        );
        let _ = writeln!(
            out,
            "# HELP cicada_jobs Jobs by state.\n# TYPE cicada_jobs gauge"
        );
        for (state, n) in JobState::ALL.iter().zip(&self.jobs_by_state) {
            let _ = writeln!(
                out,
                "cicada_jobs{{state=\"{}\"}} {}",
                state.as_str(),
                n.load(Ordering::Relaxed)
            );
        }
        counter(
            &mut out,
            "cicada_jobs_submitted_total",
            "Jobs accepted.",
            &self.jobs_submitted,
        );
        counter(
            &mut out,
            "cicada_cache_hits_total",
            "Jobs answered from the result cache.",
            &self.cache_hits,
        );
        counter(
            &mut out,
            "cicada_job_retries_total",
            "Job runs repeated after a worker died.",
            &self.job_retries,
        );
        counter(
            &mut out,
            "cicada_workers_started_total",
            "Worker processes started.",
            &self.workers_started,
        );
        counter(
            &mut out,
            "cicada_worker_crashes_total",
            "Worker processes that died unasked.",
            &self.worker_crashes,
        );
        counter(
            &mut out,
            "cicada_blobs_stored_total",
            "Blobs written to the store.",
            &self.blobs_stored,
        );
        counter(
            &mut out,
            "cicada_blob_bytes_stored_total",
            "Bytes of blobs written.",
            &self.blob_bytes_stored,
        );
        counter(
            &mut out,
            "cicada_http_errors_total",
            "HTTP responses with a 4xx or 5xx status.",
            &self.http_errors,
        );
        let name = "cicada_job_phase_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time jobs spent in each phase.\n# TYPE {name} histogram"
        );
        if let Ok(hs) = self.durations.lock() {
            for (phase, h) in Phase::ALL.iter().zip(hs.iter()) {
                let p = phase.name();
                for (bound, n) in BUCKETS.iter().zip(&h.counts) {
                    let _ = writeln!(out, "{name}_bucket{{phase=\"{p}\",le=\"{bound}\"}} {n}");
                }
                let _ = writeln!(
                    out,
                    "{name}_bucket{{phase=\"{p}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(out, "{name}_sum{{phase=\"{p}\"}} {}", h.sum);
                let _ = writeln!(out, "{name}_count{{phase=\"{p}\"}} {}", h.count);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.observe(Phase::Compute, 0.02);
        m.observe(Phase::Compute, 2.0);
        let text = m.render();
        assert!(text.contains("cicada_job_phase_seconds_bucket{phase=\"compute\",le=\"0.05\"} 1"));
        assert!(text.contains("cicada_job_phase_seconds_bucket{phase=\"compute\",le=\"5\"} 2"));
        assert!(text.contains("cicada_job_phase_seconds_count{phase=\"compute\"} 2"));
    }

    #[test]
    fn transitions_move_counts() {
        let m = Metrics::default();
        m.transition(None, JobState::Queued);
        m.transition(Some(JobState::Queued), JobState::Running);
        assert_eq!(m.jobs_in(JobState::Queued), 0);
        assert_eq!(m.jobs_in(JobState::Running), 1);
    }
}
