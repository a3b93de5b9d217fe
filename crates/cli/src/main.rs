//! `corridor`: the server and the command line.

mod args;
mod auction_cmd;
mod bench_handoff;
mod federation_cmd;
mod id_check;
mod industry_cmd;
mod licence_cmd;
mod reference_cmd;
mod serve;
mod trust_cmd;

use args::*;
use id_check::id_check;
use serve::{seed_demo, serve};

use corridor_bench as bench;

/// mimalloc instead of glibc's malloc: the demo loader allocates in one thread and frees in
/// another, which glibc's arenas handle slowly (300,000 demo cases: 30.5 s -> 23.3 s; see
/// docs/PERFORMANCE.md for the server's figures with it).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use corridor_app::reference::Bundle;
use corridor_app::App;
use corridor_domain::calendar::CalendarYear;
use corridor_domain::clock::SystemClock;
use corridor_domain::ids::IdKind;
use corridor_store::{redact_url, Store};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;
use time::Date;

#[derive(Parser)]
#[command(
    name = "corridor",
    version,
    about = "Cross-city any-window services of the G60 corridor"
)]
struct Cli {
    /// Folder of the embedded SQLite database.
    #[arg(
        long,
        global = true,
        env = "CORRIDOR_DATA_DIR",
        default_value = "./corridor-data"
    )]
    data_dir: PathBuf,
    /// Use this database instead (sqlite:PATH or postgres://...).
    #[arg(
        long,
        global = true,
        env = "CORRIDOR_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    /// Folder of the material files (default: `materials` beside the SQLite file; on
    /// PostgreSQL the files are kept in the database unless this names a folder that every
    /// server of the deployment sees).
    #[arg(long, global = true, env = "CORRIDOR_MATERIALS_DIR")]
    materials_dir: Option<PathBuf>,
    /// Folder of the enterprise search index (default: `index` in the data folder).
    #[arg(long, global = true, env = "CORRIDOR_INDEX_DIR")]
    index_dir: Option<PathBuf>,
    /// Matching weights (a JSON file; see docs/INDUSTRY.md).
    #[arg(long, global = true, env = "CORRIDOR_MATCH_WEIGHTS")]
    match_weights: Option<PathBuf>,
    /// A bilingual glossary added to the built-in one (`中文<TAB>English` a line; see
    /// docs/INDUSTRY.md): read at start, no rebuild of the program; the server indexes the
    /// registry again when it changes (or `corridor search reindex`).
    #[arg(long, global = true, env = "CORRIDOR_GLOSSARY")]
    glossary: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the server.
    Serve {
        #[arg(long, env = "CORRIDOR_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Create demo users (printed) and a year of synthetic cases.
        #[arg(long)]
        demo: bool,
        /// How many demo cases.
        #[arg(long, default_value_t = 100_000)]
        demo_cases: usize,
        /// Seed of the demo generator.
        #[arg(long, default_value_t = 60)]
        demo_seed: u64,
        /// How many demo enterprises (besides the demo head enterprises).
        #[arg(long, default_value_t = 20_000)]
        demo_enterprises: usize,
        /// Requests served at once; more are refused with 503 and Retry-After.
        #[arg(long, env = "CORRIDOR_MAX_IN_FLIGHT", default_value_t = corridor_server::DEFAULT_MAX_IN_FLIGHT)]
        max_in_flight: usize,
        /// Mark cookies Secure and send Strict-Transport-Security: set when clients reach the
        /// server over HTTPS (through a proxy that ends TLS).
        #[arg(long, env = "CORRIDOR_SECURE_COOKIES")]
        secure_cookies: bool,
        /// A proxy whose X-Forwarded-For names the client (repeat, or comma-separate in the
        /// environment variable); sign-in limits then count the client's address, not the
        /// proxy's.
        #[arg(
            long = "trusted-proxy",
            env = "CORRIDOR_TRUSTED_PROXIES",
            value_delimiter = ','
        )]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// The largest material file accepted, in MB (at most 60: the server reads no more
        /// than 64 MiB of a request).
        #[arg(long, env = "CORRIDOR_MAX_FILE_MB", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=60))]
        max_file_mb: u64,
        /// The most a case's material files may come to together, in MB.
        #[arg(long, env = "CORRIDOR_MAX_CASE_MB", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
        max_case_mb: u64,
        /// The most files a case may have.
        #[arg(long, env = "CORRIDOR_MAX_CASE_FILES", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=1_000))]
        max_case_files: u64,
        #[command(flatten)]
        trust: trust_cmd::NodeTrust,
        #[command(flatten)]
        mail: serve::MailArgs,
    },
    /// Generate demo data (accounts, a year of cases, enterprises) into an empty store, then
    /// exit; `serve` then starts on it. Deterministic for a seed.
    Demo {
        /// How many cases.
        #[arg(long, default_value_t = 100_000)]
        cases: usize,
        /// Seed of the generator.
        #[arg(long, default_value_t = 60)]
        seed: u64,
        /// How many enterprises (besides the demo head enterprises).
        #[arg(long, default_value_t = 20_000)]
        enterprises: usize,
        /// For one city's node: only its staff, and cases received and decided there.
        #[arg(long)]
        city: Option<String>,
    },
    /// The enterprise registry.
    Enterprises {
        #[command(subcommand)]
        cmd: industry_cmd::EnterprisesCmd,
    },
    /// The enterprise search index.
    Search {
        #[command(subcommand)]
        cmd: industry_cmd::SearchCmd,
    },
    /// Check identifiers (USCC, resident identity number, organisation code).
    Id {
        #[command(subcommand)]
        cmd: IdCmd,
    },
    /// Working days.
    Calendar {
        #[command(subcommand)]
        cmd: CalCmd,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
    /// Write all data to a file (JSON lines).
    Export { file: PathBuf },
    /// Load an export into an empty store.
    Import { file: PathBuf },
    /// Reference data (members, authorities, windows, catalogue, calendar).
    Reference {
        #[command(subcommand)]
        cmd: RefCmd,
    },
    /// Accounts.
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// The trust list (all member authorities' public keys) for offline verifiers.
    TrustList {
        #[command(subcommand)]
        cmd: ExportCmd,
    },
    /// The list of revoked licences for offline verifiers.
    Revocations {
        #[command(subcommand)]
        cmd: ExportCmd,
    },
    /// E-licence files and QR texts.
    Cert {
        #[command(subcommand)]
        cmd: CertCmd,
    },
    /// Technology achievement auctions, for the joint office: listings and their review,
    /// sessions, bidders, settling, results.
    Auction {
        #[command(subcommand)]
        cmd: auction_cmd::AuctionCmd,
    },
    /// Messages to other nodes: the parked ones, and replaying one.
    Exchange {
        #[command(subcommand)]
        cmd: trust_cmd::ExchangeCmd,
    },
    /// The signed corridor trust list: root key, draft, sign, check.
    Trust {
        #[command(subcommand)]
        cmd: trust_cmd::TrustCmd,
    },
    /// A whole corridor on this machine: the joint office's node and a node per city.
    Federation {
        #[command(subcommand)]
        cmd: federation_cmd::FederationCmd,
    },
    /// Authority signing keys.
    Keys {
        #[command(subcommand)]
        cmd: KeysCmd,
    },
    /// Benchmarks (figures go to docs/PERFORMANCE.md).
    Bench {
        #[command(subcommand)]
        cmd: BenchArgs,
    },
}

