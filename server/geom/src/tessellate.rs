//! Tessellation of NURBS surfaces to a quad grid within a chord tolerance, an angle tolerance
//! and an optional maximum edge length (the knobs of Rhino's mesher).
//!
//! The grid starts at the knot lines (where the surface may crease) and is refined by
//! cutting whole parameter intervals, so the grid never has T-junctions. A cell passes when
//! the surface at a 4 × 4 lattice of interior samples lies within the chord tolerance of the
//! mesh it becomes (two triangles split along the a–c diagonal, interpolated through the
//! parameter plane), its corner normals differ by at most the angle tolerance, and its edges
//! are no longer than the maximum. The same dense measure gives the achieved deviation that is
//! reported, so the report never claims more than was checked.
//!
//! Trimmed faces (inner and outer loops) are not handled here yet.

use crate::nurbs::NurbsSurface;
use crate::nurbs::unit_normal;
use crate::vec3::{Point3, Vector3};

/// How fine a tessellation must be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TessellationOptions {
    /// Largest distance between the surface and the mesh, model units (> 0).
    pub chord_tolerance: f64,
    /// Largest angle between the normals at two corners of a cell, radians; `PI` to ignore.
    pub angle_tolerance: f64,
    /// Longest mesh edge, model units; `None` for no limit.
    pub max_edge_length: Option<f64>,
    /// Most grid lines per direction, a guard against runaway refinement.
    pub max_lines: usize,
}

impl Default for TessellationOptions {
    fn default() -> Self {
        TessellationOptions {
            chord_tolerance: 0.01,
            angle_tolerance: 20f64.to_radians(),
            max_edge_length: None,
            max_lines: 4096,
        }
    }
}

/// A tessellated surface: a grid of quads with surface points, normals and parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct SurfaceMesh {
    /// Grid points, v fastest: point `(i, j)` is `positions[i * nv + j]`.
    pub positions: Vec<Point3>,
    /// Surface normals at the points (zero where the surface has none, at a pole).
    pub normals: Vec<Vector3>,
    /// Parameters `(u, v)` of the points.
    pub uv: Vec<[f64; 2]>,
    /// Quads `[a, b, c, d]`, counter-clockwise seen along the normal `S_u × S_v`.
    pub faces: Vec<[u32; 4]>,
    /// Largest surface-to-mesh distance found by the dense check.
    pub max_deviation: f64,
    /// False when `max_lines` stopped refinement before every cell passed.
    pub converged: bool,
}

/// Samples per cell side in the dense check (a (N + 1) × (N + 1) lattice per cell).
const N: usize = 5;

struct Grid<'a> {
    surface: &'a NurbsSurface,
    us: Vec<f64>,
    vs: Vec<f64>,
    points: Vec<Point3>,
    normals: Vec<Option<Vector3>>,
    /// The surface on the lattice that cuts every cell into N × N, v fastest.
    samples: Vec<Point3>,
}

/// `lines` with each interval cut into N equal parts.
fn lattice(lines: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(lines.len() * N);
    for w in lines.windows(2) {
        out.extend((0..N).map(|s| w[0] + (w[1] - w[0]) * s as f64 / N as f64));
    }
    out.extend(lines.last());
    out
}

