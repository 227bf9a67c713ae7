//! `csc`: the csc-pipeline command line.
//!
//! `main` only parses arguments and hands each command to one function. Errors are printed once,
//! here. Exit codes are for schedulers: 0 the run published; 1 it failed and nothing new was
//! published (the previous warehouse is untouched; also a busy warehouse or a usage error);
//! 2 it published but with more data-quality errors than the pipeline file allows; 3 nothing
//! changed since the last successful run, so nothing was done.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use csc_pipeline::config::{Overrides, RunConfig};
use csc_pipeline::demo;
use csc_pipeline::extract::InputFormat;
use csc_pipeline::logging::{self, LogFormat, Verbosity};
use csc_pipeline::manifest::RunStatus;
use csc_pipeline::report::summary::run_summary;
use csc_pipeline::run::{run, ExitStatus, RunOptions, RunOutcome};
use csc_synth as synth;

#[derive(Parser)]
#[command(name = "csc", version = csc_pipeline_version(), about = "Children's social care data pipeline: exports in, Ofsted and DfE measures out, as a Parquet warehouse")]
struct Cli {
    /// Log format: text for people, json (one object per line) for schedulers.
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: LogFormat,
    /// Say more: -v adds csc's debug lines (each table committed, each step's time), -vv the
    /// libraries' too.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Say less: warnings and errors only, no progress bars (the summary is still printed).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the pipeline: extract, normalise, model and publish.
    Run {
        /// DfE local authority code, e.g. 852 for Southampton.
        #[arg(long)]
        la: Option<String>,
        /// Input folder or object-store URL holding the exports.
        #[arg(long)]
        input: Option<String>,
        /// Warehouse folder or object-store URL to publish to (default ./warehouse).
        #[arg(long)]
        warehouse: Option<String>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Run many local authorities, each its own run with its own warehouse, several at once (a
    /// regional or national hub). Exit status: 1 if any LA failed, else 2 if any published with
    /// too many errors, else 3 if every LA was skipped, else 0.
    Hub {
        /// Comma-separated DfE LA codes, or `all` for every folder below the input root named
        /// by an LA code.
        #[arg(long, default_value = "all")]
        la: String,
        /// Input root: each LA's exports are in <input>/<code>, or where `{la}` in it says
        /// (e.g. /data/{la}/ssd).
        #[arg(long)]
        input: String,
        /// Warehouse root: each LA publishes to <warehouse>/<code>, or where `{la}` says. (The
        /// pipeline file's [input] and [warehouse] locations are one LA's, so a hub does not use
        /// them.)
        #[arg(long)]
        warehouse: String,
        /// LAs run at once (default: the number of cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// After the LAs, publish their analyst tables stacked (and a regional comparison) to
        /// this warehouse, under the key in CSC_REGIONAL_PSEUDONYM_KEY (overrides the pipeline
        /// file's `[hub] regional_warehouse`).
        #[arg(long, value_name = "WAREHOUSE")]
        regional_warehouse: Option<String>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Generate a synthetic local authority calibrated to its DfE published figures.
    Synth {
        /// DfE local authority code, or `all` for every LA in the DfE tables (written to <out>/<code>/).
        #[arg(long, default_value = "852")]
        la: String,
        /// First day of the extract window (YYYY-MM-DD).
        #[arg(long, default_value = "2019-04-01")]
        from: NaiveDate,
        /// Last day of the extract window (YYYY-MM-DD).
        #[arg(long, default_value = "2025-03-31")]
        to: NaiveDate,
        /// Random seed; the same seed gives byte-identical output.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output folder (the SSD extract goes to <out>/ssd/).
        #[arg(long)]
        out: PathBuf,
        /// Output formats, comma-separated: ssd, cin, ssda903, ssda903-xml, annex-a.
        #[arg(long, value_enum, value_delimiter = ',', default_value = "ssd")]
        formats: Vec<synth::Format>,
        /// Faults real exports have, injected into the files (listed in ssd/_faults.csv, cin/_faults.csv, ssda903/_faults.csv, ssda903_xml/_faults.csv and annex_a/_faults.csv).
        #[arg(long, value_enum, default_value = "none")]
        messiness: synth::Messiness,
        /// Print target against generated for every calibrated measure; exit 1 if any check fails.
        #[arg(long)]
        report: bool,
        /// As-at date of the Annex A workbook (--formats annex-a); default --to.
        #[arg(long)]
        annex_a_as_at: Option<NaiveDate>,
    },
    /// Generate a synthetic LA and run the whole pipeline on it, writing the warehouse and the Annex A workbook (no set-up needed).
    Demo {
        /// Folder for the demo input, warehouse and Annex A workbook.
        #[arg(long, default_value = "csc-demo")]
        out: PathBuf,
        /// Run the small hand-made extract in demo/ssd (answers worked out in demo/EXPECTED.md) instead of a synthetic LA.
        #[arg(long)]
        hand_made: bool,
    },
    /// Write the action lists (children overdue a visit, review, health check, ...) as one
    /// workbook per team, from a warehouse's published lists; files readable by their owner only.
    #[command(name = "action-lists")]
    ActionLists {
        #[command(flatten)]
        from: WarehouseArgs,
        /// Folder to write `action_lists_<team>_<as-at>.xlsx` to.
        #[arg(long)]
        out: PathBuf,
        /// Only this team's workbook.
        #[arg(long)]
        team: Option<String>,
        /// The as-at date of an ad hoc rerun (`csc run --as-at`); the published run's by default.
        #[arg(long)]
        as_at: Option<NaiveDate>,
    },
    /// Write the Ofsted Annex A workbook (lists 1-11) as at a date, from a warehouse's published lists.
    #[command(name = "annex-a")]
    AnnexA {
        /// The as-at date the lists were published for (`csc run --as-at DATE`).
        #[arg(long)]
        as_at: NaiveDate,
        /// Workbook to write (.xlsx).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        from: WarehouseArgs,
    },
    /// Write the monthly performance pack (HTML, PDF and Excel) from a warehouse's published run:
    /// areas with RAG, 13-month trends, targets, DfE comparators, charts, commentary, an Annex A
    /// analysis, a data-quality page and a glossary. Small numbers are suppressed.
    Report {
        #[command(flatten)]
        from: WarehouseArgs,
        /// The as-at date of an ad hoc rerun (`csc run --as-at`); the nightly tables by default.
        #[arg(long)]
        as_at: Option<NaiveDate>,
        /// Folder to write the pack to.
        #[arg(long)]
        out: PathBuf,
        /// Show counts from 1 to 5 (an internal pack; never for a public committee paper).
        #[arg(long)]
        unsuppressed: bool,
        /// Write only the HTML and Excel files.
        #[arg(long)]
        no_pdf: bool,
    },
    /// Write the published run's data-quality issues as a CSV file (or an xlsx workbook) to open
    /// in Excel; cells Excel would evaluate are neutralised.
    Issues {
        /// File to write: CSV, or an xlsx workbook of text cells when it ends in `.xlsx`. With
        /// `--restricted` it is readable by its owner only (mode 0600). With `--by team`, the
        /// folder to write `issues_<team>_<as-at>.xlsx` to.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        from: WarehouseArgs,
        /// Include the raw cell values (from the restricted area; they may be personal data).
        #[arg(long)]
        restricted: bool,
        /// `team`: one workbook per team of the records its workers must correct (each issue on a
        /// child's record, under the team holding the child; restricted, mode 0600).
        #[arg(long, value_parser = ["team"])]
        by: Option<String>,
        /// With `--by team`, only this team's workbook.
        #[arg(long, requires = "by")]
        team: Option<String>,
    },
    /// Check an export without running the pipeline: read and type every file (SSD CSVs, Annex A
    /// workbooks, mapped case-management CSVs …) and print what each file was recognised as,
    /// the rows each core table got and the data-quality issues by code. Exit 2 when there are
    /// error-severity issues. Nothing is written.
    Check {
        /// An export file, or a folder of them.
        #[arg(long)]
        input: String,
        /// Pipeline file whose `mappings` folder holds the case-management export mappings.
        #[arg(long)]
        pipeline: Option<PathBuf>,
        /// Also write every issue, with its file, sheet, row, column and raw value, to this CSV
        /// (or xlsx, by its extension); it holds cell values, so it is readable by its owner only
        /// (mode 0600): keep it where the export itself may be kept.
        #[arg(long)]
        issues: Option<PathBuf>,
    },
    /// Run a node of an Apache Ballista cluster for `--engine ballista://HOST:PORT`: a scheduler,
    /// or an executor, that knows csc's SQL functions. Each runs until SIGTERM or Ctrl-C. The
    /// cluster's gRPC is plaintext and unauthenticated: keep it on a private network (see
    /// docs/operating.md).
    #[cfg(feature = "ballista")]
    #[command(subcommand)]
    Cluster(ClusterCommand),
    /// Write the data dictionary (every measure and published column) as Markdown.
    Docs {
        /// Folder to write data_dictionary.md to.
        #[arg(long, default_value = "docs")]
        out: PathBuf,
    },
}

/// The two kinds of Ballista cluster node.
#[cfg(feature = "ballista")]
#[derive(Subcommand)]
enum ClusterCommand {
    /// The scheduler: plans each query into stages and hands their tasks to the executors.
    Scheduler {
        /// Address and port to listen on, e.g. 10.0.0.5:50050 (0.0.0.0 for every interface).
        #[arg(long, value_name = "IP:PORT")]
        bind: std::net::SocketAddr,
    },
    /// An executor: runs the scheduler's tasks, reading the core tables from the warehouse's
    /// store, and serves shuffle data and results to the other executors and the client.
    Executor {
        /// The scheduler's HOST:PORT.
        #[arg(long)]
        scheduler: String,
        /// Address and port its Arrow Flight service (shuffle data, results) listens on.
        #[arg(long, value_name = "IP:PORT", default_value = "0.0.0.0:50051")]
        bind: std::net::SocketAddr,
        /// Host name or address the client and other executors reach it by (default: the
        /// address the scheduler sees it connect from).
        #[arg(long, value_name = "HOST")]
        advertise_host: Option<String>,
        /// Folder for shuffle files, which hold intermediate rows, child-level included (made
        /// readable by its owner only; default: a new folder in the system temporary directory).
        #[arg(long, value_name = "DIR")]
        work_dir: Option<PathBuf>,
        /// Tasks run at once (default: one per core).
        #[arg(long, default_value_t = 0)]
        vcores: usize,
        /// Memory its tasks may hold before they spill (e.g. 4GiB; default 70 % of the machine's).
        #[arg(long, value_name = "SIZE")]
        memory_limit: Option<String>,
    },
}

/// How `csc run` and `csc hub` run each LA.
#[derive(clap::Args)]
struct RunArgs {
    /// Pipeline file (pipelines/*.toml); the flags override it.
    #[arg(long)]
    pipeline: Option<PathBuf>,
    /// Input format.
    #[arg(long, value_enum)]
    format: Option<InputFormat>,
    /// Compute everything as at this date (YYYY-MM-DD); default today. When the warehouse
    /// already holds tables as at another date, this rerun is published to
    /// <warehouse>/restricted/reruns/as_at=DATE/ and the nightly tables are left alone.
    #[arg(long)]
    as_at: Option<NaiveDate>,
    /// Run even if nothing changed since the last successful run.
    #[arg(long)]
    force: bool,
    /// Publish even when a core table lost more than `[run] max_row_drop` of its rows since the
    /// last published run.
    #[arg(long)]
    accept_drop: bool,
    /// If another run holds the warehouse, wait up to this many seconds for it.
    #[arg(long, value_name = "SECONDS")]
    wait: Option<u64>,
    /// Where the model stage's SQL runs: `local` (this process) or `ballista://HOST:PORT`
    /// (an Apache Ballista scheduler; needs a csc built with `--features ballista`).
    #[arg(long, value_name = "ENGINE")]
    engine: Option<csc_pipeline::model::Engine>,
    /// Memory the model stage's queries may hold before they spill to temporary files
    /// (e.g. 512MiB, 2GiB); default unlimited. With a limit, normalise also spills the typed
    /// core tables a batch at a time instead of holding them.
    #[arg(long, value_name = "SIZE")]
    memory_limit: Option<String>,
    /// Folder the queries (and normalise) spill to under --memory-limit (default: the system temporary
    /// directory). Spill files hold identifiable rows: choose a folder only csc's account can read.
    #[arg(long, value_name = "DIR")]
    spill_dir: Option<PathBuf>,
    /// Confirms that the pipeline file's `[warehouse] identifiable = true` is meant: analyst
    /// tables then carry children's names, dates of birth and ids. Refused while
    /// CSC_PSEUDONYM_KEY is set.
    #[arg(long)]
    confirm_identifiable: bool,
}

impl RunArgs {
    /// The overrides and options of one run; the pseudonymisation key is a secret, so it comes
    /// from the environment only.
    fn resolve(self, la: Option<String>, input: Option<String>, warehouse: Option<String>) -> (Overrides, RunOptions) {
        let pseudonym_key = std::env::var_os(csc_pipeline::pseudonymise::KEY_VAR).map(|v| v.into_encoded_bytes());
        let opts = RunOptions {
            force: self.force,
            wait_for_lock: self.wait.map(std::time::Duration::from_secs),
            explicit_as_at: self.as_at.is_some(),
            accept_drop: self.accept_drop,
        };
        let RunArgs { pipeline, format, as_at, engine, memory_limit, spill_dir, confirm_identifiable, .. } = self;
        (
            Overrides {
                pipeline,
                input,
                format,
                la,
                warehouse,
                as_at,
                pseudonym_key,
                confirm_identifiable,
                engine,
                memory_limit,
                spill_dir,
            },
            opts,
        )
    }
}

/// Where a command that reads a published warehouse finds it.
#[derive(clap::Args)]
struct WarehouseArgs {
    /// Pipeline file naming the warehouse.
    #[arg(long)]
    pipeline: Option<PathBuf>,
    /// Warehouse folder or object-store URL (overrides the pipeline file).
    #[arg(long)]
    warehouse: Option<String>,
}

impl WarehouseArgs {
    /// `--warehouse`, else the one the pipeline file names; `what` says what the command reads.
    fn open(self, what: &str) -> anyhow::Result<csc_pipeline::storage::Location> {
        let location = match (self.warehouse, self.pipeline) {
            (Some(w), _) => w,
            (None, Some(p)) => csc_pipeline::config::warehouse_of(&p)?,
            (None, None) => anyhow::bail!("give --warehouse or --pipeline to say where the {what} are"),
        };
        Ok(csc_pipeline::storage::Location::parse(&location, false)?)
    }
}

const fn csc_pipeline_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

fn main() -> ExitCode {
    // Usage errors exit 1 like any other failure: exit code 2 means "published, with too many
    // data-quality errors", which a typo must not be mistaken for.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::FAILURE } else { ExitCode::SUCCESS };
        }
    };
    let verbosity = Verbosity::of_flags(cli.quiet, cli.verbose);
    logging::init(cli.log_format, verbosity);
    csc_pipeline::progress::enable(cli.log_format == LogFormat::Text && verbosity != Verbosity::Quiet);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(anyhow::anyhow!("cannot start the async runtime: {e}")),
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Run { la, input, warehouse, run } => {
                let (flags, opts) = run.resolve(la, input, warehouse);
                cmd_run(flags, opts).await
            }
            Command::Hub { la, input, warehouse, jobs, regional_warehouse, run } => {
                let (flags, opts) = run.resolve(None, Some(input), Some(warehouse));
                cmd_hub(&la, jobs, regional_warehouse, flags, opts).await
            }
            Command::Synth { la, from, to, seed, out, formats, messiness, report, annex_a_as_at } => {
                cmd_synth(synth::SynthConfig { la, from, to, seed, out, formats, messiness, annex_a_as_at }, report)
                    .map(|()| ExitCode::SUCCESS)
            }
            Command::Demo { out, hand_made } => cmd_demo(out, hand_made).await.map(|()| ExitCode::SUCCESS),
            Command::Report { from, as_at, out, unsuppressed, no_pdf } => {
                cmd_report(from, as_at, out, unsuppressed, no_pdf).await.map(|()| ExitCode::SUCCESS)
            }
            Command::Issues { out, from, restricted, by, team } => {
                cmd_issues(out, from, restricted, by.is_some(), team).await.map(|()| ExitCode::SUCCESS)
            }
            #[cfg(feature = "ballista")]
            Command::Cluster(node) => cmd_cluster(node).await.map(|()| ExitCode::SUCCESS),
            Command::Docs { out } => cmd_docs(out).map(|()| ExitCode::SUCCESS),
            Command::Check { input, pipeline, issues } => cmd_check(input, pipeline, issues).await,
            Command::ActionLists { from, out, team, as_at } => cmd_action_lists(from, out, team, as_at).await.map(|()| ExitCode::SUCCESS),
            Command::AnnexA { as_at, out, from } => cmd_annex_a(as_at, out, from).await.map(|()| ExitCode::SUCCESS),
        }
    });
    result.unwrap_or_else(fail)
}