/// The benchmarks: the store's and the load generator's, and the hand-off between two nodes.
#[derive(Subcommand)]
enum BenchArgs {
    #[command(flatten)]
    Other(bench::BenchCmd),
    /// Hand-offs between two nodes on this machine (real sockets, each with its own store):
    /// cases forwarded per second and the time to the deciding node's queue, next to intake
    /// measured in the same run (docs/PERFORMANCE.md).
    Handoff {
        #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        cases: u64,
        /// Clerks forwarding at once.
        #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=1024))]
        concurrency: u64,
        /// Forwards per second offered (open loop); 0: as fast as the clerks can.
        #[arg(long, default_value_t = 0.0)]
        rate: f64,
        /// Then stop the deciding node this long while as many cases are forwarded, start it
        /// again and time the backlog's drain (0: not measured).
        #[arg(long, default_value_t = 0)]
        down_secs: u64,
    },
}

fn parse_date(s: &str) -> anyhow::Result<Date> {
    corridor_store::parse_date(s.trim())
        .map_err(|_| anyhow::anyhow!("'{s}' is not a date (YYYY-MM-DD)"))
}

impl Cli {
    pub(crate) async fn store(&self) -> anyhow::Result<Store> {
        let store = match &self.database_url {
            Some(url) => Store::connect(url)
                .await
                .with_context(|| format!("cannot open {}", redact_url(url)))?,
            None => Store::open_dir(&self.data_dir).await.with_context(|| {
                format!("cannot open the data directory {}", self.data_dir.display())
            })?,
        };
        Ok(match &self.materials_dir {
            Some(dir) => store.with_blob_dir(dir.clone()),
            None => store,
        })
    }