impl Grid<'_> {
    fn evaluate(&mut self) {
        self.points.clear();
        self.normals.clear();
        for &u in &self.us {
            for &v in &self.vs {
                let (p, su, sv) = self.surface.frame_at(u, v);
                self.points.push(p);
                self.normals.push(unit_normal(su, sv));
            }
        }
        // Every cell's dense check in one pass over the net, row by row.
        self.samples = self
            .surface
            .points_on_grid(&lattice(&self.us), &lattice(&self.vs));
    }

    fn at(&self, i: usize, j: usize) -> usize {
        i * self.vs.len() + j
    }

    /// Largest distance between the surface and the cell's two triangles at a 4 × 4 lattice
    /// of interior parameter samples (plus the cell's edge midpoints).
    fn cell_deviation(&self, i: usize, j: usize) -> f64 {
        let a = self.points[self.at(i, j)];
        let b = self.points[self.at(i + 1, j)];
        let c = self.points[self.at(i + 1, j + 1)];
        let d = self.points[self.at(i, j + 1)];
        let mut worst: f64 = 0.0;
        let stride = N * (self.vs.len() - 1) + 1;
        for si in 0..=N {
            for sj in 0..=N {
                let (s, t) = (si as f64 / N as f64, sj as f64 / N as f64);
                // Triangles a-b-c (below the diagonal, s >= t) and a-c-d, mapped linearly.
                let mesh = if s >= t {
                    a + (b - a) * (s - t) + (c - a) * t
                } else {
                    a + (c - a) * s + (d - a) * (t - s)
                };
                let surface = self.samples[(N * i + si) * stride + N * j + sj];
                worst = worst.max(surface.distance(mesh));
            }
        }
        worst
    }

    /// Sag of the cell's edges: the largest distance between the surface at an edge's
    /// parameter midpoint and the edge's midpoint, over the two u edges and the two v edges.
    fn edge_sag(&self, i: usize, j: usize) -> (f64, f64) {
        let (um, vm) = (
            (self.us[i] + self.us[i + 1]) / 2.0,
            (self.vs[j] + self.vs[j + 1]) / 2.0,
        );
        let mid = |p: usize, q: usize| self.points[p] + (self.points[q] - self.points[p]) * 0.5;
        let along_u = [j, j + 1]
            .iter()
            .map(|&jj| {
                self.surface
                    .point_at(um, self.vs[jj])
                    .distance(mid(self.at(i, jj), self.at(i + 1, jj)))
            })
            .fold(0.0, f64::max);
        let along_v = [i, i + 1]
            .iter()
            .map(|&ii| {
                self.surface
                    .point_at(self.us[ii], vm)
                    .distance(mid(self.at(ii, j), self.at(ii, j + 1)))
            })
            .fold(0.0, f64::max);
        (along_u, along_v)
    }

    /// The largest turn of the normal along u and along v across the cell, as cosines.
    fn normal_turn(&self, i: usize, j: usize) -> (f64, f64) {
        let cos = |p: usize, q: usize| match (self.normals[p], self.normals[q]) {
            (Some(a), Some(b)) => a.dot(b),
            _ => 1.0,
        };
        let u = cos(self.at(i, j), self.at(i + 1, j))
            .min(cos(self.at(i, j + 1), self.at(i + 1, j + 1)));
        let v = cos(self.at(i, j), self.at(i, j + 1))
            .min(cos(self.at(i + 1, j), self.at(i + 1, j + 1)));
        (u, v)
    }

    fn angle_ok(&self, i: usize, j: usize, limit: f64) -> bool {
        let corners = [
            self.at(i, j),
            self.at(i + 1, j),
            self.at(i + 1, j + 1),
            self.at(i, j + 1),
        ];
        let cos_limit = limit.cos();
        for x in 0..4 {
            for y in x + 1..4 {
                if let (Some(p), Some(q)) = (self.normals[corners[x]], self.normals[corners[y]])
                    && p.dot(q) < cos_limit
                {
                    return false;
                }
            }
        }
        true
    }
}

/// Distinct knot values inside `[lo, hi]`, with both ends.
fn knot_lines(knots: &[f64], (lo, hi): (f64, f64)) -> Vec<f64> {
    let mut out = vec![lo];
    for &k in knots {
        if k > lo && k < hi && out.last().is_some_and(|&l| k > l) {
            out.push(k);
        }
    }
    out.push(hi);
    out
}

/// Cuts interval `k` of `lines` into `pieces[k]` equal parts.
fn subdivide(lines: &mut Vec<f64>, pieces: &[usize]) {
    let mut out = Vec::with_capacity(lines.len() * 2);
    for (k, w) in lines.windows(2).enumerate() {
        out.push(w[0]);
        let n = pieces[k];
        for q in 1..n {
            out.push(w[0] + (w[1] - w[0]) * q as f64 / n as f64);
        }
    }
    if let Some(&last) = lines.last() {
        out.push(last);
    }
    *lines = out;
}

