//! `corridor federation up`: a whole corridor on one machine, for demos and tests — the joint
//! office's node and a node per member city, each a `corridor serve` process on a loopback
//! port with its own store and its own city's demo data. It is set up with the very commands
//! an operator runs (`trust root-key`, `trust node-key`, `demo --city`, `keys init`,
//! `trust-list export`, `trust draft`, `trust sign`), run as child processes; a second run in
//! the same folder starts the same corridor again.

use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

#[derive(clap::Subcommand)]
pub(crate) enum FederationCmd {
    /// Set up (once) and start the joint office's node and the nine city nodes; stop them all
    /// with Ctrl-C or SIGTERM.
    Up {
        /// The corridor's folder: root key, node keys, signed list, and per node a data
        /// folder and a log.
        #[arg(long, default_value = "corridor-federation")]
        dir: PathBuf,
        /// The joint office's node listens here, the city nodes on the next nine ports.
        #[arg(long, default_value_t = 8100)]
        base_port: u16,
        /// A PostgreSQL server: the nodes named by --postgres-node keep their store there
        /// (database `corridor_<node>`, created when missing); the others on SQLite.
        #[arg(long, env = "CORRIDOR_FEDERATION_POSTGRES")]
        postgres: Option<String>,
        /// A node on PostgreSQL (repeat); default `songjiang` when --postgres is given.
        #[arg(long = "postgres-node")]
        postgres_nodes: Vec<String>,
        /// Demo cases per city, received and decided there (set up only).
        #[arg(long, default_value_t = 2_000)]
        demo_cases: usize,
        /// How often each city node sends its counts to the joint office's node.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        statistics_every_secs: u64,
    },
}

/// A node of the corridor: id, city code, names.
struct Member {
    id: String,
    city: String,
    name_zh: String,
    name_en: String,
}

/// The joint office's node, then the member cities in the reference data's order.
fn members() -> anyhow::Result<Vec<Member>> {
    let b = corridor_app::reference::Bundle::shipped()?;
    let mut out = vec![Member {
        id: "joint-office".into(),
        city: "G60".into(),
        name_zh: "G60科创走廊联席办".into(),
        name_en: "G60 Corridor Joint Office".into(),
    }];
    for j in b.data.jurisdictions.iter().filter(|j| j.member) {
        let first = j.name_en.split_whitespace().next().unwrap_or("city");
        out.push(Member {
            id: first.to_ascii_lowercase(),
            city: j.code.to_string(),
            name_zh: j.name_zh.clone(),
            name_en: j.name_en.clone(),
        });
    }
    Ok(out)
}

