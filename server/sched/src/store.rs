//! The embedded store in a data directory: job records in redb, payloads, blobs and results
//! as files.
//!
//! ```text
//! DATA/jobs.redb            job records (JobStatus, MessagePack) by job id
//! DATA/jobs/<id>.msgpack    the job as accepted
//! DATA/blobs/<ab>/<hash>    content-addressed blobs (BLAKE3 of the bytes)
//! DATA/results/<key>.msgpack  results by job key, shared by identical jobs
//! ```
//!
//! Files are written to a temporary name and renamed into place, so a reader (or a
//! restarted service) sees a whole file or none; a half-written blob never exists under its
//! hash.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use cicada_protocol::{BatchStatus, BlobHash, Format, JobState, JobStatus, Usage, decode, encode};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

const JOBS: TableDefinition<&str, &[u8]> = TableDefinition::new("jobs");
const BATCHES: TableDefinition<&str, &[u8]> = TableDefinition::new("batches");
const USAGE: TableDefinition<&str, &[u8]> = TableDefinition::new("usage");

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The job database failed.
    #[error("job database: {0}")]
    Db(String),
    /// A stored record does not decode (written by an incompatible version, or damaged).
    #[error("stored record {0} is unreadable: {1}")]
    Corrupt(String, String),
    /// A blob's bytes do not hash to the name it was offered under.
    #[error("blob bytes hash to {actual}, not {claimed}")]
    HashMismatch {
        /// The hash in the request.
        claimed: String,
        /// The hash of the bytes.
        actual: String,
    },
}

fn db_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Db(e.to_string())
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The file half of a data directory: payloads, blobs and results. Worker processes use
/// this alone; the job database belongs to the service process, which holds its lock.
pub struct Files {
    root: PathBuf,
}

/// The data directory of one service: its files and its job database.
pub struct Store {
    files: Files,
    db: Database,
}

impl Store {
    /// Opens (creating if needed) the store in `root`.
    pub fn open(root: &Path) -> Result<Store, StoreError> {
        let files = Files::open(root)?;
        let db_path = root.join("jobs.redb");
        let db = Database::create(&db_path).map_err(db_err)?;
        let tx = db.begin_write().map_err(db_err)?;
        tx.open_table(JOBS).map_err(db_err)?;
        tx.open_table(BATCHES).map_err(db_err)?;
        tx.open_table(USAGE).map_err(db_err)?;
        tx.commit().map_err(db_err)?;
        Ok(Store { files, db })
    }

    /// The payload, blob and result files.
    pub fn files(&self) -> &Files {
        &self.files
    }

    /// Records a new job: its payload file first, then its record, so a record never points
    /// at a missing payload.
    pub fn insert_job(&self, status: &JobStatus, payload: &[u8]) -> Result<(), StoreError> {
        self.files.put_job_payload(&status.id, payload)?;
        self.put_status(status)
    }

    /// Writes a job record (insert or replace).
    pub fn put_status(&self, status: &JobStatus) -> Result<(), StoreError> {
        let bytes = encode(status, Format::MsgPack).map_err(db_err)?;
        let tx = self.db.begin_write().map_err(db_err)?;
        {
            let mut t = tx.open_table(JOBS).map_err(db_err)?;
            t.insert(status.id.as_str(), bytes.as_slice())
                .map_err(db_err)?;
        }
        tx.commit().map_err(db_err)
    }