fn fail(e: anyhow::Error) -> ExitCode {
    eprintln!("csc: error: {e:#}");
    ExitCode::FAILURE
}

async fn cmd_run(flags: Overrides, opts: RunOptions) -> anyhow::Result<ExitCode> {
    let cfg = RunConfig::resolve(&flags, chrono::Local::now().date_naive())?;
    let outcome = run(&cfg, &opts).await?;
    print_outcome(&outcome);
    if let (Some(settings), RunStatus::Succeeded) = (&cfg.report, outcome.manifest.status) {
        // The run has published: a pack that cannot be written is reported, and the exit status
        // stays the run's.
        match write_pack(&cfg, settings.clone(), settings.out.clone().unwrap_or_else(|| PathBuf::from("reports"))).await {
            Ok(files) => println!("\n{files}"),
            Err(e) => eprintln!("csc: published, but the performance pack could not be written: {e}"),
        }
    }
    let status = csc_pipeline::run::exit_status(&cfg, &outcome);
    if status == ExitStatus::TooManyErrors {
        eprintln!(
            "csc: published, but {} data-quality errors is more than the {} the pipeline file allows",
            outcome.manifest.issues.by_severity.error,
            cfg.max_error_issues.unwrap_or_default()
        );
    }
    Ok(status.into())
}