/// Runs this program with `args`; its standard output, or why it failed.
fn step(data: Option<&Path>, db: Option<&str>, args: &[&str]) -> anyhow::Result<String> {
    let exe = std::env::current_exe().context("cannot find this program")?;
    let mut c = Command::new(exe);
    if let Some(d) = data {
        c.arg("--data-dir").arg(d);
    }
    match db {
        Some(u) => c.env("CORRIDOR_DATABASE_URL", u),
        None => c.env_remove("CORRIDOR_DATABASE_URL"),
    };
    let o = c
        .args(args)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run corridor {}", args.join(" ")))?;
    anyhow::ensure!(
        o.status.success(),
        "corridor {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr).trim()
    );
    Ok(String::from_utf8_lossy(&o.stdout).into_owned())
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The corridor's stores: a database URL for the nodes on PostgreSQL.
async fn databases(
    members: &[Member],
    postgres: Option<&str>,
    on_pg: &[String],
) -> anyhow::Result<Vec<Option<String>>> {
    let mut out = Vec::new();
    for m in members {
        out.push(match postgres {
            Some(base) if on_pg.contains(&m.id) => Some(
                corridor_store::Store::ensure_postgres_database(
                    base,
                    &format!("corridor_{}", m.id.replace('-', "_")),
                )
                .await
                .with_context(|| format!("the database of node {}", m.id))?,
            ),
            _ => None,
        });
    }
    Ok(out)
}

/// The joint office's steps, once: keys, each node's demo data and licence keys, the signed
/// list.
fn set_up(
    dir: &Path,
    members: &[Member],
    dbs: &[Option<String>],
    base_port: u16,
    demo_cases: usize,
) -> anyhow::Result<()> {
    let root = dir.join("root.json");
    if !root.exists() {
        step(None, None, &["trust", "root-key", "--out", &s(&root)])?;
    }
    let mut nodes = Vec::new();
    let mut draft: Vec<String> = ["trust", "draft", "--sequence", "1", "--days", "365"]
        .iter()
        .map(|a| a.to_string())
        .collect();
    for (i, (m, db)) in members.iter().zip(dbs).enumerate() {
        let data = dir.join(&m.id);
        std::fs::create_dir_all(&data)?;
        let key_file = dir.join(format!("{}.key", m.id));
        let key: serde_json::Value = if key_file.exists() {
            serde_json::from_slice(&std::fs::read(dir.join(format!("{}.pub.json", m.id)))?)?
        } else {
            let out = step(
                None,
                None,
                &[
                    "trust",
                    "node-key",
                    "--kid",
                    &format!("{}-1", m.id),
                    "--out",
                    &s(&key_file),
                ],
            )?;
            std::fs::write(dir.join(format!("{}.pub.json", m.id)), &out)?;
            serde_json::from_str(&out)?
        };
        nodes.push(serde_json::json!({
            "node_id": m.id, "city": m.city, "name_zh": m.name_zh, "name_en": m.name_en,
            "base_url": format!("http://127.0.0.1:{}/", base_port + i as u16),
            "message_keys": [{"kid": key["kid"], "public_key": key["public_key"], "not_before": 0}],
        }));
        eprintln!("setting up {} ({}) ...", m.id, m.city);
        let cases = demo_cases.to_string();
        step(
            Some(&data),
            db.as_deref(),
            &[
                "demo",
                "--city",
                &m.city,
                "--cases",
                &cases,
                "--enterprises",
                "500",
            ],
        )?;
        step(
            Some(&data),
            db.as_deref(),
            &["keys", "init", "--city", &m.city],
        )?;
        let keys = dir.join(format!("{}.keys.json", m.id));
        step(
            Some(&data),
            db.as_deref(),
            &["trust-list", "export", &s(&keys)],
        )?;
        draft.extend(["--keys".into(), s(&keys)]);
    }
    let nodes_file = dir.join("nodes.json");
    std::fs::write(&nodes_file, serde_json::to_vec_pretty(&nodes)?)?;
    let draft_file = dir.join("draft.json");
    draft.extend([
        "--nodes".into(),
        s(&nodes_file),
        "--out".into(),
        s(&draft_file),
    ]);
    let draft: Vec<&str> = draft.iter().map(String::as_str).collect();
    let office = dir.join(&members[0].id);
    step(Some(&office), dbs[0].as_deref(), &draft)?;
    let list = dir.join("list.cose");
    step(
        None,
        None,
        &[
            "trust",
            "sign",
            "--root-key",
            &s(&root),
            "--out",
            &s(&list),
            &s(&draft_file),
        ],
    )?;
    Ok(())
}

/// The nodes as started: killed (SIGTERM, then SIGKILL) when dropped.
struct Running(Vec<(String, Child)>);

impl Drop for Running {
    fn drop(&mut self) {
        for (_, c) in &self.0 {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
        }
        for (_, c) in &mut self.0 {
            for _ in 0..50 {
                if matches!(c.try_wait(), Ok(Some(_))) {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub(crate) async fn run(cmd: &FederationCmd) -> anyhow::Result<i32> {
    let FederationCmd::Up {
        dir,
        base_port,
        postgres,
        postgres_nodes,
        demo_cases,
        statistics_every_secs,
    } = cmd;
    anyhow::ensure!(
        (1024..=65_000).contains(base_port),
        "--base-port must leave room for ten ports (1024-65000)"
    );
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let members = members()?;
    let on_pg = match (postgres, postgres_nodes.is_empty()) {
        (Some(_), true) => vec!["songjiang".to_string()],
        _ => postgres_nodes.clone(),
    };
    let dbs = databases(&members, postgres.as_deref(), &on_pg).await?;
    let list = dir.join("list.cose");
    if !list.exists() {
        set_up(dir, &members, &dbs, *base_port, *demo_cases)?;
    }
    let root: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("root.json"))?).context("root.json")?;
    let root = root["public_key"].as_str().unwrap_or_default().to_string();
    let office = format!("http://127.0.0.1:{base_port}/api/v1/trust-list/signed");
    let exe = std::env::current_exe().context("cannot find this program")?;
    let mut running = Running(Vec::new());
    for (i, (m, db)) in members.iter().zip(&dbs).enumerate() {
        let port = base_port + i as u16;
        let log = std::fs::File::create(dir.join(format!("{}.log", m.id)))?;
        let mut c = Command::new(&exe);
        c.arg("--data-dir").arg(dir.join(&m.id));
        match db {
            Some(u) => c.env("CORRIDOR_DATABASE_URL", u),
            None => c.env_remove("CORRIDOR_DATABASE_URL"),
        };
        c.args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--trust-list", &s(&list), "--trust-root", &root])
            .args(["--node-id", &m.id])
            .args([
                "--statistics-every-secs",
                &statistics_every_secs.to_string(),
            ])
            .args(["--node-key", &s(&dir.join(format!("{}.key", m.id)))]);
        if i > 0 {
            c.args(["--trust-list-url", &office]);
        }
        let child = c
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start node {}", m.id))?;
        running.0.push((m.id.clone(), child));
    }
    // Ready when every node listens.
    for (i, m) in members.iter().enumerate() {
        let addr = format!("127.0.0.1:{}", base_port + i as u16);
        let mut up = false;
        for _ in 0..600 {
            if std::net::TcpStream::connect(&addr).is_ok() {
                up = true;
                break;
            }
            if let Some((_, c)) = running.0.get_mut(i) {
                if let Ok(Some(status)) = c.try_wait() {
                    anyhow::bail!(
                        "node {} stopped ({status}); see {}",
                        m.id,
                        dir.join(format!("{}.log", m.id)).display()
                    );
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        anyhow::ensure!(up, "node {} did not listen within a minute", m.id);
    }
    for (i, (m, db)) in members.iter().zip(&dbs).enumerate() {
        println!(
            "{}",
            serde_json::json!({
                "node": m.id, "city": m.city, "name_en": m.name_en,
                "url": format!("http://127.0.0.1:{}", base_port + i as u16),
                "store": if db.is_some() { "postgresql" } else { "sqlite" },
            })
        );
    }
    println!(
        "{}",
        serde_json::json!({"ready": true, "password": corridor_app::demo::DEMO_PASSWORD})
    );
    eprintln!(
        "The corridor is up: {} nodes. Sign in at any of them (accounts: admin, office, clerk.<city>, reviewer.<city>.<kind>, ent.340100…; password {}). Ctrl-C stops them all.",
        members.len(),
        corridor_app::demo::DEMO_PASSWORD
    );
    // Until stopped, or until a node stops by itself.
    let mut watch = tokio::time::interval(std::time::Duration::from_secs(1));
    let stop = crate::serve::shutdown_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = watch.tick() => {
                for (id, c) in &mut running.0 {
                    if let Ok(Some(status)) = c.try_wait() {
                        anyhow::bail!("node {id} stopped ({status}); the others are stopped too");
                    }
                }
            }
        }
    }
    drop(running);
    Ok(0)
}
