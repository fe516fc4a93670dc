// Preconditioned conjugate gradients in f64, one dispatch per step, scalars kept on the
// device so an iteration needs no round trip (the host reads the residual every few dozen
// iterations). The same steps as cicada-frame's `pcg::solve` and cuda/pcg.cu.
//
// Iteration: spmv_dot (q = K p, partial p·q) → reduce mode 0 (α = rz / pq) → update
// (x += α p, r −= α q, partial r·r) → precondition (z = M⁻¹ r, partial r·z) → reduce mode 1
// (β = rz' / rz, rz = rz', rr) → direction (p = z + β p).

const GROUP: u32 = 256u;

struct Params {
    n: u32,
    groups: u32,
    mode: u32,
    pad: u32,
};

// Scalars: 0 rz, 1 pq, 2 alpha, 3 beta, 4 rr.
@group(0) @binding(0) var<storage, read> row_ptr: array<u32>;
@group(0) @binding(1) var<storage, read> cols: array<u32>;
@group(0) @binding(2) var<storage, read> vals: array<f64>;
// Per row: its block's first row, the block's size, where the row's inverse values start.
@group(0) @binding(3) var<storage, read> pre_rows: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read> pre_vals: array<f64>;
@group(0) @binding(5) var<storage, read_write> x: array<f64>;
@group(0) @binding(6) var<storage, read_write> r: array<f64>;
@group(0) @binding(7) var<storage, read_write> z: array<f64>;
@group(0) @binding(8) var<storage, read_write> p: array<f64>;
@group(0) @binding(9) var<storage, read_write> q: array<f64>;
@group(0) @binding(10) var<storage, read_write> partial: array<f64>;
@group(0) @binding(11) var<storage, read_write> scalars: array<f64>;
@group(0) @binding(12) var<uniform> params: Params;

var<workgroup> sums: array<f64, 256>;

// Tree sum of `sums` over the workgroup (every invocation calls it; the result is in
// sums[0], read it before writing `sums` again).
fn tree_sum(local: u32) -> f64 {
    workgroupBarrier();
    var stride = GROUP / 2u;
    while (stride > 0u) {
        if (local < stride) {
            sums[local] = sums[local] + sums[local + stride];
        }
        workgroupBarrier();
        stride = stride / 2u;
    }
    return sums[0];
}

// Sums `v` over the workgroup into partial[base + group].
fn group_sum(v: f64, local: u32, group: u32, base: u32) {
    sums[local] = v;
    let total = tree_sum(local);
    if (local == 0u) {
        partial[base + group] = total;
    }
}

@compute @workgroup_size(256)
fn spmv_dot(@builtin(global_invocation_id) id: vec3<u32>,
            @builtin(local_invocation_id) lid: vec3<u32>,
            @builtin(workgroup_id) wid: vec3<u32>) {
    let i = id.x;
    var product = f64(0.0);
    if (i < params.n) {
        var acc = f64(0.0);
        for (var k = row_ptr[i]; k < row_ptr[i + 1u]; k = k + 1u) {
            acc = acc + vals[k] * p[cols[k]];
        }
        q[i] = acc;
        product = p[i] * acc;
    }
    group_sum(product, lid.x, wid.x, 0u);
}

@compute @workgroup_size(256)
fn update(@builtin(global_invocation_id) id: vec3<u32>,
          @builtin(local_invocation_id) lid: vec3<u32>,
          @builtin(workgroup_id) wid: vec3<u32>) {
    let i = id.x;
    var rr = f64(0.0);
    if (i < params.n) {
        let alpha = scalars[2];
        x[i] = x[i] + alpha * p[i];
        let ri = r[i] - alpha * q[i];
        r[i] = ri;
        rr = ri * ri;
    }
    group_sum(rr, lid.x, wid.x, 0u);
}

@compute @workgroup_size(256)
fn precondition(@builtin(global_invocation_id) id: vec3<u32>,
                @builtin(local_invocation_id) lid: vec3<u32>,
                @builtin(workgroup_id) wid: vec3<u32>) {
    let i = id.x;
    var rz = f64(0.0);
    if (i < params.n) {
        let row = pre_rows[i];
        var acc = f64(0.0);
        for (var j = 0u; j < row.y; j = j + 1u) {
            acc = acc + pre_vals[row.z + j] * r[row.x + j];
        }
        z[i] = acc;
        rz = r[i] * acc;
    }
    group_sum(rz, lid.x, wid.x, params.groups);
}

@compute @workgroup_size(256)
fn direction(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if (i < params.n) {
        p[i] = z[i] + scalars[3] * p[i];
    }
}

// One workgroup: the partial sums of the last kernels into the scalars.
// Mode 0: α = rz / (p·q). Mode 1: β = rz' / rz, rz = rz', rr. Mode 2 (start): rz, β = 0.
@compute @workgroup_size(256)
fn reduce(@builtin(local_invocation_id) lid: vec3<u32>) {
    let local = lid.x;
    var a = f64(0.0);
    var b = f64(0.0);
    for (var k = local; k < params.groups; k = k + GROUP) {
        a = a + partial[k];
        b = b + partial[params.groups + k];
    }
    sums[local] = a;
    let first = tree_sum(local);
    workgroupBarrier();
    sums[local] = b;
    let second = tree_sum(local);
    if (local == 0u) {
        if (params.mode == 0u) {
            scalars[1] = first;
            scalars[2] = scalars[0] / first;
        } else if (params.mode == 1u) {
            scalars[4] = first;
            scalars[3] = second / scalars[0];
            scalars[0] = second;
        } else {
            scalars[0] = second;
            scalars[3] = f64(0.0);
        }
    }
}