async fn cmd_hub(la: &str, jobs: Option<usize>, regional: Option<String>, flags: Overrides, opts: RunOptions) -> anyhow::Result<ExitCode> {
    use csc_pipeline::{hub, regional};
    let las: Vec<String> = match la {
        "all" => hub::discover(flags.input.as_deref().unwrap_or_default()).await?,
        list => list.split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect(),
    };
    anyhow::ensure!(!las.is_empty(), "--la names no local authority: give DfE codes separated by commas, or all");
    // The regional warehouse's key and location are checked before any LA runs.
    let regional = match regional
        .map(Ok::<_, csc_pipeline::Error>)
        .or_else(|| flags.pipeline.as_deref().and_then(|p| csc_pipeline::config::regional_warehouse_of(p).transpose()))
    {
        Some(location) => {
            let template = flags.warehouse.as_deref().unwrap_or("warehouse");
            let la_warehouses: Vec<String> = las.iter().map(|la| hub::la_location(template, la)).collect();
            let key = std::env::var_os(csc_pipeline::pseudonymise::REGIONAL_KEY_VAR).map(|v| v.into_encoded_bytes());
            Some(regional::RegionalConfig::resolve(&location?, key.as_deref(), flags.pseudonym_key.as_deref(), &la_warehouses)?)
        }
        None => None,
    };
    // Several runs at once would interleave their progress bars: the log says how each ends.
    csc_pipeline::progress::enable(false);
    let results = hub::run_all(&flags, &las, jobs, &opts, chrono::Local::now().date_naive()).await;
    let _ = hub::summary(&mut std::io::stdout().lock(), &results);
    let status = hub::exit_status(&results);
    let Some(regional) = regional else { return Ok(status.into()) };
    let outcome = regional::publish(&regional, &results, &opts).await;
    let _ = regional::summary(&mut std::io::stdout().lock(), &outcome);
    Ok(regional::exit_status(status, &outcome).into())
}