    /// The application for a command that runs beside a server: no search index.
    pub(crate) async fn app(&self) -> anyhow::Result<Arc<App>> {
        self.app_with(corridor_app::industry::IndexMode::Off).await
    }

    pub(crate) fn index_dir(&self) -> PathBuf {
        self.index_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("index"))
    }

    /// The built-in glossary with the operator's file added, when one is named.
    fn glossary(&self) -> anyhow::Result<Option<Arc<corridor_industry::glossary::Glossary>>> {
        match &self.glossary {
            Some(f) => Ok(Some(Arc::new(
                corridor_industry::glossary::Glossary::load(Some(f)).map_err(anyhow::Error::msg)?,
            ))),
            None => Ok(None),
        }
    }

    /// The application with the search index (the server, reindexing).
    async fn app_with(&self, index: corridor_app::industry::IndexMode) -> anyhow::Result<Arc<App>> {
        let weights = match &self.match_weights {
            Some(f) => {
                let text = std::fs::read_to_string(f)
                    .with_context(|| format!("cannot read {}", f.display()))?;
                let w: corridor_industry::matching::Weights = serde_json::from_str(&text)
                    .with_context(|| format!("{}: not a weights file", f.display()))?;
                w.validate()
                    .map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
                w
            }
            None => Default::default(),
        };
        let glossary = self.glossary()?;
        let store = self.store().await?;
        let opts = corridor_app::industry::IndustryOptions {
            index,
            weights,
            glossary,
        };
        let app = App::open_with(store, Arc::new(SystemClock), &opts).await?;
        app.set_master_key(self.master_key()?);
        Ok(app)
    }

    /// The key that encrypts signing keys at rest: `CORRIDOR_MASTER_KEY` (64 hex characters),
    /// else `master.key` in the data directory, created on first use (mode 0600).
    fn master_key(&self) -> anyhow::Result<[u8; 32]> {
        if let Ok(k) = std::env::var("CORRIDOR_MASTER_KEY") {
            return corridor_licence::parse_master_key(&k).context("CORRIDOR_MASTER_KEY");
        }
        let path = self.data_dir.join("master.key");
        if let Ok(text) = std::fs::read_to_string(&path) {
            return corridor_licence::parse_master_key(&text)
                .with_context(|| format!("{}", path.display()));
        }
        std::fs::create_dir_all(&self.data_dir)?;
        let key = corridor_licence::generate_key().to_bytes();
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts
            .open(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        writeln!(f, "{hex}")?;
        f.sync_all()?;
        eprintln!(
            "note: created a master key in {}; set CORRIDOR_MASTER_KEY in production and keep it apart from the data",
            path.display()
        );
        Ok(key)
    }
}

fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("CORRIDOR_LOG_FORMAT").as_deref() == Ok("json") {
        b.json().init();
    } else {
        b.init();
    }
}

