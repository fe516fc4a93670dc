// Entry point: one invocation per ray (appended to traverse.wgsl).

struct Params {
    count: u32,
    any_hit: u32,
    slack: f32,
    pad: u32,
};

@group(0) @binding(2) var<storage, read> rays: array<RayIn>;
@group(0) @binding(3) var<storage, read_write> hits: array<HitOut>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(64)
fn trace(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if (i >= params.count) {
        return;
    }
    let ray = rays[i];
    hits[i] = walk(ray.o.xyz, ray.d.xyz, ray.o.w, ray.d.w, params.slack, params.any_hit != 0u);
}
