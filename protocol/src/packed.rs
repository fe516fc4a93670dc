//! Packed numeric arrays: the large parts of a payload (vertices, faces, knots, weights).
//!
//! MessagePack carries them as one `bin` of little-endian scalars, so a 1 M-triangle mesh
//! decodes with a single copy instead of millions of tagged floats. JSON, which a person
//! reads and writes, keeps plain arrays (`[[x, y, z], ...]`). The choice follows
//! `Serializer::is_human_readable`; the decoder accepts either form from either format.

use std::fmt;
use std::marker::PhantomData;

use bytemuck::Pod;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, DeserializeOwned, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

// The packed form is the in-memory form on little-endian hosts, which is every platform
// Cicada ships for (x86_64, aarch64). A big-endian port would need a byte swap here.
#[cfg(target_endian = "big")]
compile_error!("cicada-protocol's packed arrays assume a little-endian host");

/// One element of a packed array: plain old data with a JSON form of its own.
pub trait Element: Pod + Serialize + DeserializeOwned + JsonSchema {}
impl<T: Pod + Serialize + DeserializeOwned + JsonSchema> Element for T {}

/// A vector of plain elements, packed as little-endian bytes in MessagePack.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Packed<T>(pub Vec<T>);

impl<T> Packed<T> {
    /// Number of elements (points, faces, knots), not bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The elements as a slice.
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }
}

impl<T> From<Vec<T>> for Packed<T> {
    fn from(v: Vec<T>) -> Self {
        Packed(v)
    }
}

impl<T> std::ops::Deref for Packed<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: Element> Serialize for Packed<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_seq(self.0.iter())
        } else {
            serializer.serialize_bytes(bytemuck::cast_slice(&self.0))
        }
    }
}

impl<'de, T: Element> Deserialize<'de> for Packed<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PackedVisitor(PhantomData))
    }
}

struct PackedVisitor<T>(PhantomData<T>);

impl<T: Element> PackedVisitor<T> {
    fn from_bytes<E: de::Error>(bytes: &[u8]) -> Result<Packed<T>, E> {
        let size = std::mem::size_of::<T>();
        if !bytes.len().is_multiple_of(size) {
            return Err(E::custom(format_args!(
                "packed array of {} bytes is not a whole number of {size}-byte elements",
                bytes.len()
            )));
        }
        // pod_collect_to_vec copies into an aligned Vec: the source slice inside a
        // MessagePack buffer has no alignment guarantee.
        Ok(Packed(bytemuck::pod_collect_to_vec(bytes)))
    }
}

impl<'de, T: Element> Visitor<'de> for PackedVisitor<T> {
    type Value = Packed<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "an array, or packed little-endian bytes of {}-byte elements",
            std::mem::size_of::<T>()
        )
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        Self::from_bytes(v)
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
        Self::from_bytes(v)
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
        Self::from_bytes(&v)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // Cap the pre-allocation: the size hint comes from the sender.
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
        while let Some(item) = seq.next_element()? {
            out.push(item);
        }
        Ok(Packed(out))
    }
}

impl<T: Element> JsonSchema for Packed<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Array_of_{}", T::schema_name()).into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let items = generator.subschema_for::<T>();
        schemars::json_schema!({ "type": "array", "items": items })
    }
}

/// A mesh face: four vertex indices, a triangle when the last two are equal.
///
/// This is Rhino's `MeshFace` convention, so faces cross the Rhino edge unchanged. In JSON a
/// triangle is written `[a, b, c]` and a quad `[a, b, c, d]`; `[a, b, c, c]` reads as a
/// triangle too.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, bytemuck::Zeroable)]
#[repr(transparent)]
pub struct Face(pub [u32; 4]);

impl Face {
    /// A triangle `a, b, c`.
    pub fn triangle(a: u32, b: u32, c: u32) -> Self {
        Face([a, b, c, c])
    }

    /// A quad `a, b, c, d` (counter-clockwise seen from the front).
    pub fn quad(a: u32, b: u32, c: u32, d: u32) -> Self {
        Face([a, b, c, d])
    }

    /// True for a triangle (the last two indices are equal).
    pub fn is_triangle(&self) -> bool {
        self.0[2] == self.0[3]
    }

    /// The face's distinct corners in order: three for a triangle, four for a quad.
    pub fn corners(&self) -> &[u32] {
        if self.is_triangle() {
            &self.0[..3]
        } else {
            &self.0[..]
        }
    }
}

impl Serialize for Face {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.corners())
    }
}

impl<'de> Deserialize<'de> for Face {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let corners = Vec::<u32>::deserialize(deserializer)?;
        match corners[..] {
            [a, b, c] => Ok(Face::triangle(a, b, c)),
            [a, b, c, d] => Ok(Face::quad(a, b, c, d)),
            _ => Err(de::Error::invalid_length(
                corners.len(),
                &"3 vertex indices (triangle) or 4 (quad)",
            )),
        }
    }
}

impl JsonSchema for Face {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Face".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "description": "Vertex indices of a triangle [a, b, c] or a quad [a, b, c, d], counter-clockwise seen from the front.",
            "type": "array",
            "items": { "type": "integer", "minimum": 0 },
            "minItems": 3,
            "maxItems": 4
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Holder {
        points: Packed<[f64; 3]>,
        faces: Packed<Face>,
    }

    fn sample() -> Holder {
        Holder {
            points: Packed(vec![[0.0, 1.5, -2.0], [1e300, f64::MIN_POSITIVE, 3.0]]),
            faces: Packed(vec![Face::triangle(0, 1, 1), Face::quad(0, 1, 0, 1)]),
        }
    }

    #[test]
    fn msgpack_packs_points_as_little_endian_bytes() {
        let bytes = rmp_serde::to_vec_named(&sample()).unwrap();
        // The first point's x, y, z follow the bin header as raw little-endian f64.
        let needle: Vec<u8> = [0.0f64, 1.5, -2.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert!(bytes.windows(needle.len()).any(|w| w == needle));
        let back: Holder = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn json_keeps_plain_arrays_and_short_triangles() {
        let text = serde_json::to_string(&sample()).unwrap();
        assert_eq!(
            text,
            r#"{"points":[[0.0,1.5,-2.0],[1e+300,2.2250738585072014e-308,3.0]],"faces":[[0,1,1],[0,1,0,1]]}"#
        );
        let back: Holder = serde_json::from_str(&text).unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn ragged_packed_bytes_are_rejected() {
        #[derive(Serialize)]
        struct Raw {
            #[serde(with = "serde_bytes_shim")]
            points: Vec<u8>,
        }
        mod serde_bytes_shim {
            pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(v)
            }
        }
        let bytes = rmp_serde::to_vec_named(&Raw {
            points: vec![0; 25],
        })
        .unwrap();
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Only {
            points: Packed<[f64; 3]>,
        }
        let err = rmp_serde::from_slice::<Only>(&bytes)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not a whole number of 24-byte elements"),
            "{err}"
        );
    }

    #[test]
    fn face_with_five_indices_is_rejected() {
        let err = serde_json::from_str::<Face>("[0,1,2,3,4]")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("3 vertex indices (triangle) or 4 (quad)"),
            "{err}"
        );
    }
}