async fn run(cli: Cli) -> anyhow::Result<i32> {
    match &cli.cmd {
        Cmd::Serve {
            listen,
            demo,
            demo_cases,
            demo_seed,
            demo_enterprises,
            max_in_flight,
            secure_cookies,
            trusted_proxies,
            max_file_mb,
            max_case_mb,
            max_case_files,
            trust,
            mail,
        } => {
            let limits = corridor_domain::materials::Limits {
                file_bytes: max_file_mb * 1_000_000,
                case_bytes: max_case_mb * 1_000_000,
                case_files: *max_case_files,
            };
            let options = corridor_server::ServerOptions {
                secure_cookies: *secure_cookies,
                trusted_proxies: trusted_proxies.clone(),
                ..Default::default()
            };
            serve(
                &cli,
                listen,
                *demo,
                (*demo_cases, *demo_enterprises),
                *demo_seed,
                (*max_in_flight, limits),
                (options, trust, mail.config()?),
            )
            .await?;
        }
        Cmd::Demo {
            cases,
            seed,
            enterprises,
            city,
        } => {
            // The demo needs are ranked against the search index, so the index is opened
            // (and built) here too; `serve` then finds it up to date.
            let app = cli
                .app_with(corridor_app::industry::IndexMode::Dir(cli.index_dir()))
                .await?;
            seed_demo(&app, (*cases, *enterprises, *seed), city.as_deref()).await?;
            app.close().await;
        }
        Cmd::Enterprises { cmd } => return industry_cmd::enterprises(&cli, cmd).await,
        Cmd::Search { cmd } => return industry_cmd::search(&cli, cmd).await,
        Cmd::Id {
            cmd: IdCmd::Check { kind, codes },
        } => {
            return Ok(if id_check(*kind, codes.clone())? {
                0
            } else {
                1
            });
        }
        Cmd::Calendar { cmd } => {
            let app = cli.app().await?;
            let r = app.reference();
            match cmd {
                CalCmd::IsWorkingDay { date } => {
                    let d = parse_date(date)?;
                    if !r.calendar.covers(d.year()) {
                        eprintln!(
                            "warning: {} is not in the holiday calendar; counting Monday to Friday",
                            d.year()
                        );
                    }
                    println!("{}", r.calendar.is_working_day(d));
                }
                CalCmd::AddWorkingDays { date, n } => {
                    let d = parse_date(date)?;
                    let out = r.calendar.add_working_days(d, *n);
                    if !r.calendar.covers(out.year()) || !r.calendar.covers(d.year()) {
                        eprintln!("warning: the span leaves the holiday calendar; counting Monday to Friday there");
                    }
                    println!("{}", corridor_store::date_str(out));
                }
                CalCmd::Import { file } => {
                    let text = std::fs::read_to_string(file)
                        .with_context(|| format!("cannot read {}", file.display()))?;
                    let years: Vec<CalendarYear> =
                        serde_json::from_str(&text).with_context(|| {
                            format!("{} is not a list of calendar years", file.display())
                        })?;
                    let mut b = Bundle::shipped()?;
                    b.data.jurisdictions = r.jurisdictions.clone();
                    b.data.authority_kinds = r.authority_kinds.clone();
                    b.data.authorities = r.authorities.values().cloned().collect();
                    b.data.windows = r.windows.values().cloned().collect();
                    b.data.matters = r.current.clone();
                    for y in &years {
                        y.validate()?;
                    }
                    b.calendar = years;
                    app.import_reference(&b, "calendar import").await?;
                    println!("imported {} calendar year(s)", b.calendar.len());
                }
            }
        }
        Cmd::Audit {
            cmd: AuditCmd::Verify,
        } => {
            let app = cli.app().await?;
            let rep = app.verify_audit().await?;
            match rep.first_break {
                None => println!(
                    "audit log intact: {} events in {} chains",
                    rep.events, rep.streams
                ),
                Some(b) => {
                    eprintln!("audit log BROKEN: {b}");
                    return Ok(2);
                }
            }
            match rep.first_bad_file {
                None => println!("material files intact: {} checked", rep.files),
                Some(b) => {
                    eprintln!("material file BROKEN: {b}");
                    return Ok(2);
                }
            }
        }
        Cmd::Audit {
            cmd: AuditCmd::Stats,
        } => {
            let store = cli.store().await?;
            let diffs = store.check_stats().await?;
            if diffs.is_empty() {
                println!("statistics agree with the cases");
            } else {
                for d in diffs.iter().take(20) {
                    eprintln!("{d}");
                }
                eprintln!("statistics DIFFER from the cases in {} rows", diffs.len());
                return Ok(2);
            }
        }
        Cmd::Export { file } => {
            let store = cli.store().await?;
            let f = std::fs::File::create(file)
                .with_context(|| format!("cannot create {}", file.display()))?;
            let mut w = std::io::BufWriter::new(f);
            let n = store.export(&mut w).await?;
            w.flush()?;
            w.into_inner()?.sync_all()?;
            println!("exported {n} rows to {}", file.display());
        }
        Cmd::Import { file } => {
            let store = cli.store().await?;
            let f = std::fs::File::open(file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let n = store.import(std::io::BufReader::new(f)).await?;
            println!("imported {n} rows from {}", file.display());
        }
        Cmd::Reference { cmd } => reference_cmd::run(&cli, cmd).await?,
        Cmd::User {
            cmd:
                UserCmd::Add {
                    username,
                    role,
                    name,
                    window,
                    authority,
                    city,
                    resident_id,
                    enterprise,
                },
        } => {
            let password = match std::env::var("CORRIDOR_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut p = String::new();
                    std::io::stdin().read_line(&mut p)?;
                    p.trim_end_matches(['\n', '\r']).to_string()
                }
            };
            let app = cli.app().await?;
            let role = corridor_domain::case::Role::parse(role).context("unknown role")?;
            let u = app
                .create_user(&corridor_app::auth::NewUser {
                    username: username.clone(),
                    password,
                    role,
                    display_name: name.clone(),
                    window_id: window.clone(),
                    authority_id: authority.clone(),
                    city: city.clone(),
                    resident_id: resident_id.clone(),
                    enterprise_uscc: enterprise.clone(),
                })
                .await?;
            println!("{}", serde_json::to_string(&u)?);
        }
        Cmd::Openapi => println!("{}", corridor_api::openapi_json()),
        Cmd::TrustList {
            cmd: ExportCmd::Export { file },
        } => {
            let app = cli.app().await?;
            write_json(file.as_ref(), &app.trust_list().await?)?;
        }
        Cmd::Revocations {
            cmd: ExportCmd::Export { file },
        } => {
            let app = cli.app().await?;
            write_json(file.as_ref(), &app.revocation_list().await?)?;
        }
        Cmd::Cert { cmd } => return licence_cmd::cert(&cli, cmd).await,
        Cmd::Trust { cmd } => return trust_cmd::run(&cli, cmd).await,
        Cmd::Federation { cmd } => return federation_cmd::run(cmd).await,
        Cmd::Exchange { cmd } => return trust_cmd::exchange(&cli, cmd).await,
        Cmd::Auction { cmd } => return auction_cmd::auction(&cli, cmd).await,
        Cmd::Keys { cmd } => licence_cmd::keys(&cli, cmd).await?,
        Cmd::Bench {
            cmd:
                BenchArgs::Handoff {
                    cases,
                    concurrency,
                    rate,
                    down_secs,
                },
        } => {
            anyhow::ensure!(
                (0.0..=100_000.0).contains(rate),
                "--rate must be 0-100000 forwards per second"
            );
            bench_handoff::run(*cases as usize, *concurrency as usize, *rate, *down_secs).await?
        }
        Cmd::Bench {
            cmd: BenchArgs::Other(cmd),
        } => bench::run(&cli_store_args(&cli), cmd).await?,
    }
    Ok(0)
}

