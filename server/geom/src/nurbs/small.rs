//! A buffer on the stack when it is small, on the heap otherwise: the scratch arrays of one
//! NURBS evaluation, which a tessellation makes hundreds of thousands of times.

/// `len` values of `T`, inline up to `N`.
pub(crate) enum SmallBuf<T: Copy + Default, const N: usize> {
    Inline([T; N], usize),
    Heap(Vec<T>),
}

impl<T: Copy + Default, const N: usize> SmallBuf<T, N> {
    /// `len` default values.
    pub(crate) fn new(len: usize) -> Self {
        if len <= N {
            SmallBuf::Inline([T::default(); N], len)
        } else {
            SmallBuf::Heap(vec![T::default(); len])
        }
    }
}

impl<T: Copy + Default, const N: usize> std::ops::Deref for SmallBuf<T, N> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match self {
            SmallBuf::Inline(a, len) => &a[..*len],
            SmallBuf::Heap(v) => v,
        }
    }
}

impl<T: Copy + Default, const N: usize> std::ops::DerefMut for SmallBuf<T, N> {
    fn deref_mut(&mut self) -> &mut [T] {
        match self {
            SmallBuf::Inline(a, len) => &mut a[..*len],
            SmallBuf::Heap(v) => v,
        }
    }
}