async fn cmd_demo(out: PathBuf, hand_made: bool) -> anyhow::Result<()> {
    let (cfg, input) = if hand_made {
        let cfg = demo::prepare(&out)?;
        let input = format!("hand-made SSD extract, 36 invented children: {}", cfg.input);
        (cfg, input)
    } else {
        let (cfg, generated) = synth::demo::prepare(&out)?;
        let (from, to) = synth::demo::window();
        let input = format!(
            "synthetic {} ({}) {from} to {to}, {} invented children, {} faults injected: {}",
            generated.report.la_name, generated.report.la_code, generated.children, generated.faults, cfg.input
        );
        (cfg, input)
    };
    // The demo always runs, even over its own earlier output.
    let outcome = run(&cfg, &RunOptions { force: true, ..RunOptions::default() }).await?;
    print_outcome(&outcome);
    let warehouse = csc_pipeline::storage::Location::parse(&cfg.warehouse, false)?;
    let lists = csc_pipeline::report::annex_a_workbook::read_lists(&warehouse, cfg.as_at).await?;
    let workbook = demo::annex_a_path(&out, cfg.as_at);
    let facts = csc_pipeline::report::annex_a_workbook::read_extract_facts(&warehouse, cfg.as_at).await?;
    csc_pipeline::report::annex_a_workbook::write_workbook(
        &lists,
        &workbook,
        &csc_pipeline::report::annex_a_workbook::WorkbookInfo { as_at: cfg.as_at, facts },
    )?;
    println!();
    println!("Demo input ({input})");
    println!("Annex A workbook as at {}: {}", cfg.as_at, workbook.display());
    println!("{}", demo_action_lists(&warehouse, cfg.as_at, &out).await?);
    println!("{}", write_pack(&cfg, csc_pipeline::report::pack::PackSettings::default(), demo::report_dir(&out)).await?);
    println!("DuckDB:  INSTALL delta; LOAD delta; SELECT * FROM delta_scan('{}/marts/fact_measure');", outcome.warehouse);
    println!("polars:  pl.read_delta('{}/marts/fact_measure')   (more in docs/warehouse.md)", outcome.warehouse);
    Ok(())
}