fn write_json<T: serde::Serialize>(file: Option<&PathBuf>, v: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(v)?;
    match file {
        Some(f) => std::fs::write(f, text + "\n")
            .with_context(|| format!("cannot write {}", f.display()))?,
        None => println!("{text}"),
    }
    Ok(())
}

fn read_json<T: serde::de::DeserializeOwned>(f: &PathBuf) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not the expected JSON document", f.display()))
}

/// `--at` (RFC 3339) as Unix seconds; now when absent.
fn parse_at(at: Option<&str>) -> anyhow::Result<i64> {
    Ok(match at {
        Some(t) => time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .with_context(|| format!("--at {t} is not an RFC 3339 time"))?
            .unix_timestamp(),
        None => now_secs(),
    })
}

fn now_secs() -> i64 {
    SystemClock.now_secs()
}

trait NowSecs {
    fn now_secs(&self) -> i64;
}
impl NowSecs for SystemClock {
    fn now_secs(&self) -> i64 {
        corridor_domain::clock::Clock::now(self).unix_timestamp()
    }
}

fn cli_store_args(cli: &Cli) -> bench::StoreArgs {
    bench::StoreArgs {
        database_url: cli.database_url.clone(),
        materials_dir: cli.materials_dir.clone(),
    }
}

fn main() {
    let cli = Cli::parse();
    init_logs();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = match rt.block_on(run(cli)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    };
    if code != 0 {
        // 1: invalid input or a failed command; 2: a broken audit log.
        std::process::exit(code);
    }
}
