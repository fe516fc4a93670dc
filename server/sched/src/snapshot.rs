//! Snapshot files: the prepared state of a scene (validated geometry, tessellation, the BVH
//! in its flat layout) written once and restored by mapping the file, not by parsing or
//! rebuilding. A file is a header, a table of named sections and the sections themselves,
//! each 64-byte aligned; the header carries the format version, the key and a BLAKE3 hash of
//! everything after it, so a truncated, damaged or foreign file is found and rebuilt.
//!
//! The store has a size limit: after each write the least recently used files go until the
//! rest fits (a load touches its file's modification time). Files are only ever created by
//! renaming a finished temporary file and removed whole, so a mapping another worker holds
//! never changes under it.

// Mapping a file is `unsafe` in memmap2: the one use says why it is sound here.
#![allow(unsafe_code)]

use std::path::{Path, PathBuf};
use std::time::SystemTime;

const MAGIC: &[u8; 16] = b"CICADA-SNAPSHOT\n";
/// Bump when the layout of the header or of any section changes.
pub const FORMAT_VERSION: u32 = 1;
const HEADER: usize = 64;
const ENTRY: usize = 64;
const NAME: usize = 48;
const ALIGN: usize = 64;

pub use cicada_geom::bvh::Section;

/// Why a snapshot was not used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// There is no snapshot under the key.
    #[error("no snapshot")]
    Absent,
    /// The file exists but cannot be trusted: wrong magic, version or key, short, or its
    /// hash does not match. It has been removed.
    #[error("snapshot rejected: {0}")]
    Rejected(String),
    /// Reading or writing failed.
    #[error("snapshot i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// A snapshot file mapped into memory and checked.
pub struct Snapshot {
    map: memmap2::Mmap,
    sections: Vec<(String, std::ops::Range<usize>)>,
}

impl Snapshot {
    /// Where section `name` lies in the file.
    pub fn range(&self, name: &str) -> Option<std::ops::Range<usize>> {
        self.sections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, r)| r.clone())
    }

    /// The bytes of section `name`.
    pub fn section(&self, name: &str) -> Option<&[u8]> {
        self.sections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, r)| &self.map[r.clone()])
    }

    /// Size of the file.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True for an empty mapping (never, for a checked snapshot).
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

// SAFETY: the mapping is read-only and its file is never written in place (see `load`), so
// its bytes stay at one address, unchanged, while the mapping lives.
unsafe impl cicada_geom::bvh::StableBytes for Snapshot {
    fn bytes(&self) -> &[u8] {
        &self.map
    }
}

/// The snapshot directory of a data directory, with its size limit.
#[derive(Clone, Debug)]
pub struct SnapshotStore {
    dir: PathBuf,
    limit_bytes: u64,
}

fn pad(n: usize) -> usize {
    n.div_ceil(ALIGN) * ALIGN
}

impl SnapshotStore {
    /// A store in `dir` holding at most `limit_bytes` of snapshots.
    pub fn new(dir: PathBuf, limit_bytes: u64) -> SnapshotStore {
        SnapshotStore { dir, limit_bytes }
    }

    fn path(&self, key: &str) -> PathBuf {
        // Keys are hex digests plus a backend name; anything else is hashed into a name.
        let safe = key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            && key.len() <= 128;
        let name = if safe {
            key.to_string()
        } else {
            blake3::hash(key.as_bytes()).to_hex().to_string()
        };
        self.dir.join(format!("{name}.snap"))
    }

    /// True when a snapshot file exists under `key` (unchecked).
    pub fn contains(&self, key: &str) -> bool {
        self.path(key).exists()
    }