/// Writes the demo's action lists per team into `<out>/action_lists/` and says how many children
/// each team has on them, in a few lines.
async fn demo_action_lists(warehouse: &csc_pipeline::storage::Location, as_at: NaiveDate, out: &std::path::Path) -> anyhow::Result<String> {
    use csc_pipeline::report::action_lists;
    let lists = action_lists::read_lists(warehouse, as_at).await?;
    let dir = out.join("action_lists");
    let written = action_lists::write_team_workbooks(&lists, as_at, &dir, None)?;
    let counts = action_lists::counts_by_team(&lists);
    let total: usize = counts.values().flat_map(|by_list| by_list.values()).sum();
    let mut text = format!(
        "Action lists as at {as_at} (restricted; {} team workbooks in {}): {total} rows{}",
        written.len(),
        dir.display(),
        if counts.is_empty() { ", no child is overdue" } else { ", by team:" }
    );
    let mut teams = Vec::new();
    let by_team = counts.iter().map(|(team, by_list)| format!("{team} {}", by_list.values().sum::<usize>()));
    csc_pipeline::report::summary::wrapped(&mut teams, by_team)?;
    if !teams.is_empty() {
        text.push('\n');
        text.push_str(String::from_utf8_lossy(&teams).trim_end());
    }
    Ok(text)
}