    /// The record of job `id`.
    pub fn status(&self, id: &str) -> Result<Option<JobStatus>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(JOBS).map_err(db_err)?;
        let Some(guard) = t.get(id).map_err(db_err)? else {
            return Ok(None);
        };
        decode(guard.value(), Format::MsgPack)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(id.to_string(), e.to_string()))
    }

    /// Every job record in one of `states`, oldest first.
    pub fn jobs_in(&self, states: &[JobState]) -> Result<Vec<JobStatus>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(JOBS).map_err(db_err)?;
        let mut out = Vec::new();
        for item in t.iter().map_err(db_err)? {
            let (key, value) = item.map_err(db_err)?;
            let status: JobStatus = decode(value.value(), Format::MsgPack)
                .map_err(|e| StoreError::Corrupt(key.value().to_string(), e.to_string()))?;
            if states.contains(&status.state) {
                out.push(status);
            }
        }
        out.sort_by(|a, b| (a.created_unix_ms, &a.id).cmp(&(b.created_unix_ms, &b.id)));
        Ok(out)
    }

    /// Records a batch: its id, time and jobs in variant order (`counts` are not kept).
    pub fn put_batch(&self, batch: &BatchStatus) -> Result<(), StoreError> {
        let bytes = encode(batch, Format::MsgPack).map_err(db_err)?;
        let tx = self.db.begin_write().map_err(db_err)?;
        {
            let mut t = tx.open_table(BATCHES).map_err(db_err)?;
            t.insert(batch.id.as_str(), bytes.as_slice())
                .map_err(db_err)?;
        }
        tx.commit().map_err(db_err)
    }

    /// The record of batch `id`, with the counts of its jobs' states now.
    pub fn batch(&self, id: &str) -> Result<Option<BatchStatus>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(BATCHES).map_err(db_err)?;
        let Some(guard) = t.get(id).map_err(db_err)? else {
            return Ok(None);
        };
        let mut batch: BatchStatus = decode(guard.value(), Format::MsgPack)
            .map_err(|e| StoreError::Corrupt(id.to_string(), e.to_string()))?;
        drop(guard);
        let mut counts = cicada_protocol::BatchCounts::default();
        for job in &batch.jobs {
            match self.status(job)?.map(|s| s.state) {
                Some(JobState::Queued) => counts.queued += 1,
                Some(JobState::Running) => counts.running += 1,
                Some(JobState::Succeeded) => counts.succeeded += 1,
                Some(JobState::Failed) | None => counts.failed += 1,
                Some(JobState::Cancelled) => counts.cancelled += 1,
            }
        }
        batch.counts = counts;
        Ok(Some(batch))
    }

    /// Keeps the usage totals, so they survive a restart.
    pub fn put_usage(&self, usage: &Usage) -> Result<(), StoreError> {
        let bytes = encode(usage, Format::MsgPack).map_err(db_err)?;
        let tx = self.db.begin_write().map_err(db_err)?;
        {
            let mut t = tx.open_table(USAGE).map_err(db_err)?;
            t.insert("usage", bytes.as_slice()).map_err(db_err)?;
        }
        tx.commit().map_err(db_err)
    }

    /// The usage totals kept by the last service on this data directory.
    pub fn usage(&self) -> Result<Option<Usage>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(USAGE).map_err(db_err)?;
        let Some(guard) = t.get("usage").map_err(db_err)? else {
            return Ok(None);
        };
        decode(guard.value(), Format::MsgPack)
            .map(Some)
            .map_err(|e| StoreError::Corrupt("usage".into(), e.to_string()))
    }

    /// Counts of job records by state, in [`JobState::ALL`] order.
    pub fn count_by_state(&self) -> Result<[u64; 5], StoreError> {
        let mut counts = [0u64; 5];
        for s in self.jobs_in(&JobState::ALL)? {
            if let Some(i) = JobState::ALL.iter().position(|&x| x == s.state) {
                counts[i] += 1;
            }
        }
        Ok(counts)
    }
}

impl Files {
    /// Opens (creating if needed) the file tree under `root`.
    pub fn open(root: &Path) -> Result<Files, StoreError> {
        for sub in ["jobs", "blobs", "results", "derived", "tmp"] {
            let dir = root.join(sub);
            fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        }
        Ok(Files {
            root: root.to_path_buf(),
        })
    }

