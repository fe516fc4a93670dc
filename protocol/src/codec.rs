//! MessagePack and JSON encodings of the wire types, with decode errors that name the field.
//!
//! MessagePack is always written with named fields (`to_vec_named`) so that C#, Python and
//! newer versions of Cicada read it by name, never by position.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::job::{Job, Task};

/// A wire encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `application/json`.
    Json,
    /// `application/msgpack`.
    MsgPack,
}

/// Why a payload could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The bytes do not decode to the expected type; `path` points at the field.
    #[error("{path}: {message}")]
    Decode {
        /// JSON pointer of the field where decoding failed (`` for the root).
        path: String,
        /// The decoder's explanation.
        message: String,
    },
    /// The value could not be encoded (a map with non-string keys in JSON, say).
    #[error("encode: {0}")]
    Encode(String),
}

impl Format {
    /// The MIME type written in `Content-Type`.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::MsgPack => "application/msgpack",
        }
    }

    /// The format named by a `Content-Type` or `Accept` entry, ignoring parameters.
    pub fn from_mime(mime: &str) -> Option<Format> {
        let essence = mime
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/json" | "text/json" => Some(Format::Json),
            "application/msgpack" | "application/x-msgpack" | "application/vnd.msgpack" => {
                Some(Format::MsgPack)
            }
            _ => None,
        }
    }

    /// The format of a file by its extension: `.msgpack`/`.mpk` or `.json`.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "msgpack" | "mpk" => Some(Format::MsgPack),
            _ => None,
        }
    }

    /// The format of bytes by their first byte. A MessagePack document of any Cicada type
    /// is a map, whose first byte is never `{`, `[` or whitespace.
    pub fn sniff(bytes: &[u8]) -> Format {
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') | Some(b'[') => Format::Json,
            _ => Format::MsgPack,
        }
    }
}

/// Encodes `value` in `format`.
pub fn encode<T: Serialize>(value: &T, format: Format) -> Result<Vec<u8>, CodecError> {
    match format {
        Format::Json => serde_json::to_vec(value).map_err(|e| CodecError::Encode(e.to_string())),
        Format::MsgPack => {
            rmp_serde::to_vec_named(value).map_err(|e| CodecError::Encode(e.to_string()))
        }
    }
}

/// Encodes `value` as indented JSON, for files a person reads.
pub fn encode_pretty_json<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    let mut out =
        serde_json::to_vec_pretty(value).map_err(|e| CodecError::Encode(e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}

/// Decodes `bytes` in `format`; on failure the error names the field where it failed.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], format: Format) -> Result<T, CodecError> {
    match format {
        Format::Json => {
            let mut de = serde_json::Deserializer::from_slice(bytes);
            let value = serde_path_to_error::deserialize(&mut de).map_err(path_error)?;
            de.end().map_err(|e| CodecError::Decode {
                path: String::new(),
                message: e.to_string(),
            })?;
            Ok(value)
        }
        Format::MsgPack => {
            let mut de = rmp_serde::Deserializer::from_read_ref(bytes);
            serde_path_to_error::deserialize(&mut de).map_err(path_error)
        }
    }
}

/// Decodes a [`Job`], naming the field inside `params` when that is where decoding failed.
///
/// The `kind`/`params` pair is an adjacently tagged enum flattened into the envelope, and
/// serde buffers flattened fields, which loses the path. On failure the pair is decoded again
/// on its own, where the path survives.
pub fn decode_job(bytes: &[u8], format: Format) -> Result<Job, CodecError> {
    decode::<Job>(bytes, format).map_err(|err| match &err {
        CodecError::Decode { path, .. } if path.is_empty() || path.contains('?') => {
            locate_task_error(bytes, format).unwrap_or(err)
        }
        _ => err,
    })
}

fn locate_task_error(bytes: &[u8], format: Format) -> Option<CodecError> {
    #[derive(serde::Deserialize)]
    struct Probe {
        kind: serde_json::Value,
        #[serde(default)]
        params: serde_json::Value,
    }
    let probe: Probe = decode(bytes, format).ok()?;
    let pair = serde_json::json!({ "kind": probe.kind, "params": probe.params });
    match serde_path_to_error::deserialize::<_, Task>(pair) {
        Ok(_) => None,
        Err(e) => Some(path_error(e)),
    }
}

fn path_error<E: std::fmt::Display>(err: serde_path_to_error::Error<E>) -> CodecError {
    use serde_path_to_error::Segment;
    let mut path = String::new();
    for segment in err.path().iter() {
        match segment {
            Segment::Seq { index } => path.push_str(&format!("/{index}")),
            Segment::Map { key } => path.push_str(&format!("/{}", escape_pointer(key))),
            Segment::Enum { variant } => path.push_str(&format!("/{}", escape_pointer(variant))),
            Segment::Unknown => path.push_str("/?"),
        }
    }
    CodecError::Decode {
        path,
        message: err.inner().to_string(),
    }
}

/// Escapes a JSON-pointer reference token (RFC 6901).
pub(crate) fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_error_names_the_field() {
        let text = r#"{"protocol":1,"kind":"mesh_check","params":{},
            "inputs":{"scene":{"inline":{"units":"furlongs","tolerance":0.01}}}}"#;
        let err = decode::<Job>(text.as_bytes(), Format::Json)
            .unwrap_err()
            .to_string();
        assert!(err.contains("furlongs"), "{err}");
        assert!(err.contains("units"), "{err}");
    }

    #[test]
    fn decode_error_inside_params_names_the_field() {
        let text = r#"{"protocol":1,"kind":"mesh_check","params":{"coincident_tolerance":"x"},"inputs":{}}"#;
        let err = decode_job(text.as_bytes(), Format::Json)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("/params/coincident_tolerance: invalid type"),
            "{err}"
        );
    }

    #[test]
    fn mime_and_sniffing() {
        assert_eq!(
            Format::from_mime("application/json; charset=utf-8"),
            Some(Format::Json)
        );
        assert_eq!(
            Format::from_mime("application/x-msgpack"),
            Some(Format::MsgPack)
        );
        assert_eq!(Format::from_mime("text/html"), None);
        assert_eq!(Format::sniff(b"  {\"a\":1}"), Format::Json);
        assert_eq!(Format::sniff(&[0x82, 0xa1]), Format::MsgPack);
    }
}