/// Writes the performance pack of the run `cfg` just published.
async fn write_pack(
    cfg: &RunConfig,
    settings: csc_pipeline::report::pack::PackSettings,
    out: PathBuf,
) -> anyhow::Result<csc_pipeline::report::pack::PackFiles> {
    let warehouse = csc_pipeline::storage::Location::open(&cfg.warehouse, false, &cfg.storage)?;
    let req = csc_pipeline::report::pack::PackRequest { warehouse, as_at: Some(cfg.as_at), out, settings, no_pdf: false };
    Ok(csc_pipeline::report::pack::write_pack(&req).await?)
}

async fn cmd_report(from: WarehouseArgs, as_at: Option<NaiveDate>, out: PathBuf, unsuppressed: bool, no_pdf: bool) -> anyhow::Result<()> {
    let mut settings = match &from.pipeline {
        Some(p) => csc_pipeline::config::report_settings(p)?.0,
        None => csc_pipeline::report::pack::PackSettings::default(),
    };
    if unsuppressed {
        settings.marker = None;
    }
    let warehouse = from.open("published tables")?;
    let files =
        csc_pipeline::report::pack::write_pack(&csc_pipeline::report::pack::PackRequest { warehouse, as_at, out, settings, no_pdf })
            .await?;
    println!("{files}");
    Ok(())
}

