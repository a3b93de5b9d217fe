//! `corridor trust`: the signed corridor trust list (issue #24). The joint office makes the
//! root key and signs lists on a machine of its own; nodes and verifiers pin the root's
//! public key and check every list against it.

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
        #[arg(long = "root", required = true)]
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

/// The root key file.
#[derive(Serialize, Deserialize)]
struct RootKeyFile {
    format: String,
    kid: String,
    public_key: String,
    /// The Ed25519 secret, hex.
    secret: String,
}

const ROOT_KEY_FORMAT: &str = "corridor-root-key/1";

fn read_root_key(path: &Path) -> anyhow::Result<corridor_licence::SigningKey> {
    let f: RootKeyFile = read_json(&path.to_path_buf())?;
    anyhow::ensure!(
        f.format == ROOT_KEY_FORMAT,
        "{} is not a root key file ({ROOT_KEY_FORMAT})",
        path.display()
    );
    let bytes: [u8; 32] = hex::decode(f.secret.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .with_context(|| format!("{}: the secret is not 32 bytes of hex", path.display()))?;
    Ok(corridor_licence::SigningKey::from_bytes(&bytes))
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
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut file = opts
                .open(out)
                .with_context(|| format!("cannot create {} (it must not exist)", out.display()))?;
            std::io::Write::write_all(&mut file, serde_json::to_string_pretty(&f)?.as_bytes())?;
            file.sync_all()?;
            println!(
                "{}",
                serde_json::json!({"kid": f.kid, "public_key": f.public_key})
            );
        }
        TrustCmd::Draft {
            nodes,
            sequence,
            days,
            out,
        } => {
            let nodes: Vec<Node> = read_json(nodes)?;
            let app = cli.app().await?;
            let now = crate::now_secs();
            let draft = CorridorTrust {
                format: t::SIGNED_TRUST_FORMAT.into(),
                sequence: *sequence,
                issued_at: now,
                expires_at: now + i64::from(*days) * 86_400,
                nodes,
                licence_keys: app.trust_list().await?.keys,
            };
            draft.check().context("the draft")?;
            write_json(out.as_ref(), &draft)?;
        }
        TrustCmd::Sign {
            root_key,
            out,
            draft,
        } => {
            let key = read_root_key(root_key)?;
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