/// Tessellates `surface` as a quad grid meeting `options`.
// Cell indices address the grid, its parameter lines and the split marks together.
#[allow(clippy::needless_range_loop)]
pub fn tessellate_surface(surface: &NurbsSurface, options: &TessellationOptions) -> SurfaceMesh {
    let (du, dv) = surface.domain();
    let (ku, kv) = surface.knots();
    let mut grid = Grid {
        surface,
        us: knot_lines(ku, du),
        vs: knot_lines(kv, dv),
        points: Vec::new(),
        normals: Vec::new(),
        samples: Vec::new(),
    };
    // A cell with curvature but straight corners (a full circle from one span) would pass
    // the corner tests by accident; start from a few lines per span.
    let (pu, pv) = surface.degrees();
    for _ in 0..2 {
        if pu > 1 {
            let m = vec![2; grid.us.len() - 1];
            subdivide(&mut grid.us, &m);
        }
        if pv > 1 {
            let m = vec![2; grid.vs.len() - 1];
            subdivide(&mut grid.vs, &m);
        }
    }
    let mut converged = false;
    let mut max_deviation: f64;
    loop {
        grid.evaluate();
        let (nu, nv) = (grid.us.len() - 1, grid.vs.len() - 1);
        // How many pieces each parameter interval is cut into (1: kept). Sag shrinks with the
        // square of the piece length and the normal's turn linearly with it, so the count
        // comes from the ratio of the measured value to the limit rather than from halving,
        // which overshoots the needed line count by up to 2× per direction.
        let mut split_u = vec![1usize; nu];
        let mut split_v = vec![1usize; nv];
        let pieces = |ratio: f64| (ratio.ceil() as usize).clamp(2, 16);
        let tol = options.chord_tolerance;
        let max_turn = options.angle_tolerance;
        max_deviation = 0.0;
        for i in 0..nu {
            for j in 0..nv {
                let dev = grid.cell_deviation(i, j);
                max_deviation = max_deviation.max(dev);
                let (a, b, d) = (
                    grid.points[grid.at(i, j)],
                    grid.points[grid.at(i + 1, j)],
                    grid.points[grid.at(i, j + 1)],
                );
                if dev > tol {
                    // Split the direction that sags; a twisted cell whose edges are straight
                    // is split both ways.
                    let (sag_u, sag_v) = grid.edge_sag(i, j);
                    let half = tol / 2.0;
                    if sag_u > half || sag_v <= half {
                        split_u[i] = split_u[i].max(pieces((sag_u.max(dev) / (0.9 * tol)).sqrt()));
                    }
                    if sag_v > half || sag_u <= half {
                        split_v[j] = split_v[j].max(pieces((sag_v.max(dev) / (0.9 * tol)).sqrt()));
                    }
                }
                if !grid.angle_ok(i, j, max_turn) {
                    let (turn_u, turn_v) = grid.normal_turn(i, j);
                    let half = (max_turn / 2.0).cos();
                    let angle = |cos: f64| cos.clamp(-1.0, 1.0).acos();
                    if turn_u < half || turn_v >= half {
                        split_u[i] = split_u[i].max(pieces(angle(turn_u) / (0.95 * max_turn)));
                    }
                    if turn_v < half || turn_u >= half {
                        split_v[j] = split_v[j].max(pieces(angle(turn_v) / (0.95 * max_turn)));
                    }
                }
                // Rounding must not cut an edge of exactly the limit once more.
                if let Some(m) = options.max_edge_length.map(|m| m * (1.0 + 1e-9)) {
                    let (len_u, len_v) = (a.distance(b), a.distance(d));
                    // Length is exact, not an estimate: cut to the count it needs at once.
                    let by_length =
                        |len: f64| ((len / m).ceil() as usize).clamp(2, options.max_lines);
                    if len_u > m {
                        split_u[i] = split_u[i].max(by_length(len_u));
                    }
                    if len_v > m {
                        split_v[j] = split_v[j].max(by_length(len_v));
                    }
                }
            }
        }
        let added = |split: &[usize]| split.iter().map(|&k| k - 1).sum::<usize>();
        let (more_u, more_v) = (added(&split_u), added(&split_v));
        if more_u == 0 && more_v == 0 {
            converged = true;
            break;
        }
        if grid.us.len() + more_u > options.max_lines || grid.vs.len() + more_v > options.max_lines
        {
            break;
        }
        subdivide(&mut grid.us, &split_u);
        subdivide(&mut grid.vs, &split_v);
    }
    let (nu, nv) = (grid.us.len(), grid.vs.len());
    let mut faces = Vec::with_capacity((nu - 1) * (nv - 1));
    for i in 0..nu - 1 {
        for j in 0..nv - 1 {
            let at = |i: usize, j: usize| (i * nv + j) as u32;
            faces.push([at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)]);
        }
    }
    let uv = grid
        .us
        .iter()
        .flat_map(|&u| grid.vs.iter().map(move |&v| [u, v]))
        .collect();
    SurfaceMesh {
        positions: grid.points,
        normals: grid.normals.iter().map(|n| n.unwrap_or_default()).collect(),
        uv,
        faces,
        max_deviation,
        converged,
    }
}
