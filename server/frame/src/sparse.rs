//! Symmetric sparse matrices (upper triangle, compressed columns) and their Cholesky
//! factorisation through faer: AMD ordering, simplicial or supernodal LLᵀ by faer's
//! flop-count rule.
//!
//! The matrix is equilibrated first (`S = D^-½ K D^-½`, unit diagonal), so the factor's
//! pivots are comparable across DOFs of any unit: a pivot under [`SINGULAR_PIVOT`] means
//! the DOFs are (numerically) a mechanism. The symbolic factorisation depends only on the
//! pattern and is shared through a [`SymbolicCache`] by every model with the same
//! topology and supports.

use std::sync::{Arc, Mutex};

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::LltRegularization;
use faer::sparse::linalg::cholesky::{
    CholeskySymbolicParams, LltRef, SymbolicCholesky, SymbolicCholeskyRaw, SymmetricOrdering,
    factorize_symbolic_cholesky, simplicial, supernodal,
};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMatRef};
use faer::{Conj, MatMut, Par, Side};

/// Smallest acceptable squared pivot of the equilibrated matrix. A mechanism leaves a
/// pivot at roundoff level (1e-16 to 1e-14 of the unit diagonal); "rigid" members modelled
/// with stiffness multipliers of 1e6 to 1e8 leave legitimate pivots down to about 1e-12,
/// which must pass.
pub const SINGULAR_PIVOT: f64 = 1e-13;

/// A symmetric matrix stored as its upper triangle in sorted compressed columns.
#[derive(Clone, Debug, PartialEq)]
pub struct Symmetric {
    /// Order.
    pub n: usize,
    /// Column starts, `n + 1` entries.
    pub col_ptr: Vec<usize>,
    /// Row of each stored entry, sorted within a column, at most the column.
    pub row_idx: Vec<usize>,
    /// Values.
    pub values: Vec<f64>,
}

impl Symmetric {
    /// An all-zero matrix over a pattern given as sorted upper rows per column.
    pub fn from_columns(columns: &[Vec<usize>]) -> Symmetric {
        let mut col_ptr = Vec::with_capacity(columns.len() + 1);
        col_ptr.push(0);
        let mut row_idx = Vec::with_capacity(columns.iter().map(Vec::len).sum());
        for rows in columns {
            row_idx.extend_from_slice(rows);
            col_ptr.push(row_idx.len());
        }
        let values = vec![0.0; row_idx.len()];
        Symmetric {
            n: columns.len(),
            col_ptr,
            row_idx,
            values,
        }
    }

    /// Position of entry (row, col), `row <= col`, in the pattern.
    pub fn position(&self, row: usize, col: usize) -> Option<usize> {
        let range = self.col_ptr[col]..self.col_ptr[col + 1];
        self.row_idx[range.clone()]
            .binary_search(&row)
            .ok()
            .map(|i| range.start + i)
    }

    /// Adds `v` at (r, c) or (c, r), whichever is in the upper triangle.
    pub fn add(&mut self, r: usize, c: usize, v: f64) {
        let (r, c) = if r <= c { (r, c) } else { (c, r) };
        if let Some(p) = self.position(r, c) {
            self.values[p] += v;
        }
    }

