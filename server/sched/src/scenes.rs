//! The prepared scenes a worker holds, and the snapshots behind them. A job's scene comes
//! from the worker's memory when it held it already (`held`), else from its snapshot file
//! (`snapshot`: mapped and checked, no rebuild), else it is built (`built`) and its snapshot
//! written for the next worker. Memory is bounded: least recently used scenes are dropped
//! past the budget.

use std::any::Any;
use std::sync::{Arc, Mutex};

use cicada_protocol::worker::SceneStart;

use crate::execute::JobError;
use crate::snapshot::{Section, Snapshot, SnapshotError, SnapshotStore};

/// Prepared state that can be written to a snapshot and restored from one.
pub trait Prepared: Send + Sync + Sized + 'static {
    /// The state as named arrays.
    fn to_sections(&self) -> Vec<Section<'_>>;
    /// The state back from a checked snapshot (borrowing its mapped arrays where it can),
    /// or why the arrays do not make one.
    fn from_snapshot(snapshot: &Arc<Snapshot>) -> Result<Self, String>;
    /// Bytes it holds in memory, roughly.
    fn heap_bytes(&self) -> usize;
}

type Held = (String, Arc<dyn Any + Send + Sync>, usize);

/// A worker's prepared scenes.
pub struct Scenes {
    store: Option<SnapshotStore>,
    /// Appended to scene keys: snapshots are kept per backend.
    backend: &'static str,
    budget_bytes: usize,
    /// Most recently used last.
    held: Mutex<Vec<Held>>,
    /// The scene of the last job, how it was obtained and the seconds that took.
    last: Mutex<Option<(String, SceneStart, f64)>>,
}

impl Scenes {
    /// Scenes with snapshots in `store` (none: built every time), held in memory up to
    /// `budget_bytes`.
    pub fn new(store: Option<SnapshotStore>, backend: &'static str, budget_bytes: usize) -> Scenes {
        Scenes {
            store,
            backend,
            budget_bytes,
            held: Mutex::new(Vec::new()),
            last: Mutex::new(None),
        }
    }

    /// The prepared scene under `key`: held, restored from its snapshot, or built by
    /// `build` (and then written as a snapshot).
    pub fn get<T: Prepared>(
        &self,
        key: &str,
        build: impl FnOnce() -> Result<T, JobError>,
    ) -> Result<Arc<T>, JobError> {
        let started = std::time::Instant::now();
        if let Some(scene) = self.take_held::<T>(key) {
            self.record(key, SceneStart::Held, started);
            return Ok(scene);
        }
        let file_key = format!("{key}.{}", self.backend);
        let restored = self
            .store
            .as_ref()
            .and_then(|store| match store.load(&file_key) {
                Ok(snapshot) => match T::from_snapshot(&Arc::new(snapshot)) {
                    Ok(scene) => Some(scene),
                    Err(why) => {
                        tracing::warn!(%key, %why, "snapshot does not restore; rebuilding");
                        None
                    }
                },
                Err(SnapshotError::Absent) => None,
                Err(e) => {
                    tracing::warn!(%key, error = %e, "snapshot not used; rebuilding");
                    None
                }
            });
        let (scene, start) = match restored {
            Some(scene) => (scene, SceneStart::Snapshot),
            None => {
                let scene = build()?;
                if let Some(store) = &self.store
                    && let Err(e) = store.save(&file_key, &scene.to_sections())
                {
                    tracing::warn!(%key, error = %e, "could not write the snapshot");
                }
                (scene, SceneStart::Built)
            }
        };
        let scene = Arc::new(scene);
        self.hold(key, scene.clone(), scene.heap_bytes());
        self.record(key, start, started);
        Ok(scene)
    }

    /// True when the scene under `key` is held or has a snapshot file, so a job on it can
    /// skip reading its scene input.
    pub fn has(&self, key: &str) -> bool {
        let held = self
            .held
            .lock()
            .is_ok_and(|h| h.iter().any(|(k, _, _)| k == key));
        held || self
            .store
            .as_ref()
            .is_some_and(|s| s.contains(&format!("{key}.{}", self.backend)))
    }

    fn take_held<T: Prepared>(&self, key: &str) -> Option<Arc<T>> {
        let mut held = self.held.lock().ok()?;
        let at = held.iter().position(|(k, _, _)| k == key)?;
        let entry = held.remove(at);
        let scene = entry.1.clone().downcast::<T>().ok();
        held.push(entry);
        scene
    }

    fn hold(&self, key: &str, scene: Arc<dyn Any + Send + Sync>, bytes: usize) {
        let Ok(mut held) = self.held.lock() else {
            return;
        };
        held.retain(|(k, _, _)| k != key);
        held.push((key.to_string(), scene, bytes));
        // Oldest first out, but never the one just used.
        while held.len() > 1 && held.iter().map(|h| h.2).sum::<usize>() > self.budget_bytes {
            held.remove(0);
        }
    }

    fn record(&self, key: &str, start: SceneStart, started: std::time::Instant) {
        if let Ok(mut last) = self.last.lock() {
            *last = Some((key.to_string(), start, started.elapsed().as_secs_f64()));
        }
    }

    /// The scene of the last job, how it was obtained and the seconds that took, once.
    pub fn take_last(&self) -> Option<(String, SceneStart, f64)> {
        self.last.lock().ok()?.take()
    }

    /// Keys of the scenes held in memory.
    pub fn held_keys(&self) -> Vec<String> {
        self.held
            .lock()
            .map(|h| h.iter().map(|(k, _, _)| k.clone()).collect())
            .unwrap_or_default()
    }
}

impl Prepared for cicada_compute::raycast::TriangleScene {
    fn to_sections(&self) -> Vec<Section<'_>> {
        cicada_compute::raycast::TriangleScene::to_sections(self)
    }

    fn from_snapshot(snapshot: &Arc<Snapshot>) -> Result<Self, String> {
        cicada_compute::raycast::TriangleScene::from_mapped(snapshot.clone(), |n| snapshot.range(n))
            .map_err(|e| e.to_string())
    }

    fn heap_bytes(&self) -> usize {
        cicada_compute::raycast::TriangleScene::heap_bytes(self)
    }
}