    /// Maps and checks the snapshot under `key`; a file that fails a check is removed.
    pub fn load(&self, key: &str) -> Result<Snapshot, SnapshotError> {
        let path = self.path(key);
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(SnapshotError::Absent);
            }
            Err(e) => return Err(e.into()),
        };
        // SAFETY: snapshot files are written to a temporary name and renamed into place, and
        // removed whole; nothing writes to a file under its final name, so the mapped bytes
        // cannot change while mapped.
        // Populated: the pages are mapped up front rather than faulted in one by one.
        let map = unsafe { memmap2::MmapOptions::new().populate().map(&file) }?;
        match check(&map, key) {
            Ok(sections) => {
                // Recency for the LRU limit; failing to record it only ages the file.
                let _ = file.set_modified(SystemTime::now());
                Ok(Snapshot { map, sections })
            }
            Err(why) => {
                let _ = std::fs::remove_file(&path);
                Err(SnapshotError::Rejected(why))
            }
        }
    }

    /// Writes `sections` under `key` (whole or not at all), then trims the store to its
    /// limit. Returns the file's size.
    pub fn save(&self, key: &str, sections: &[Section]) -> Result<u64, SnapshotError> {
        std::fs::create_dir_all(&self.dir)?;
        let bytes = encode(key, sections);
        let path = self.path(key);
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, &bytes)?;
        std::fs::rename(&tmp, &path)?;
        self.trim(Some(&path));
        Ok(bytes.len() as u64)
    }

    /// Total bytes of snapshots held.
    pub fn size(&self) -> u64 {
        self.files().iter().map(|(_, len, _)| len).sum()
    }

    fn files(&self) -> Vec<(PathBuf, u64, SystemTime)> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "snap"))
            .filter_map(|e| {
                let meta = e.metadata().ok()?;
                Some((e.path(), meta.len(), meta.modified().ok()?))
            })
            .collect()
    }

    /// Removes the least recently used snapshots until the rest fit the limit; `keep` (the
    /// one just written) goes last.
    fn trim(&self, keep: Option<&Path>) {
        let mut files = self.files();
        let mut total: u64 = files.iter().map(|(_, len, _)| len).sum();
        files.sort_by_key(|(path, _, time)| (Some(path.as_path()) == keep, *time));
        for (path, len, _) in files {
            if total <= self.limit_bytes {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                tracing::info!(file = %path.display(), bytes = len, "snapshot evicted");
                total -= len;
            }
        }
    }
}

/// The file's bytes: header, key, table, sections.
fn encode(key: &str, sections: &[Section]) -> Vec<u8> {
    let table_at = pad(HEADER + 4 + key.len());
    let mut at = pad(table_at + ENTRY * sections.len());
    let mut table = Vec::with_capacity(sections.len());
    for (name, data) in sections {
        table.push((name, at, data.len()));
        at = pad(at + data.len());
    }
    let mut out = vec![0u8; at];
    out[..16].copy_from_slice(MAGIC);
    out[16..20].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    out[20..24].copy_from_slice(&(sections.len() as u32).to_le_bytes());
    out[24..32].copy_from_slice(&(at as u64).to_le_bytes());
    out[HEADER..HEADER + 4].copy_from_slice(&(key.len() as u32).to_le_bytes());
    out[HEADER + 4..HEADER + 4 + key.len()].copy_from_slice(key.as_bytes());
    for (k, ((name, offset, len), (_, data))) in table.iter().zip(sections).enumerate() {
        let e = table_at + k * ENTRY;
        let n = name.len().min(NAME);
        out[e..e + n].copy_from_slice(&name.as_bytes()[..n]);
        out[e + NAME..e + NAME + 8].copy_from_slice(&(*offset as u64).to_le_bytes());
        out[e + NAME + 8..e + NAME + 16].copy_from_slice(&(*len as u64).to_le_bytes());
        out[*offset..*offset + len].copy_from_slice(data);
    }
    let hash = digest(&out[HEADER..]);
    out[32..64].copy_from_slice(hash.as_bytes());
    out
}

/// BLAKE3 of `bytes` on every core: hundreds of megabytes are checked on each restore.
fn digest(bytes: &[u8]) -> blake3::Hash {
    let mut h = blake3::Hasher::new();
    h.update_rayon(bytes);
    h.finalize()
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap_or([0; 4]))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]))
}

