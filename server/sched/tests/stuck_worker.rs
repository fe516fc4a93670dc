//! A worker whose kernel never looks at its cancellation: the run loop asks it to stop,
//! waits the grace period, then kills it and starts another. The worker here is a shell
//! script speaking the worker protocol that ignores `cancel`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cicada_protocol::{JobKind, JobState, JobStatus};
use cicada_sched::scheduler::{PoolConfig, Prices};
use cicada_sched::{Metrics, Scheduler, SchedulerConfig, Store};

/// Announces itself, then on any command that is not a `cancel` becomes a sleep of an hour
/// (a kernel that never checks; `exec`, so killing the worker kills the sleep); `cancel`
/// lines are read and ignored.
const STUCK_WORKER: &str = r#"echo '{"ready":{"pid":'$$',"backend":"cpu","device":"stuck"}}'
while read -r line; do
  case "$line" in
    *'"cancel"'*) ;;
    *) exec sleep 3600 ;;
  esac
done"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_ignores_cancel_is_killed_after_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    let status = JobStatus::queued(
        "job-1".into(),
        JobKind::MeshCheck,
        "k".into(),
        cicada_sched::now_unix_ms(),
    );
    store.insert_job(&status, b"unused").unwrap();
    let metrics = Arc::new(Metrics::default());
    let config = SchedulerConfig {
        pool: PoolConfig {
            min_workers: 1,
            max_workers: 1,
            buffer_workers: 0,
            idle_timeout: Duration::from_secs(60),
        },
        backend: "cpu".into(),
        devices: 1,
        max_attempts: 3,
        worker_command: (
            "sh".into(),
            vec!["-c".into(), STUCK_WORKER.into(), "worker".into()],
        ),
        shutdown_grace: Duration::from_secs(1),
        prices: Prices {
            serverless_per_worker_sec: 0.001,
            dedicated_per_hour: 1.0,
        },
    };
    let scheduler = Scheduler::start(config, store.clone(), metrics.clone()).unwrap();
    scheduler.enqueue(&status);
    let deadline = Instant::now() + Duration::from_secs(10);
    while store.status("job-1").unwrap().unwrap().state != JobState::Running {
        assert!(Instant::now() < deadline, "the job never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let first = scheduler.workers().await.unwrap().workers[0].pid;
    let asked = Instant::now();
    let cancelled = scheduler.cancel("job-1").await.unwrap();
    assert_eq!(cancelled.state, JobState::Cancelled);
    // Still the same worker inside the grace period; a new one within a second after it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(scheduler.workers().await.unwrap().workers[0].pid, first);
    loop {
        let view = scheduler.workers().await.unwrap();
        let replaced = view
            .workers
            .iter()
            .any(|w| w.pid.is_some() && w.pid != first && w.state == "idle");
        if replaced {
            break;
        }
        assert!(asked.elapsed() < Duration::from_secs(6), "{view:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        asked.elapsed() >= Duration::from_secs(2),
        "killed before the grace period"
    );
    assert_eq!(
        metrics
            .workers_started
            .load(std::sync::atomic::Ordering::Relaxed),
        2
    );
    // The job stays cancelled; nothing ran it again.
    assert_eq!(
        store.status("job-1").unwrap().unwrap().state,
        JobState::Cancelled
    );
    scheduler.shutdown().await;
}
