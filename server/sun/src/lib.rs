//! Sunlight models as pure functions over plain data: where the sun is (NREL SPA), which
//! instants a study covers, the sky's patches and their radiance (Perez all-weather model),
//! and EPW weather files. The ray work that uses them lives in `cicada-compute`.

pub mod sky;
pub mod spa;
#[allow(missing_docs, clippy::excessive_precision, clippy::approx_constant)]
mod spa_terms;
pub mod sunpath;
pub mod weather;