/// The section table of a mapped file, or why the file cannot be trusted.
fn check(b: &[u8], key: &str) -> Result<Vec<(String, std::ops::Range<usize>)>, String> {
    if b.len() < HEADER + 4 || &b[..16] != MAGIC {
        return Err("not a snapshot file".into());
    }
    let version = u32_at(b, 16);
    if version != FORMAT_VERSION {
        return Err(format!(
            "format {version}, this build reads {FORMAT_VERSION}"
        ));
    }
    if u64_at(b, 24) != b.len() as u64 {
        return Err(format!("{} bytes, header says {}", b.len(), u64_at(b, 24)));
    }
    if digest(&b[HEADER..]).as_bytes() != &b[32..64] {
        return Err("checksum mismatch".into());
    }
    let key_len = u32_at(b, HEADER) as usize;
    if b.get(HEADER + 4..HEADER + 4 + key_len) != Some(key.as_bytes()) {
        return Err("written for another key".into());
    }
    let count = u32_at(b, 20) as usize;
    let table_at = pad(HEADER + 4 + key_len);
    if table_at + count * ENTRY > b.len() {
        return Err("section table past the end".into());
    }
    (0..count)
        .map(|k| {
            let e = table_at + k * ENTRY;
            let name = &b[e..e + NAME];
            let name =
                String::from_utf8_lossy(&name[..name.iter().position(|&c| c == 0).unwrap_or(NAME)])
                    .into_owned();
            let (offset, len) = (
                u64_at(b, e + NAME) as usize,
                u64_at(b, e + NAME + 8) as usize,
            );
            match offset.checked_add(len) {
                Some(end) if end <= b.len() => Ok((name, offset..end)),
                _ => Err(format!("section {name} past the end")),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn sections() -> Vec<Section<'static>> {
        vec![
            (
                "a",
                Cow::Owned((0..1000u32).flat_map(|x| x.to_le_bytes()).collect()),
            ),
            ("empty", Cow::Owned(Vec::new())),
            ("b", Cow::Owned(b"seventeen bytes!!".to_vec())),
        ]
    }

    #[test]
    fn a_saved_snapshot_maps_back_section_by_section_aligned() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path().to_path_buf(), 1 << 30);
        store.save("k1.cpu", &sections()).unwrap();
        let snap = store.load("k1.cpu").unwrap();
        for (name, data) in sections() {
            let got = snap.section(name).unwrap();
            assert_eq!(got, data.as_ref());
            assert_eq!(got.as_ptr() as usize % ALIGN, 0, "{name} unaligned");
        }
        assert!(snap.section("c").is_none());
        assert!(matches!(store.load("k2.cpu"), Err(SnapshotError::Absent)));
    }

    #[test]
    fn truncated_tampered_foreign_and_old_files_are_rejected_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path().to_path_buf(), 1 << 30);
        let path = store.path("k.cpu");
        type Damage = Box<dyn Fn(&mut Vec<u8>)>;
        let cases: Vec<(&str, Damage)> = vec![
            ("truncated", Box::new(|b| b.truncate(b.len() - 100))),
            ("tampered", Box::new(|b| b[400] ^= 1)),
            ("old format", Box::new(|b| b[16] = 0)),
            ("empty", Box::new(|b| b.clear())),
        ];
        for (what, damage) in cases {
            store.save("k.cpu", &sections()).unwrap();
            let mut bytes = std::fs::read(&path).unwrap();
            damage(&mut bytes);
            std::fs::write(&path, &bytes).unwrap();
            assert!(
                matches!(store.load("k.cpu"), Err(SnapshotError::Rejected(_))),
                "{what} accepted"
            );
            assert!(!path.exists(), "{what} kept");
        }
        // A file renamed to another key's name is that other key's no longer.
        store.save("k.cpu", &sections()).unwrap();
        std::fs::rename(&path, store.path("other.cpu")).unwrap();
        assert!(matches!(
            store.load("other.cpu"),
            Err(SnapshotError::Rejected(_))
        ));
    }

    #[test]
    fn the_least_recently_used_go_first_when_over_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let one = encode("s0.cpu", &sections()).len() as u64;
        let store = SnapshotStore::new(dir.path().to_path_buf(), 3 * one);
        for k in 0..3 {
            store.save(&format!("s{k}.cpu"), &sections()).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        // s0 used again: s1 is now the oldest, and goes when s3 arrives.
        store.load("s0.cpu").unwrap();
        store.save("s3.cpu", &sections()).unwrap();
        assert!(store.load("s1.cpu").is_err());
        for k in [0, 2, 3] {
            assert!(store.load(&format!("s{k}.cpu")).is_ok(), "s{k} evicted");
        }
        assert!(store.size() <= 3 * one);
    }
}
