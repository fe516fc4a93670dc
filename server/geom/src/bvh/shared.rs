//! Arrays a hierarchy owns, or borrows from bytes that outlive it (a snapshot file mapped
//! into memory), so a restored hierarchy is used where it lies instead of being copied.

// Borrowing from mapped bytes needs a pointer kept beside the owner of the bytes; the two
// uses below say why they are sound.
#![allow(unsafe_code)]

use std::sync::Arc;

/// Bytes that stay at one address, unchanged, for as long as the object lives: a read-only
/// file mapping, say.
///
/// # Safety
///
/// `bytes` must return the same slice (address and length) every time, and nothing may
/// write to it while the object lives.
pub unsafe trait StableBytes: Send + Sync {
    /// The bytes.
    fn bytes(&self) -> &[u8];
}

/// A read-only array: owned, or borrowed from [`StableBytes`] it keeps alive.
pub(crate) enum Arr<T: bytemuck::Pod> {
    Owned(Vec<T>),
    Shared {
        ptr: *const T,
        len: usize,
        _keep: Arc<dyn StableBytes>,
    },
}

// SAFETY: a shared array points into bytes that are immutable and live as long as the
// `Arc` it holds, which is itself Send + Sync; an owned one is a Vec of Pod data.
unsafe impl<T: bytemuck::Pod + Send> Send for Arr<T> {}
// SAFETY: as above; the array is never written through either variant.
unsafe impl<T: bytemuck::Pod + Sync> Sync for Arr<T> {}

impl<T: bytemuck::Pod> Arr<T> {
    /// Borrows `range` of `backing` as `T`s, or `None` when the range is not a whole,
    /// aligned number of them inside the bytes.
    pub(crate) fn shared(
        backing: &Arc<dyn StableBytes>,
        range: std::ops::Range<usize>,
    ) -> Option<Arr<T>> {
        let bytes = backing.bytes().get(range)?;
        let items: &[T] = bytemuck::try_cast_slice(bytes).ok()?;
        Some(Arr::Shared {
            ptr: items.as_ptr(),
            len: items.len(),
            _keep: backing.clone(),
        })
    }
}

impl<T: bytemuck::Pod> std::ops::Deref for Arr<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match self {
            Arr::Owned(v) => v,
            // SAFETY: `ptr` and `len` came from a checked cast of bytes that `_keep` owns
            // and that never move or change (`StableBytes`), so they are valid, aligned and
            // initialised for as long as `self` is.
            Arr::Shared { ptr, len, .. } => unsafe { std::slice::from_raw_parts(*ptr, *len) },
        }
    }
}

impl<T: bytemuck::Pod> From<Vec<T>> for Arr<T> {
    fn from(v: Vec<T>) -> Self {
        Arr::Owned(v)
    }
}

impl<T: bytemuck::Pod> Clone for Arr<T> {
    fn clone(&self) -> Self {
        match self {
            Arr::Owned(v) => Arr::Owned(v.clone()),
            Arr::Shared { ptr, len, _keep } => Arr::Shared {
                ptr: *ptr,
                len: *len,
                _keep: _keep.clone(),
            },
        }
    }
}

impl<T: bytemuck::Pod> std::fmt::Debug for Arr<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let how = if matches!(self, Arr::Owned(_)) {
            "owned"
        } else {
            "shared"
        };
        write!(f, "[{} items, {how}]", self.len())
    }
}
