//! Decoding a 1 M-triangle mesh: packed MessagePack versus serde_json on the same mesh.
//!
//! Work: 1 M triangles = 16 MB of faces + 12 MB of vertices. The limit is memory bandwidth
//! (a few GB/s for one core copying), so packed MessagePack should decode in a few ms;
//! JSON has to parse ~3 M integers and ~1.5 M floats as text and cannot come close.

use cicada_protocol::{Face, Format, Mesh, Packed, decode, encode};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

/// A grid of `n x n` vertices with two triangles per cell.
fn grid_mesh(n: u32) -> Mesh {
    let mut vertices = Vec::with_capacity((n * n) as usize);
    for i in 0..n {
        for j in 0..n {
            let (x, y) = (i as f64 * 0.37, j as f64 * 0.41);
            vertices.push([x, y, (x * 0.1).sin() * (y * 0.1).cos()]);
        }
    }
    let mut faces = Vec::with_capacity(2 * ((n - 1) * (n - 1)) as usize);
    for i in 0..n - 1 {
        for j in 0..n - 1 {
            let a = i * n + j;
            faces.push(Face::triangle(a, a + n, a + n + 1));
            faces.push(Face::triangle(a, a + n + 1, a + 1));
        }
    }
    Mesh {
        vertices: Packed(vertices),
        faces: Packed(faces),
        ..Mesh::default()
    }
}

fn decode_mesh(c: &mut Criterion) {
    let mesh = grid_mesh(708); // 2 * 707^2 = 999 698 triangles
    let mut group = c.benchmark_group("decode_1m_triangle_mesh");
    group.sample_size(10);
    for format in [Format::MsgPack, Format::Json] {
        let Ok(bytes) = encode(&mesh, format) else {
            panic!("encoding the benchmark mesh failed");
        };
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(format!("{format:?}"), |b| {
            b.iter(|| {
                let m: Mesh = decode(black_box(&bytes), format).expect("decodes");
                black_box(m.faces.len())
            })
        });
    }
    // The machine's limit for the same bytes: one copy, no parsing.
    let Ok(bytes) = encode(&mesh, Format::MsgPack) else {
        panic!("encoding the benchmark mesh failed");
    };
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("memcpy (limit)", |b| {
        b.iter(|| black_box(black_box(&bytes).to_vec()))
    });
    group.finish();
}

criterion_group!(benches, decode_mesh);
criterion_main!(benches);
