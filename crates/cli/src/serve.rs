//! `corridor serve` and `corridor demo`: the server's start-up, the demo loader (in a child
//! process for `serve --demo`), and a graceful stop.

use super::*;

/// Demo accounts (printed), cases and enterprises.
pub(crate) async fn seed_demo(
    app: &Arc<corridor_app::App>,
    (cases, enterprises, seed): (usize, usize, u64),
    city: Option<&str>,
) -> anyhow::Result<()> {
    let t = std::time::Instant::now();
    let s = corridor_app::demo::seed_city(app, cases, seed, city).await?;
    println!(
        "Demo accounts (password for all: {}):",
        corridor_app::demo::DEMO_PASSWORD
    );
    // A reviewer at every authority: one line a city, naming the kinds.
    let mut reviewers: Vec<(String, Vec<&str>)> = Vec::new();
    for u in &s.users {
        match u
            .username
            .strip_prefix("reviewer.")
            .and_then(|r| r.split_once('.'))
        {
            Some((city, kind)) => match reviewers.iter_mut().find(|(c, _)| c == city) {
                Some((_, kinds)) => kinds.push(kind),
                None => reviewers.push((city.to_string(), vec![kind])),
            },
            None => println!("  {:<28} {:<13} {}", u.username, u.role.as_str(), u.scope),
        }
    }
    for (city, kinds) in &reviewers {
        println!(
            "  {:<28} {:<13} {city}-<kind>, kind: {}",
            format!("reviewer.{city}.<kind>"),
            "reviewer",
            kinds.join(" ")
        );
    }
    println!(
        "Demo data: {} new cases, {} audit events in {:.1} s",
        s.cases,
        s.events,
        t.elapsed().as_secs_f64()
    );
    // A new demo: the sample enterprise (ent.340100) holds a business licence it can give by
    // reference for a material (once only).
    if s.cases > 0 && city.is_none_or(|c| c == "340100") {
        if let Some((number, _)) = corridor_app::demo::issue_sample_licence(app).await? {
            println!("  ent.340100 holds the business licence {number}");
        }
    }
    let t = std::time::Instant::now();
    let d = corridor_app::industry::seed_demo(app, enterprises, seed).await?;
    for (u, uscc) in &d.accounts {
        println!("  {u:<28} {:<13} {uscc}", "enterprise");
    }
    if d.finance_members > 0 {
        println!(
            "  {:<28} {:<13} the finance alliance's bank",
            "finance.bank", "member"
        );
    }
    println!(
        "Demo industry chain: {} new enterprises, {} needs ({} in an open call), {} joint \
         projects, {} finance alliance members, {} financing needs in {:.1} s",
        d.enterprises,
        d.needs + d.call_needs,
        d.call_needs,
        d.projects,
        d.finance_members,
        d.financing_needs,
        t.elapsed().as_secs_f64()
    );
    let a = corridor_app::auctions::seed_demo(app).await?;
    if let Some(s) = a.session {
        println!(
            "Demo auctions: a live session ({s}) of {} lots, at /auctions",
            a.lots
        );
    }
    Ok(())
}

/// `serve --demo` generates the demo data in a child process (`corridor demo`), so that the
/// memory the bulk load takes (a large page cache, the generator's buffers) goes with it
/// instead of staying with the server for its whole life. The child sees the same store,
/// index and weights through the environment.
pub(crate) async fn demo_in_child(
    cli: &Cli,
    cases: usize,
    enterprises: usize,
    seed: u64,
) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("cannot find this program to run the demo")?;
    let mut cmd = std::process::Command::new(exe);
    cmd.env("CORRIDOR_DATA_DIR", &cli.data_dir)
        .env("CORRIDOR_INDEX_DIR", cli.index_dir())
        .args(["demo", "--cases", &cases.to_string()])
        .args(["--enterprises", &enterprises.to_string()])
        .args(["--seed", &seed.to_string()]);
    if let Some(url) = &cli.database_url {
        cmd.env("CORRIDOR_DATABASE_URL", url);
    }
    if let Some(w) = &cli.match_weights {
        cmd.env("CORRIDOR_MATCH_WEIGHTS", w);
    }
    if let Some(g) = &cli.glossary {
        cmd.env("CORRIDOR_GLOSSARY", g);
    }
    let status = tokio::task::spawn_blocking(move || cmd.status())
        .await?
        .context("cannot run the demo loader")?;
    anyhow::ensure!(status.success(), "the demo loader failed ({status})");
    Ok(())
}

pub(crate) async fn serve(
    cli: &Cli,
    listen: &str,
    demo: bool,
    (demo_cases, demo_enterprises): (usize, usize),
    demo_seed: u64,
    (max_in_flight, limits): (usize, corridor_domain::materials::Limits),
    (options, trust, mail): (
        corridor_server::ServerOptions,
        &crate::trust_cmd::NodeTrust,
        Option<corridor_app::notices::MailConfig>,
    ),
) -> anyhow::Result<()> {
    let where_ = cli
        .database_url
        .as_deref()
        .map(redact_url)
        .unwrap_or_else(|| format!("SQLite in {}", cli.data_dir.display()));
    if demo {
        demo_in_child(cli, demo_cases, demo_enterprises, demo_seed).await?;
    }
    let app = cli
        .app_with(corridor_app::industry::IndexMode::Dir(cli.index_dir()))
        .await?;
    app.set_material_limits(limits);
    app.sweep_unrecorded_files().await?;
    crate::trust_cmd::start_node_trust(&app, trust)?;
    tracing::info!(database = %where_, catalogue_version = app.reference().version, "store ready");
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    println!(
        "Corridor listening on http://{}  (API: /api/v1, OpenAPI: /api/openapi.json)",
        listener.local_addr()?
    );
    app.start_housekeeping();
    if let Some(m) = mail {
        tracing::info!(server = %format!("{}:{}", m.host, m.port), from = %m.from, "notices mailed");
        app.start_mailer(m, std::time::Duration::from_secs(5));
    }
    let state = corridor_server::ServerState::new(app, max_in_flight).with_options(options);
    corridor_server::serve(state, listener, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Ctrl-C or SIGTERM (what a service manager sends): stop accepting, finish what is running.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

/// Where notices are mailed (`serve`).
#[derive(clap::Args, Clone, Default)]
pub(crate) struct MailArgs {
    /// The SMTP server notices are mailed through, `smtp://host[:port]` (a relay on this
    /// machine or the service centre's; Corridor speaks plain SMTP to it). Without it, notices
    /// are shown on the applicant's pages only and their mails wait.
    #[arg(long, env = "CORRIDOR_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The sender's address of the mails.
    #[arg(
        long,
        env = "CORRIDOR_MAIL_FROM",
        default_value = "noreply@corridor.localhost"
    )]
    pub mail_from: String,
}

impl MailArgs {
    pub(crate) fn config(&self) -> anyhow::Result<Option<corridor_app::notices::MailConfig>> {
        self.smtp_url
            .as_deref()
            .map(|u| corridor_app::notices::MailConfig::parse(u, &self.mail_from))
            .transpose()
            .map_err(|e| anyhow::anyhow!(e))
    }
}
