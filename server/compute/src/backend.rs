//! The compute backends a worker can run kernels on.

/// A compute backend. Only `cpu` exists so far; GPU backends join this facade.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Backend {
    /// The multi-threaded CPU reference implementation of every kernel.
    #[default]
    Cpu,
}

impl Backend {
    /// The backend's name on the wire (`cpu`).
    pub fn name(self) -> &'static str {
        match self {
            Backend::Cpu => "cpu",
        }
    }

    /// A description of the device it runs on, e.g. `x86_64, 2 threads`.
    pub fn device(self) -> String {
        match self {
            Backend::Cpu => format!(
                "{}, {} threads",
                std::env::consts::ARCH,
                rayon::current_num_threads()
            ),
        }
    }
}