    /// The diagonal.
    pub fn diagonal(&self) -> Vec<f64> {
        (0..self.n)
            .map(|c| {
                let end = self.col_ptr[c + 1];
                if end > self.col_ptr[c] && self.row_idx[end - 1] == c {
                    self.values[end - 1]
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// `y = A x`.
    pub fn mul(&self, x: &[f64], y: &mut [f64]) {
        y.iter_mut().for_each(|v| *v = 0.0);
        for c in 0..self.n {
            let mut acc = 0.0;
            for p in self.col_ptr[c]..self.col_ptr[c + 1] {
                let r = self.row_idx[p];
                let v = self.values[p];
                acc += v * x[r];
                if r != c {
                    y[r] += v * x[c];
                }
            }
            y[c] += acc;
        }
    }

    /// A hash of the pattern (order, columns, rows), the key of its symbolic factorisation.
    pub fn pattern_key(&self) -> [u8; 32] {
        let mut h = blake3::Hasher::new();
        h.update(&(self.n as u64).to_le_bytes());
        for v in &self.col_ptr {
            h.update(&(*v as u64).to_le_bytes());
        }
        for v in &self.row_idx {
            h.update(&(*v as u64).to_le_bytes());
        }
        *h.finalize().as_bytes()
    }
}

/// Recently used symbolic factorisations by pattern; cheap to clone and share.
#[derive(Clone, Default)]
pub struct SymbolicCache {
    entries: Arc<Mutex<Vec<CacheEntry>>>,
}

/// A pattern's key and its symbolic factorisation.
type CacheEntry = ([u8; 32], Arc<SymbolicCholesky<usize>>);

/// How many patterns a cache keeps.
const CACHE_ENTRIES: usize = 8;

impl SymbolicCache {
    /// An empty cache.
    pub fn new() -> SymbolicCache {
        SymbolicCache::default()
    }

    /// Entries the Cholesky factor of `a` would have (from its symbolic factorisation,
    /// which is kept for the numeric one), and whether that was already cached.
    pub fn factor_entries(&self, a: &Symmetric) -> Result<(usize, bool), SolveError> {
        let (symbolic, reused) = self.get_or_build(a)?;
        Ok((symbolic.len_val(), reused))
    }

    /// The symbolic factorisation of `a`'s pattern (AMD ordering), cached by pattern.
    fn get_or_build(
        &self,
        a: &Symmetric,
    ) -> Result<(Arc<SymbolicCholesky<usize>>, bool), SolveError> {
        let key = a.pattern_key();
        if let Ok(mut entries) = self.entries.lock()
            && let Some(i) = entries.iter().position(|(k, _)| *k == key)
        {
            let hit = entries.remove(i);
            let symbolic = hit.1.clone();
            entries.push(hit);
            return Ok((symbolic, true));
        }
        let pattern = SymbolicSparseColMatRef::new_checked(a.n, a.n, &a.col_ptr, None, &a.row_idx);
        let symbolic = factorize_symbolic_cholesky(
            pattern,
            Side::Upper,
            SymmetricOrdering::Amd,
            CholeskySymbolicParams::default(),
        )
        .map_err(|_| SolveError::OutOfMemory)?;
        let symbolic = Arc::new(symbolic);
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CACHE_ENTRIES {
                entries.remove(0);
            }
            entries.push((key, symbolic.clone()));
        }
        Ok((symbolic, false))
    }
}

/// Why a factorisation failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SolveError {
    /// The matrix is singular (or nearly): the listed equations (original numbering) are
    /// the pivots that vanished.
    #[error("matrix is singular")]
    Singular,
    /// Not enough memory for the factor.
    #[error("out of memory for the factorisation")]
    OutOfMemory,
}

/// A numeric Cholesky factorisation of an equilibrated symmetric matrix.
pub struct Factor {
    symbolic: Arc<SymbolicCholesky<usize>>,
    values: Vec<f64>,
    /// `D^-½`.
    scale: Vec<f64>,
    /// Whether the symbolic part came from the cache.
    pub symbolic_reused: bool,
    /// Entries of the factor L.
    pub factor_entries: usize,
    /// Seconds spent ordering and in the symbolic factorisation (0 when cached).
    pub symbolic_secs: f64,
}

impl Factor {
    /// Factorises `a` (plus `shift` on the equilibrated diagonal, for finding mechanisms),
    /// or says it is singular.
    pub fn new(a: &Symmetric, shift: f64, cache: &SymbolicCache) -> Result<Factor, SolveError> {
        let diag = a.diagonal();
        if diag.iter().any(|d| *d <= 0.0 || !d.is_finite()) {
            return Err(SolveError::Singular);
        }
        let scale: Vec<f64> = diag.iter().map(|d| 1.0 / d.sqrt()).collect();
        let mut values = a.values.clone();
        for c in 0..a.n {
            let range = a.col_ptr[c]..a.col_ptr[c + 1];
            for (v, &r) in values[range.clone()].iter_mut().zip(&a.row_idx[range]) {
                *v *= scale[r] * scale[c];
                if r == c {
                    *v += shift;
                }
            }
        }
        let clock = std::time::Instant::now();
        let (symbolic, symbolic_reused) = cache.get_or_build(a)?;
        let symbolic_secs = clock.elapsed().as_secs_f64();
        let pattern = SymbolicSparseColMatRef::new_checked(a.n, a.n, &a.col_ptr, None, &a.row_idx);
        let matrix = SparseColMatRef::new(pattern, &values);
        let par = Par::rayon(0);
        let mut l_values = vec![0.0f64; symbolic.len_val()];
        let mut mem = MemBuffer::try_new(
            symbolic.factorize_numeric_llt_scratch::<f64>(par, Default::default()),
        )
        .map_err(|_| SolveError::OutOfMemory)?;
        symbolic
            .factorize_numeric_llt(
                &mut l_values,
                matrix,
                Side::Upper,
                LltRegularization::default(),
                par,
                MemStack::new(&mut mem),
                Default::default(),
            )
            .map_err(|_| SolveError::Singular)?;
        let factor_entries = l_values.len();
        let factor = Factor {
            symbolic,
            values: l_values,
            scale,
            symbolic_reused,
            factor_entries,
            symbolic_secs,
        };
        if factor.min_squared_pivot() < SINGULAR_PIVOT {
            return Err(SolveError::Singular);
        }
        Ok(factor)
    }

    /// Order of the factored matrix.
    pub fn n(&self) -> usize {
        self.scale.len()
    }

    /// The smallest squared diagonal entry of L.
    fn min_squared_pivot(&self) -> f64 {
        let mut min = f64::INFINITY;
        match self.symbolic.raw() {
            SymbolicCholeskyRaw::Simplicial(s) => {
                let llt = simplicial::SimplicialLltRef::new(s, &self.values);
                let cp = s.col_ptr();
                let ri = s.row_idx();
                let vals = llt.values();
                for j in 0..s.nrows() {
                    for p in cp[j]..cp[j + 1] {
                        if ri[p] == j {
                            min = min.min(vals[p] * vals[p]);
                        }
                    }
                }
            }
            SymbolicCholeskyRaw::Supernodal(s) => {
                let llt = supernodal::SupernodalLltRef::new(s, &self.values);
                for k in 0..s.n_supernodes() {
                    let node = llt.supernode(k);
                    let val = node.val();
                    for j in 0..val.ncols() {
                        let v = val[(j, j)];
                        min = min.min(v * v);
                    }
                }
            }
        }
        min
    }

    /// Solves `A X = B` in place for every column of `b` (column-major, `n` rows).
    pub fn solve_in_place(&self, b: &mut [f64], columns: usize) {
        let n = self.n();
        if n == 0 || columns == 0 {
            return;
        }
        for col in b.chunks_mut(n) {
            for (v, s) in col.iter_mut().zip(&self.scale) {
                *v *= s;
            }
        }
        let par = Par::rayon(0);
        let llt = LltRef::<usize, f64>::new(&self.symbolic, &self.values);
        let mut mem = MemBuffer::new(self.symbolic.solve_in_place_scratch::<f64>(columns, par));
        let rhs = MatMut::from_column_major_slice_mut(b, n, columns);
        llt.solve_in_place_with_conj(Conj::No, rhs, par, MemStack::new(&mut mem));
        for col in b.chunks_mut(n) {
            for (v, s) in col.iter_mut().zip(&self.scale) {
                *v *= s;
            }
        }
    }

    /// Solves the equilibrated system `S x = b` (no scaling on either side); for the
    /// mechanism search, which works in scaled coordinates.
    pub fn solve_scaled_in_place(&self, b: &mut [f64]) {
        let n = self.n();
        let par = Par::rayon(0);
        let llt = LltRef::<usize, f64>::new(&self.symbolic, &self.values);
        let mut mem = MemBuffer::new(self.symbolic.solve_in_place_scratch::<f64>(1, par));
        let rhs = MatMut::from_column_major_slice_mut(b, n, 1);
        llt.solve_in_place_with_conj(Conj::No, rhs, par, MemStack::new(&mut mem));
    }

    /// `D^-½`, the equilibration of this factor.
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tridiagonal(n: usize, diag: f64) -> Symmetric {
        let columns: Vec<Vec<usize>> = (0..n)
            .map(|c| if c == 0 { vec![0] } else { vec![c - 1, c] })
            .collect();
        let mut a = Symmetric::from_columns(&columns);
        for c in 0..n {
            a.add(c, c, diag);
            if c > 0 {
                a.add(c - 1, c, -1.0);
            }
        }
        a
    }

    #[test]
    fn solves_a_tridiagonal_system() {
        let a = tridiagonal(50, 4.0);
        let x: Vec<f64> = (0..50).map(|i| (i as f64 * 0.37).sin()).collect();
        let mut b = vec![0.0; 50];
        a.mul(&x, &mut b);
        let cache = SymbolicCache::new();
        let f = Factor::new(&a, 0.0, &cache).unwrap();
        assert!(!f.symbolic_reused);
        f.solve_in_place(&mut b, 1);
        for (u, v) in b.iter().zip(&x) {
            assert!((u - v).abs() < 1e-12);
        }
        assert!(Factor::new(&a, 0.0, &cache).unwrap().symbolic_reused);
    }

    #[test]
    fn a_singular_matrix_is_refused() {
        // The 1-D Laplacian with free ends has the constant vector in its null space.
        let mut a = tridiagonal(30, 2.0);
        a.add(0, 0, -1.0);
        a.add(29, 29, -1.0);
        let cache = SymbolicCache::new();
        assert!(matches!(
            Factor::new(&a, 0.0, &cache),
            Err(SolveError::Singular)
        ));
        assert!(Factor::new(&a, 1e-6, &cache).is_ok());
    }
}
