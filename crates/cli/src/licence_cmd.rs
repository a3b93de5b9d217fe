//! `corridor cert verify` and `corridor keys …`: verifying a licence offline, and the
//! authorities' signing keys.

use super::*;

/// Verifies a licence file or QR text; exit 1 when invalid.
pub(crate) async fn cert(cli: &Cli, cmd: &CertCmd) -> anyhow::Result<i32> {
    let CertCmd::Verify {
        trust_list,
        signed_trust,
        roots,
        revocations,
        at,
        input,
    } = cmd;
    let bytes = if input == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)?;
        b
    } else {
        std::fs::read(input).with_context(|| format!("cannot read {input}"))?
    };
    let now = parse_at(at.as_deref())?;
    let signed = match signed_trust {
        Some(f) => match trust_cmd::open_list(f, roots, None, now_secs())? {
            Ok(l) => Some(l.licence_trust_list()),
            Err(e) => anyhow::bail!("{}: refused ({}): {e}", f.display(), e.code()),
        },
        None => None,
    };
    let (trust, revs) = match (signed, trust_list) {
        (Some(t), _) => {
            let r = match revocations {
                Some(rf) => read_json(rf)?,
                None => corridor_licence::RevocationList::default(),
            };
            (t, r)
        }
        (None, Some(f)) => {
            let t: corridor_licence::TrustList = read_json(f)?;
            let r: corridor_licence::RevocationList = match revocations {
                Some(rf) => read_json(rf)?,
                None => corridor_licence::RevocationList::default(),
            };
            (t, r)
        }
        (None, None) => {
            let app = cli.app().await?;
            let r = match revocations {
                Some(rf) => read_json(rf)?,
                None => app.revocation_list().await?,
            };
            (app.trust_list().await?, r)
        }
    };
    let answer = corridor_app::licences::verify_answer(&bytes, &trust, &revs, now);
    println!("{}", serde_json::to_string_pretty(&answer)?);
    if !answer.valid {
        return Ok(1);
    }
    Ok(0)
}

/// The authorities' signing keys: list, init, rotate, revoke.
pub(crate) async fn keys(cli: &Cli, cmd: &KeysCmd) -> anyhow::Result<()> {
    let app = cli.app().await?;
    match cmd {
        KeysCmd::List => {
            for k in app.trust_list().await?.keys {
                println!("{}", serde_json::to_string(&k)?);
            }
        }
        KeysCmd::Init { city } => {
            for (authority, kid) in app.init_keys(city.as_deref()).await? {
                println!(
                    "{}",
                    serde_json::json!({"authority": authority, "kid": kid})
                );
            }
        }
        KeysCmd::Rotate { authority } => {
            let (kid, _) = app.rotate_key(authority).await?;
            println!("{kid}");
        }
        KeysCmd::Revoke {
            kid,
            compromised_at,
        } => {
            let at = time::OffsetDateTime::parse(
                compromised_at,
                &time::format_description::well_known::Rfc3339,
            )
            .with_context(|| format!("{compromised_at} is not an RFC 3339 time"))?;
            app.revoke_key(kid, at.unix_timestamp()).await?;
            println!("key {kid} revoked from {compromised_at}");
        }
    }
    Ok(())
}
