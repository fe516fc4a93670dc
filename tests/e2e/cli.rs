//! The `cicada` CLI against a real service.
use std::process::Command;
use cicada_e2e::*;
use cicada_protocol::{Format, encode};

