//! `corridor trust` and `corridor exchange` (issue #24): the signed corridor trust list — the
//! joint office makes the root key and signs lists on a machine of its own; nodes and
//! verifiers pin the root's public key and check every list against it — a node's settings
//! (its identity, its list, where it fetches newer ones, delivery), and the operator's view of
//! parked messages.

use crate::{parse_at, read_json, write_json, Cli};
use anyhow::Context;
use clap::Subcommand;
use corridor_licence::trust::{self as t, CorridorTrust, Held, Node};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub(crate) enum TrustCmd {
    /// Make the corridor's root key (on the joint office's signing machine): the secret goes
    /// to a new file readable by its owner only; the public key to pin is printed.
    RootKey {
        #[arg(long)]
        out: PathBuf,
    },
    /// Make a node's message key: the secret to a new file readable by its owner only; the
    /// key's entry for the node's `message_keys` in the nodes file is printed.
    NodeKey {
        /// The key's id, e.g. `hefei-msg-2026`.
        #[arg(long)]
        kid: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// A draft list: the member nodes (a JSON array from a file) and this store's
    /// authorities' licence keys.
    Draft {
        /// JSON array of nodes: node_id, city, name_zh, name_en, base_url, message_keys.
        #[arg(long)]
        nodes: PathBuf,
        /// One above the last signed list's.
        #[arg(long)]
        sequence: u64,
        /// Days until the list expires.
        #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: u32,
        /// Another node's authorities' licence keys: its `corridor trust-list export` (or
        /// `GET /api/v1/trust-list`). Repeat for every node; this store's keys are always in.
        #[arg(long = "keys")]
        keys: Vec<PathBuf>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Sign a draft with the root key.
    Sign {
        #[arg(long)]
        root_key: PathBuf,
        #[arg(long)]
        out: PathBuf,
        draft: PathBuf,
    },
    /// Check a signed list against the pinned root key(s) and print it; exit 1 when refused.
    Check {
        /// A pinned root public key (base64url); repeat for a root being rotated.
        #[arg(long = "root", required = true, allow_hyphen_values = true)]
        roots: Vec<String>,
        /// The list held now: a newer list must have a higher sequence.
        #[arg(long)]
        held: Option<PathBuf>,
        /// Check as of this time (RFC 3339); default now.
        #[arg(long)]
        at: Option<String>,
        list: PathBuf,
    },
}

/// A key file (the root's, or a node's message key).
#[derive(Serialize, Deserialize)]
struct RootKeyFile {
    format: String,
    kid: String,
    public_key: String,
    /// The Ed25519 secret, hex.
    secret: String,
}

const ROOT_KEY_FORMAT: &str = "corridor-root-key/1";
const NODE_KEY_FORMAT: &str = "corridor-node-key/1";

/// A key file of `format`: its key id and secret.
fn read_key(path: &Path, format: &str) -> anyhow::Result<(String, corridor_licence::SigningKey)> {
    let f: RootKeyFile = read_json(&path.to_path_buf())?;
    anyhow::ensure!(
        f.format == format,
        "{} is not a key file of the kind expected ({format})",
        path.display()
    );
    let bytes: [u8; 32] = hex::decode(f.secret.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .with_context(|| format!("{}: the secret is not 32 bytes of hex", path.display()))?;
    Ok((f.kid, corridor_licence::SigningKey::from_bytes(&bytes)))
}

/// Writes a new key file (never over an existing one), readable by its owner only.
fn write_key(out: &Path, f: &RootKeyFile) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut file = opts
        .open(out)
        .with_context(|| format!("cannot create {} (it must not exist)", out.display()))?;
    std::io::Write::write_all(&mut file, serde_json::to_string_pretty(f)?.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// A signed list from a file, opened against `roots` (base64url public keys).
pub(crate) fn open_list(
    path: &Path,
    roots: &[String],
    held: Option<&Path>,
    now: i64,
) -> anyhow::Result<Result<CorridorTrust, t::TrustError>> {
    let roots = roots
        .iter()
        .map(|r| t::pinned_root(r).map_err(|_| anyhow::anyhow!("--root {r} is not a public key")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let bytes = read_limited(path)?;
    let held_bytes = held.map(read_limited).transpose()?;
    // The list held was accepted before (it may have expired since): its signature is
    // checked again, and its sequence read.
    let held = match &held_bytes {
        Some(b) => Some(Held {
            sequence: t::verify_signed(b, &roots)
                .map_err(|e| anyhow::anyhow!("the held list: {e}"))?
                .sequence,
            envelope: b,
        }),
        None => None,
    };
    Ok(t::open_trust(&bytes, &roots, held, now))
}

fn read_limited(path: &Path) -> anyhow::Result<Vec<u8>> {
    let len = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    anyhow::ensure!(
        len <= t::MAX_SIGNED_LIST as u64,
        "{} is larger than a trust list may be (4 MiB)",
        path.display()
    );
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

pub(crate) async fn run(cli: &Cli, cmd: &TrustCmd) -> anyhow::Result<i32> {
    match cmd {
        TrustCmd::RootKey { out } => {
            let key = corridor_licence::generate_key();
            let f = RootKeyFile {
                format: ROOT_KEY_FORMAT.into(),
                kid: t::root_kid(&key.verifying_key()),
                public_key: t::root_public(&key),
                secret: hex::encode(key.to_bytes()),
            };
            write_key(out, &f)?;
            println!(
                "{}",
                serde_json::json!({"kid": f.kid, "public_key": f.public_key})
            );
        }
        TrustCmd::NodeKey { kid, out } => {
            anyhow::ensure!(
                !kid.is_empty()
                    && kid.len() <= 64
                    && kid
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
                "--kid: 1 to 64 letters, digits, '-', '_' or '.'"
            );
            let key = corridor_licence::generate_key();
            let f = RootKeyFile {
                format: NODE_KEY_FORMAT.into(),
                kid: kid.clone(),
                public_key: corridor_licence::public_key_b64(&key.verifying_key()),
                secret: hex::encode(key.to_bytes()),
            };
            write_key(out, &f)?;
            println!(
                "{}",
                serde_json::json!({"kid": f.kid, "public_key": f.public_key, "not_before": crate::now_secs()})
            );
        }
        TrustCmd::Draft {
            nodes,
            sequence,
            days,
            keys,
            out,
        } => {
            let nodes: Vec<Node> = read_json(nodes)?;
            let app = cli.app().await?;
            let mut licence_keys = app.trust_list().await?.keys;
            for f in keys {
                let other: corridor_licence::TrustList = read_json(f)?;
                for k in other.keys {
                    if !licence_keys.iter().any(|h| h.kid == k.kid) {
                        licence_keys.push(k);
                    }
                }
            }
            let now = crate::now_secs();
            let draft = CorridorTrust {
                format: t::SIGNED_TRUST_FORMAT.into(),
                sequence: *sequence,
                issued_at: now,
                expires_at: now + i64::from(*days) * 86_400,
                nodes,
                licence_keys,
            };
            draft.check().context("the draft")?;
            write_json(out.as_ref(), &draft)?;
        }
        TrustCmd::Sign {
            root_key,
            out,
            draft,
        } => {
            let (_, key) = read_key(root_key, ROOT_KEY_FORMAT)?;
            let draft: CorridorTrust = read_json(draft)?;
            let signed = t::sign_trust(&draft, &key).context("the draft")?;
            std::fs::write(out, &signed)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "{}",
                serde_json::json!({
                    "sequence": draft.sequence,
                    "nodes": draft.nodes.len(),
                    "licence_keys": draft.licence_keys.len(),
                    "bytes": signed.len(),
                })
            );
        }
        TrustCmd::Check {
            roots,
            held,
            at,
            list,
        } => {
            let now = parse_at(at.as_deref())?;
            return Ok(match open_list(list, roots, held.as_deref(), now)? {
                Ok(l) => {
                    println!("{}", serde_json::to_string_pretty(&l)?);
                    0
                }
                Err(e) => {
                    eprintln!("refused ({}): {e}", e.code());
                    1
                }
            });
        }
    }
    Ok(0)
}

/// A node's trust settings (`serve`).
#[derive(clap::Args, Clone, Default)]
pub(crate) struct NodeTrust {
    /// The signed corridor trust list this node holds (from `corridor trust sign`); needs
    /// --trust-root. Newer lists fetched from --trust-list-url replace the file.
    #[arg(long, env = "CORRIDOR_TRUST_LIST", requires = "trust_roots")]
    pub trust_list: Option<PathBuf>,
    /// A pinned corridor root public key (base64url); repeat (or comma-separate in the
    /// environment variable) while a root key is being replaced.
    #[arg(
        long = "trust-root",
        allow_hyphen_values = true,
        env = "CORRIDOR_TRUST_ROOTS",
        value_delimiter = ','
    )]
    pub trust_roots: Vec<String>,
    /// Where newer lists are fetched, e.g. the joint office's node:
    /// http://…/api/v1/trust-list/signed.
    #[arg(long, env = "CORRIDOR_TRUST_LIST_URL", requires = "trust_list")]
    pub trust_list_url: Option<String>,
    /// This node's id in the trust list (with --node-key): it then receives messages from
    /// other nodes at POST /api/v1/exchange/messages.
    #[arg(long, env = "CORRIDOR_NODE_ID", requires = "node_key")]
    pub node_id: Option<String>,
    /// This node's message key file (from `corridor trust node-key`).
    #[arg(long, env = "CORRIDOR_NODE_KEY", requires = "node_id")]
    pub node_key: Option<PathBuf>,
    /// How often due messages to other nodes are sent, in milliseconds.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(50..=60_000))]
    pub delivery_every_ms: u64,
    /// A message not delivered within this many seconds is parked for an operator to replay
    /// (`corridor exchange parked`, `corridor exchange replay ID`).
    #[arg(long, env = "CORRIDOR_PARK_AFTER_SECS", default_value_t = 21_600, value_parser = clap::value_parser!(u64).range(1..=2_592_000))]
    pub park_after_secs: u64,
    /// Seconds between fetches.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub trust_refresh_secs: u64,
    /// A city node sends the counts of the cases it decides to the joint office's node at
    /// start and every this many seconds (0: never).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub statistics_every_secs: u64,
}

/// Pins the roots and loads the held list (a refused list stops the start, with its reason);
/// then fetches newer lists in the background when a URL is set.
pub(crate) fn start_node_trust(
    app: &std::sync::Arc<corridor_app::App>,
    cfg: &NodeTrust,
) -> anyhow::Result<()> {
    if let (Some(node_id), Some(path)) = (&cfg.node_id, &cfg.node_key) {
        let (kid, key) = read_key(path, NODE_KEY_FORMAT)?;
        app.set_node_identity(corridor_app::exchange::NodeIdentity {
            node_id: node_id.clone(),
            kid,
            key,
        });
    }
    if cfg.trust_roots.is_empty() {
        return Ok(());
    }
    app.pin_trust_roots(&cfg.trust_roots)
        .map_err(|e| anyhow::anyhow!("--trust-root: {}", e.detail))?;
    let Some(file) = cfg.trust_list.clone() else {
        return Ok(());
    };
    let bytes = read_limited(&file)?;
    app.offer_trust_list(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: refused ({})", file.display(), e.detail))?;
    if cfg.node_id.is_some() {
        app.start_delivery(
            corridor_server::client::http_transport().map_err(|e| anyhow::anyhow!(e))?,
            std::time::Duration::from_millis(cfg.delivery_every_ms),
            cfg.park_after_secs as i64 * 1000,
        );
        if cfg.statistics_every_secs > 0 {
            app.start_statistics(std::time::Duration::from_secs(cfg.statistics_every_secs));
        }
    }
    if let Some(url) = cfg.trust_list_url.clone() {
        let (app, every) = (
            app.clone(),
            std::time::Duration::from_secs(cfg.trust_refresh_secs),
        );
        tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build();
            let Ok(http) = http else { return };
            loop {
                tokio::time::sleep(every).await;
                match fetch_list(&http, &url).await {
                    Ok(body) => match app.offer_trust_list(&body) {
                        Ok(true) => {
                            if let Err(e) = write_durably(&file, &body) {
                                tracing::warn!(error = %e, "the newer trust list is in use but not saved");
                            }
                        }
                        Ok(false) => {}
                        Err(e) => {
                            tracing::warn!(url = %url, reason = %e.detail, "trust list refused")
                        }
                    },
                    Err(e) => tracing::warn!(url = %url, error = %e, "trust list not fetched"),
                }
            }
        });
    }
    Ok(())
}

async fn fetch_list(http: &reqwest::Client, url: &str) -> anyhow::Result<Vec<u8>> {
    let mut r = http.get(url).send().await?.error_for_status()?;
    let mut body = Vec::new();
    while let Some(chunk) = r.chunk().await? {
        body.extend_from_slice(&chunk);
        anyhow::ensure!(body.len() <= t::MAX_SIGNED_LIST, "larger than 4 MiB");
    }
    Ok(body)
}

/// Replaces `path` with `bytes`: a temporary file beside it, fsync'd, renamed, the folder
/// fsync'd.
fn write_durably(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("trust")
    ));
    let mut f = std::fs::File::create(&tmp)?;
    std::io::Write::write_all(&mut f, bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

#[derive(Subcommand)]
pub(crate) enum ExchangeCmd {
    /// The parked messages to other nodes (JSON lines): id, recipient, kind, case, attempts,
    /// the last error.
    Parked,
    /// Put a parked message back in line; the running server sends it at its next pass.
    Replay { id: String },
    /// The outbox's counts (JSON): waiting, parked, delivered.
    Outbox,
    /// The messages received (JSON lines): sender, id, kind, case and sequence, received and
    /// applied times.
    Inbox,
    /// Put connectivity checks in the outbox for another node; the running server (this node,
    /// same store) delivers them and keeps the receipts.
    Ping {
        /// The node to check.
        #[arg(long)]
        to: String,
        /// This node's id and message key file.
        #[arg(long)]
        node_id: String,
        #[arg(long)]
        node_key: PathBuf,
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        count: u32,
    },
}

pub(crate) async fn exchange(cli: &Cli, cmd: &ExchangeCmd) -> anyhow::Result<i32> {
    let app = cli.app().await?;
    match cmd {
        ExchangeCmd::Parked => {
            for m in app.parked_messages(10_000).await? {
                println!(
                    "{}",
                    serde_json::json!({
                        "id": m.id, "recipient": m.recipient, "kind": m.kind,
                        "case_id": m.case_id, "case_seq": m.case_seq, "created_ms": m.created_ms,
                        "attempts": m.attempts, "parked_ms": m.parked_ms, "last_error": m.last_error,
                    })
                );
            }
        }
        ExchangeCmd::Outbox => {
            let c = app.outbox_counts().await?;
            println!(
                "{}",
                serde_json::json!({"waiting": c.waiting, "parked": c.parked, "delivered": c.delivered})
            );
        }
        ExchangeCmd::Inbox => {
            for m in app.inbox_messages().await? {
                println!(
                    "{}",
                    serde_json::json!({
                        "sender": m.sender, "id": m.id, "kind": m.kind, "case_id": m.case_id,
                        "case_seq": m.case_seq, "received_ms": m.received_ms, "applied_ms": m.applied_ms,
                    })
                );
            }
        }
        ExchangeCmd::Ping {
            to,
            node_id,
            node_key,
            count,
        } => {
            let (kid, key) = read_key(node_key, NODE_KEY_FORMAT)?;
            app.set_node_identity(corridor_app::exchange::NodeIdentity {
                node_id: node_id.clone(),
                kid,
                key,
            });
            for _ in 0..*count {
                let id = app
                    .send_message(to, corridor_exchange::Kind::Ping, None, Vec::new())
                    .await
                    .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
                println!("{id}");
            }
        }
        ExchangeCmd::Replay { id } => {
            if let Err(e) = app.replay_message(id).await {
                eprintln!("{}", e.detail);
                return Ok(1);
            }
            println!("{id} is back in line");
        }
    }
    Ok(0)
}
