//! Client errors.

use cicada_protocol::Problem;

/// Why a client call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The service answered with an error.
    #[error("{message} (HTTP {status}{})", if code.is_empty() { String::new() } else { format!(", {code}") })]
    Api {
        /// HTTP status.
        status: u16,
        /// The service's stable error code (`invalid_job`, ...).
        code: String,
        /// Its message.
        message: String,
        /// Field-level problems, for invalid jobs.
        problems: Vec<Problem>,
    },
    /// The service could not be reached, or the connection failed.
    #[error("transport: {0}")]
    Transport(String),
    /// A response did not decode.
    #[error("decoding a response: {0}")]
    Decode(String),
    /// A request could not be encoded.
    #[error("encoding a request: {0}")]
    Encode(String),
}
