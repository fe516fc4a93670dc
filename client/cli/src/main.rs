//! `cicada`: send jobs to a Cicada service from the command line.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use cicada_client::ClientConfig;
use cicada_client::blocking::Client;
use cicada_client::false_colour::false_colour_ply;
use cicada_protocol::{
    BatchRequest, Format, Job, JobResult, JobState, JobStatus, Output, Scene, WeatherFile, decode,
    encode,
};
use clap::{Parser, Subcommand};

/// Send geometry jobs to a Cicada service and fetch their results.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// The service's base URL.
    #[arg(
        long,
        global = true,
        env = "CICADA_SERVER",
        default_value = "http://127.0.0.1:7878"
    )]
    server: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Submit a job file, show progress, wait, and write the result.
    Run {
        /// Job file (.json or .msgpack).
        job: PathBuf,
        /// Result file (.json or .msgpack); JSON on stdout when absent.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also write a sunlight result as a false-colour mesh (binary PLY).
        #[arg(long)]
        ply: Option<PathBuf>,
        /// Inline scenes at least this many bytes are uploaded once as blobs.
        #[arg(long, default_value_t = 64 * 1024)]
        blob_threshold: usize,
    },
    /// Submit a job file and print the job id.
    Submit {
        /// Job file (.json or .msgpack).
        job: PathBuf,
        /// Inline scenes at least this many bytes are uploaded once as blobs.
        #[arg(long, default_value_t = 64 * 1024)]
        blob_threshold: usize,
    },
    /// Print a job's status as JSON.
    Status {
        /// Job id.
        id: String,
    },
    /// Write a finished job's result.
    Result {
        /// Job id.
        id: String,
        /// Result file (.json or .msgpack); JSON on stdout when absent.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also write a sunlight result as a false-colour mesh (binary PLY).
        #[arg(long)]
        ply: Option<PathBuf>,
    },
    /// Cancel a queued or running job.
    Cancel {
        /// Job id.
        id: String,
    },
    /// Run one job over many variants: submit a batch, follow it with a progress bar, and
    /// write each variant's result as it finishes.
    Batch {
        /// Job file (.json or .msgpack): the job every variant starts from.
        job: PathBuf,
        /// JSON file holding an array of variants, each a JSON merge patch of the job, e.g.
        /// `[{"params": {"period": {"start_month": 6, "end_month": 6}}}, ...]`.
        variants: PathBuf,
        /// Directory for the results, `variant-0000.json` and so on (.msgpack with
        /// `--msgpack`); none: results stay on the service.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write results as MessagePack.
        #[arg(long)]
        msgpack: bool,
        /// Inline scenes at least this many bytes are uploaded once as blobs.
        #[arg(long, default_value_t = 64 * 1024)]
        blob_threshold: usize,
    },
    /// Print the worker pool (state, device, scenes held) as JSON.
    Workers,
    /// Print worker usage and the serverless-versus-dedicated figure as JSON.
    Usage,
    /// Print the service's health (backend, workers, queue) as JSON.
    Health,
    /// Upload a scene, an EPW weather file or any file as a blob (skipped when the service
    /// has it); print its hash.
    Upload {
        /// The file.
        file: PathBuf,
    },
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn read_job(path: &Path) -> anyhow::Result<Job> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let format = Format::from_path(path).unwrap_or_else(|| Format::sniff(&bytes));
    cicada_protocol::decode_job(&bytes, format)
        .with_context(|| format!("{} is not a valid job", path.display()))
}

fn write_json_or(out: Option<&Path>, value: &impl output::Encode) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            let bytes = match Format::from_path(path).unwrap_or(Format::Json) {
                Format::Json => value.pretty_json()?,
                Format::MsgPack => value.msgpack()?,
            };
            std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
        }
        None => {
            std::io::stdout().write_all(&value.pretty_json()?)?;
            Ok(())
        }
    }
}

/// Encoding of wire values for output files.
mod output {
    use cicada_protocol::{Format, codec, encode};