    /// The data directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Writes `bytes` to `path` atomically (temporary file, fsync, rename).
    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
        let tmp = self
            .root
            .join("tmp")
            .join(format!("{}.tmp", uuid::Uuid::now_v7()));
        let mut f = fs::File::create(&tmp).map_err(io_err(&tmp))?;
        f.write_all(bytes).map_err(io_err(&tmp))?;
        f.sync_all().map_err(io_err(&tmp))?;
        drop(f);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        fs::rename(&tmp, path).map_err(io_err(path))
    }

    fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
        match fs::read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(path)(e)),
        }
    }

    fn blob_path(&self, hash: &BlobHash) -> PathBuf {
        let h = hash.as_str();
        self.root.join("blobs").join(&h[..2]).join(h)
    }

    /// Stores a blob after checking that `bytes` hash to `hash`; false when it was there.
    pub fn put_blob(&self, hash: &BlobHash, bytes: &[u8]) -> Result<bool, StoreError> {
        let actual = BlobHash::of(bytes);
        if &actual != hash {
            return Err(StoreError::HashMismatch {
                claimed: hash.to_string(),
                actual: actual.to_string(),
            });
        }
        let path = self.blob_path(hash);
        if path.exists() {
            return Ok(false);
        }
        self.write_atomic(&path, bytes)?;
        Ok(true)
    }

    /// The size of a stored blob, or `None` when the store lacks it.
    pub fn blob_size(&self, hash: &BlobHash) -> Option<u64> {
        fs::metadata(self.blob_path(hash)).ok().map(|m| m.len())
    }

    /// A stored blob's bytes.
    pub fn blob(&self, hash: &BlobHash) -> Result<Option<Vec<u8>>, StoreError> {
        Self::read_optional(&self.blob_path(hash))
    }

    fn job_path(&self, id: &str) -> PathBuf {
        self.root.join("jobs").join(format!("{id}.msgpack"))
    }

    /// Writes the payload of job `id`.
    pub fn put_job_payload(&self, id: &str, payload: &[u8]) -> Result<(), StoreError> {
        self.write_atomic(&self.job_path(id), payload)
    }

    /// The stored payload of job `id` (MessagePack).
    pub fn job_payload(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Self::read_optional(&self.job_path(id))
    }

    fn result_path(&self, key: &str) -> PathBuf {
        self.root.join("results").join(format!("{key}.msgpack"))
    }

    /// Stores the encoded result of the job with content key `key`.
    pub fn put_result(&self, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.write_atomic(&self.result_path(key), bytes)
    }

    /// The encoded result for content key `key`, if one was computed.
    pub fn result(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Self::read_optional(&self.result_path(key))
    }

    /// True when a result for `key` is stored.
    pub fn has_result(&self, key: &str) -> bool {
        self.result_path(key).exists()
    }

    fn derived_path(&self, key: &str) -> PathBuf {
        self.root.join("derived").join(key)
    }

    /// Stores data a kernel derived from its inputs (sky visibility) under content key
    /// `key` (hex), so a later job on the same inputs can skip that work.
    pub fn put_derived(&self, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.write_atomic(&self.derived_path(key), bytes)
    }

    /// Derived data stored under `key`, if any.
    pub fn derived(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Self::read_optional(&self.derived_path(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cicada_protocol::JobKind;

    fn status(id: &str, state: JobState, created: u64) -> JobStatus {
        let mut s = JobStatus::queued(id.into(), JobKind::MeshCheck, "k".into(), created);
        s.state = state;
        s.message = None;
        s
    }

    #[test]
    fn records_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            store
                .insert_job(&status("b", JobState::Queued, 2), b"payload")
                .unwrap();
            store
                .insert_job(&status("a", JobState::Queued, 1), b"p2")
                .unwrap();
            store
                .put_status(&status("c", JobState::Succeeded, 0))
                .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let queued: Vec<_> = store
            .jobs_in(&[JobState::Queued])
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(queued, ["a", "b"]);
        assert_eq!(store.files().job_payload("b").unwrap().unwrap(), b"payload");
        assert_eq!(store.count_by_state().unwrap(), [2, 0, 1, 0, 0]);
    }

    #[test]
    fn blob_hash_is_verified_and_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Files::open(dir.path()).unwrap();
        let hash = BlobHash::of(b"hello");
        assert!(store.put_blob(&hash, b"hello").unwrap());
        assert!(!store.put_blob(&hash, b"hello").unwrap());
        assert_eq!(store.blob_size(&hash), Some(5));
        let err = store.put_blob(&hash, b"hellO").unwrap_err();
        assert!(matches!(err, StoreError::HashMismatch { .. }));
    }
}