async fn cmd_issues(out: PathBuf, from: WarehouseArgs, restricted: bool, by_team: bool, team: Option<String>) -> anyhow::Result<()> {
    let warehouse = from.open("data-quality issues")?;
    if by_team {
        for (team, path, rows) in csc_pipeline::report::issues_csv::write_issues_by_team(&warehouse, &out, team.as_deref()).await? {
            println!("{team}: {} ({rows} issues to correct, restricted)", path.display());
        }
        return Ok(());
    }
    let rows = csc_pipeline::report::issues_csv::write_issues_csv(&warehouse, restricted, &out).await?;
    println!("{} ({rows} issues{})", out.display(), if restricted { ", with raw values" } else { "" });
    Ok(())
}

async fn cmd_action_lists(from: WarehouseArgs, out: PathBuf, team: Option<String>, as_at: Option<NaiveDate>) -> anyhow::Result<()> {
    use csc_pipeline::report::action_lists;
    let warehouse = from.open("action lists")?;
    let as_at = match as_at {
        Some(d) => d,
        None => action_lists::published_as_at(&warehouse).await?,
    };
    let lists = action_lists::read_lists(&warehouse, as_at).await?;
    for (team, path, rows) in action_lists::write_team_workbooks(&lists, as_at, &out, team.as_deref())? {
        println!("{team}: {} ({rows} rows, as at {as_at})", path.display());
    }
    Ok(())
}

async fn cmd_annex_a(as_at: NaiveDate, out: PathBuf, from: WarehouseArgs) -> anyhow::Result<()> {
    let warehouse = from.open("Annex A lists")?;
    let lists = csc_pipeline::report::annex_a_workbook::read_lists(&warehouse, as_at).await?;
    let facts = csc_pipeline::report::annex_a_workbook::read_extract_facts(&warehouse, as_at).await?;
    csc_pipeline::report::annex_a_workbook::write_workbook(
        &lists,
        &out,
        &csc_pipeline::report::annex_a_workbook::WorkbookInfo { as_at, facts },
    )?;
    let rows: usize = lists.iter().map(|(_, b)| b.num_rows()).sum();
    println!("{} (Notes and 11 lists, {rows} rows, as at {as_at})", out.display());
    Ok(())
}