    /// A wire value the CLI writes.
    pub trait Encode {
        fn pretty_json(&self) -> anyhow::Result<Vec<u8>>;
        fn msgpack(&self) -> anyhow::Result<Vec<u8>>;
    }

    impl<T: serde::Serialize> Encode for T {
        fn pretty_json(&self) -> anyhow::Result<Vec<u8>> {
            Ok(codec::encode_pretty_json(self)?)
        }
        fn msgpack(&self) -> anyhow::Result<Vec<u8>> {
            Ok(encode(self, Format::MsgPack)?)
        }
    }
}

/// Writes the false-colour mesh of a sunlight result to `path`.
fn write_ply(path: &Path, result: &JobResult) -> anyhow::Result<()> {
    let bytes = match &result.output {
        Output::SunHours(r) => false_colour_ply(&r.grid, &r.hours, &r.legend),
        Output::Radiation(r) => false_colour_ply(&r.grid, &r.radiation, &r.legend),
        _ => bail!("--ply: only sun_hours and radiation results have a false-colour mesh"),
    };
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Writes a result where asked: JSON or MessagePack, and the false-colour mesh.
fn write_result(out: Option<&Path>, ply: Option<&Path>, result: &JobResult) -> anyhow::Result<()> {
    if let Some(path) = ply {
        write_ply(path, result)?;
    }
    write_json_or(out, result)
}

fn client(server: &str, blob_threshold: usize) -> anyhow::Result<Client> {
    let mut config = ClientConfig::new(server);
    config.blob_threshold = blob_threshold;
    Ok(Client::with_config(config)?)
}

fn submit(client: &Client, path: &Path) -> anyhow::Result<JobStatus> {
    let mut job = read_job(path)?;
    for upload in client.offload_inputs(&mut job)? {
        let what = if upload.uploaded {
            "uploaded"
        } else {
            "already on the service, not sent"
        };
        eprintln!("blob {} ({} bytes): {what}", upload.hash, upload.size);
    }
    Ok(client.submit(&job)?)
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run {
            job,
            out,
            ply,
            blob_threshold,
        } => {
            let client = client(&cli.server, blob_threshold)?;
            let submitted = submit(&client, &job)?;
            let status = wait_with_progress(&client, &submitted)?;
            match status.state {
                JobState::Succeeded => {
                    write_result(out.as_deref(), ply.as_deref(), &client.result(&status.id)?)
                }
                JobState::Failed => bail!(
                    "job {} failed: {}",
                    status.id,
                    status.error.unwrap_or_else(|| "no reason given".into())
                ),
                other => bail!("job {} ended {}", status.id, other.as_str()),
            }
        }
        Command::Submit {
            job,
            blob_threshold,
        } => {
            let status = submit(&client(&cli.server, blob_threshold)?, &job)?;
            println!("{}", status.id);
            Ok(())
        }
        Command::Batch {
            job,
            variants,
            out,
            msgpack,
            blob_threshold,
        } => batch(
            &client(&cli.server, blob_threshold)?,
            &job,
            &variants,
            out.as_deref(),
            msgpack,
        ),
        Command::Workers => write_json_or(None, &client(&cli.server, usize::MAX)?.workers()?),
        Command::Usage => write_json_or(None, &client(&cli.server, usize::MAX)?.usage()?),
        Command::Health => write_json_or(None, &client(&cli.server, usize::MAX)?.health()?),
        Command::Status { id } => {
            write_json_or(None, &client(&cli.server, usize::MAX)?.status(&id)?)
        }
        Command::Result { id, out, ply } => write_result(
            out.as_deref(),
            ply.as_deref(),
            &client(&cli.server, usize::MAX)?.result(&id)?,
        ),
        Command::Cancel { id } => {
            let status = client(&cli.server, usize::MAX)?.cancel(&id)?;
            println!("{} {}", status.id, status.state.as_str());
            Ok(())
        }
        Command::Upload { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            // A scene file is stored in its canonical MessagePack form, the form jobs name;
            // an EPW file as a weather input (`inputs.weather`).
            let is_epw = file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("epw"));
            let bytes = if is_epw {
                let epw = String::from_utf8(bytes)
                    .with_context(|| format!("{} is not a text file", file.display()))?;
                encode(&WeatherFile { epw }, Format::MsgPack)?
            } else {
                match decode::<Scene>(
                    &bytes,
                    Format::from_path(&file).unwrap_or_else(|| Format::sniff(&bytes)),
                ) {
                    Ok(scene) => encode(&scene, Format::MsgPack)?,
                    Err(_) => bytes,
                }
            };
            let upload = client(&cli.server, 0)?.upload_blob(bytes)?;
            let what = if upload.uploaded {
                "uploaded"
            } else {
                "already on the service, not sent"
            };
            println!("{}", upload.hash);
            eprintln!("{} bytes: {what}", upload.size);
            Ok(())
        }
    }
}

