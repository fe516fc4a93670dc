// Entry point: which suns each sensor sees (appended to traverse.wgsl). Invocation (i, w)
// handles sensor i and suns 32w .. 32w + 31, writing one word whose bit b is set when sun
// 32w + b is in front of the sensor (angle to its normal at most 90°) and nothing blocks it.
// Every lane of a workgroup traces the same sun at the same step: the rays are coherent.

// Sensor position (local frame) in p.xyz; unit normal in n.xyz (zero: sees nothing).
struct Sensor {
    p: vec4<f32>,
    n: vec4<f32>,
};

struct SunParams {
    sensors: u32,
    suns: u32,
    slack: f32,
    words: u32,
};

@group(0) @binding(2) var<storage, read> sensors: array<Sensor>;
@group(0) @binding(3) var<storage, read> suns: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> lit: array<u32>;
@group(0) @binding(5) var<uniform> sp: SunParams;

@compute @workgroup_size(64)
fn sun_bits(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    let w = id.y;
    if (i >= sp.sensors || w >= sp.words) {
        return;
    }
    let s = sensors[i];
    var bits = 0u;
    if (dot(s.n.xyz, s.n.xyz) > 0.0) {
        for (var b = 0u; b < 32u; b = b + 1u) {
            let k = w * 32u + b;
            if (k >= sp.suns) {
                break;
            }
            let d = suns[k].xyz;
            if (dot(s.n.xyz, d) < 0.0) {
                continue;
            }
            if (walk(s.p.xyz, d, 0.0, FAR, sp.slack, true).tri == MISS) {
                bits = bits | (1u << b);
            }
        }
    }
    lit[i * sp.words + w] = bits;
}