async fn cmd_check(input: String, pipeline: Option<PathBuf>, issues_csv: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    use csc_pipeline::normalise::{normalise, recognise, vendor};
    use csc_pipeline::quality::Severity;
    let tables = csc_pipeline::schema::ssd_tables();
    let codes = csc_pipeline::reference::CodeLists::builtin();
    vendor::use_mappings(vendor::load_dir(pipeline.as_deref().and_then(|p| p.parent()).map(|d| d.join("mappings")).as_deref(), tables)?);
    let started = std::time::Instant::now();
    let mut issues = Vec::new();
    let path = std::path::Path::new(&input);
    let files = if path.is_file() {
        let bytes = bytes::Bytes::from(std::fs::read(path)?);
        let kind = recognise(&bytes, tables);
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| input.clone());
        vec![csc_pipeline::extract::InputFile::in_memory(name, bytes, kind)]
    } else {
        let location = csc_pipeline::storage::Location::parse(&input, false)?;
        csc_pipeline::extract::extract(&location, tables, InputFormat::Auto, &mut issues).await?
    };
    let out = normalise(tables, &files, codes, &mut issues)?;
    let elapsed = started.elapsed().as_secs_f64();
    let rows: usize = out.rows_by_file.iter().sum();
    println!("checked {} file(s) in {elapsed:.2} s: {rows} records for the core tables", files.len());
    for (f, n) in files.iter().zip(&out.rows_by_file) {
        let kind = f.kind.as_ref().map(|k| k.describe()).unwrap_or_else(|| "not recognised".into());
        println!("  {}: {kind}, {n} records", f.path);
    }
    println!("core tables:");
    for t in out.tables.iter().filter(|t| t.rows_in > 0) {
        println!("  {:<20} {:>8} rows ({} rejected)", t.spec.name, t.rows_out(), t.rows_in - t.rows_out());
    }
    let mut by_code: std::collections::BTreeMap<(Severity, &str), usize> = Default::default();
    for i in &issues {
        *by_code.entry((i.severity, i.code)).or_default() += 1;
    }
    let counts = csc_pipeline::quality::IssueCounts::of(&issues);
    println!("issues: {} error, {} warning, {} info", counts.error, counts.warning, counts.info);
    for ((severity, code), n) in by_code.iter().rev() {
        println!("  {:<8} {code:<28} {n:>8}", severity.as_str());
    }
    if let Some(path) = issues_csv {
        // Raw cell values: readable by their owner only, and nothing in it runs in Excel.
        let batch = csc_pipeline::quality::issues_batch("check", &issues)?;
        csc_pipeline::export::write_table(&batch, &path, "issues", true)?;
        println!("issues written to {}", path.display());
    }
    Ok(if counts.error > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

/// Runs a Ballista scheduler or executor until SIGTERM or Ctrl-C, saying when it is ready.
#[cfg(feature = "ballista")]
async fn cmd_cluster(node: ClusterCommand) -> anyhow::Result<()> {
    use csc_pipeline::model::engine::cluster::{cluster_state, Executor, ExecutorOptions, Scheduler};
    let state = cluster_state(&csc_pipeline::model::SessionOptions::default())?;
    match node {
        ClusterCommand::Scheduler { bind } => {
            let scheduler = Scheduler::start(&state, bind).await?;
            tracing::info!(addr = %scheduler.addr, "Ballista scheduler ready: run executors with --scheduler HOST:{}", scheduler.addr.port());
            scheduler.run_until_stopped().await?;
        }
        ClusterCommand::Executor { scheduler, bind, advertise_host, work_dir, vcores, memory_limit } => {
            let memory_limit = memory_limit.as_deref().map(csc_pipeline::model::engine::parse_bytes).transpose()?;
            let opts = ExecutorOptions { scheduler: scheduler.clone(), bind, advertise_host, work_dir, vcores, memory_limit };
            let mut executor = Executor::start(&state, &opts)?;
            // Until the scheduler answers, the executor retries (and says so in the log).
            executor.registered(std::time::Duration::MAX).await?;
            tracing::info!(%scheduler, %bind, "Ballista executor registered with the scheduler");
            executor.run_until_stopped().await?;
        }
    }
    tracing::info!("stopped");
    Ok(())
}

fn cmd_docs(out: PathBuf) -> anyhow::Result<()> {
    std::fs::create_dir_all(&out)?;
    let path = out.join("data_dictionary.md");
    std::fs::write(&path, csc_pipeline::docs::data_dictionary())?;
    println!("{}", path.display());
    Ok(())
}

fn cmd_synth(cfg: synth::SynthConfig, report: bool) -> anyhow::Result<()> {
    let outcome = synth::generate(&cfg)?;
    let mut out = std::io::stdout().lock();
    // A closed pipe is a normal ending, as for `run`.
    let _ = synth::print_summary(&mut out, &cfg, &outcome, report);
    let failed = outcome.report.failures().len();
    if report && failed > 0 {
        anyhow::bail!(
            "calibration check failed: {failed} of {} checks outside tolerance (see {})",
            outcome.report.checks.len(),
            cfg.out.join("calibration_report.csv").display()
        );
    }
    Ok(())
}

fn print_outcome(outcome: &RunOutcome) {
    // A closed pipe (e.g. `csc demo | head`) is a normal ending, not an error worth reporting.
    let _ = run_summary(&mut std::io::stdout().lock(), outcome);
}