/// Submits a batch, follows it, writes each result as its variant finishes; fails when any
/// variant did not succeed.
fn batch(
    client: &Client,
    job: &Path,
    variants: &Path,
    out: Option<&Path>,
    msgpack: bool,
) -> anyhow::Result<()> {
    let mut job = read_job(job)?;
    for upload in client.offload_inputs(&mut job)? {
        eprintln!("blob {} ({} bytes) ready", upload.hash, upload.size);
    }
    let text =
        std::fs::read(variants).with_context(|| format!("reading {}", variants.display()))?;
    let variants: Vec<serde_json::Value> = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not a JSON array of patches", variants.display()))?;
    let request = BatchRequest {
        job: serde_json::to_value(&job)?,
        variants,
    };
    let batch = client.submit_batch(&request)?;
    eprintln!("batch {}: {} jobs", batch.id, batch.jobs.len());
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(batch.jobs.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut failed = Vec::new();
    let mut write_error = None;
    client.follow_batch(&batch.id, |end| {
        bar.inc(1);
        match end.state {
            JobState::Succeeded => {
                if let Some(dir) = out {
                    let ext = if msgpack { "msgpack" } else { "json" };
                    let path = dir.join(format!("variant-{:04}.{ext}", end.variant));
                    let written = client
                        .result(&end.job)
                        .map_err(anyhow::Error::from)
                        .and_then(|r| write_json_or(Some(&path), &r));
                    if let Err(e) = written {
                        write_error.get_or_insert(e);
                    }
                }
            }
            state => {
                let why = end.error.clone().unwrap_or_else(|| state.as_str().into());
                bar.println(format!("variant {} ({}): {why}", end.variant, end.job));
                failed.push(end.variant);
            }
        }
        if !bar.is_hidden() {
            bar.set_message(format!("{} failed", failed.len()));
        } else {
            eprintln!("variant {}: {}", end.variant, end.state.as_str());
        }
    })?;
    bar.finish_and_clear();
    if let Some(e) = write_error {
        return Err(e);
    }
    eprintln!(
        "batch {}: {} succeeded, {} failed",
        batch.id,
        batch.jobs.len() - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        bail!("variants {failed:?} did not succeed");
    }
    Ok(())
}

/// Waits for the job, with a progress bar on a terminal and plain lines otherwise.
fn wait_with_progress(client: &Client, submitted: &JobStatus) -> anyhow::Result<JobStatus> {
    let id = submitted.id.clone();
    if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(1000);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {elapsed_precise} [{bar:30}] {percent:>3}% {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        let status = client.wait(&id, |s| {
            bar.set_position((s.progress * 1000.0) as u64);
            bar.set_message(format!(
                "{} {}",
                s.state.as_str(),
                s.message.clone().unwrap_or_default()
            ));
        })?;
        bar.finish_and_clear();
        eprintln!("job {id}: {}", status.state.as_str());
        Ok(status)
    } else {
        Ok(client.wait(&id, |s| {
            eprintln!(
                "job {id}: {} {:.0}%{}",
                s.state.as_str(),
                s.progress * 100.0,
                s.message
                    .as_ref()
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default()
            );
        })?)
    }
}
