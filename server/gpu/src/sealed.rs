//! Files sealed with their BLAKE3 hash, for compiled kernels kept between workers: a file
//! that was truncated, damaged or half-written reads as absent and is made again, never
//! handed to a driver.

use std::path::Path;

const SEAL: usize = 32;

/// The contents of `path` when its seal holds.
pub(crate) fn read(path: &Path) -> Option<Vec<u8>> {
    let bytes = std::fs::read(path).ok()?;
    if bytes.len() < SEAL {
        return None;
    }
    let (seal, data) = bytes.split_at(SEAL);
    (blake3::hash(data).as_bytes() == seal).then(|| data.to_vec())
}

/// Writes `data` sealed, whole or not at all (a temporary file renamed into place).
pub(crate) fn write(path: &Path, data: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut bytes = Vec::with_capacity(SEAL + data.len());
    bytes.extend_from_slice(blake3::hash(data).as_bytes());
    bytes.extend_from_slice(data);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_damaged_or_short_file_reads_as_absent() {
        let dir = std::env::temp_dir().join(format!("cicada-sealed-{}", std::process::id()));
        let file = dir.join("k.bin");
        super::write(&file, b"kernel bytes").unwrap();
        assert_eq!(super::read(&file).as_deref(), Some(&b"kernel bytes"[..]));
        let mut bytes = std::fs::read(&file).unwrap();
        *bytes.last_mut().unwrap() ^= 1;
        std::fs::write(&file, &bytes).unwrap();
        assert_eq!(super::read(&file), None);
        std::fs::write(&file, &bytes[..bytes.len() - 3]).unwrap();
        assert_eq!(super::read(&file), None);
        std::fs::write(&file, b"short").unwrap();
        assert_eq!(super::read(&file), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
