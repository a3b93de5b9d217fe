//! `corridor auction …`: the joint office's auction work from the command line, on this
//! node's store (the running server sees it at once): listings, their documents and review, a session
//! from a JSON file, bidders and their deposits, settling, the results. Each prints JSON
//! lines; a refusal prints its message and exits non-zero.

use crate::Cli;
use clap::Subcommand;
use corridor_app::auctions::{BidderDecision, ListingReview, ListingStatus, NewSession};
use corridor_app::documents::NewFile;
use corridor_domain::case::Principal;
use std::path::PathBuf;

#[derive(Subcommand)]
pub(crate) enum AuctionCmd {
    /// Listings (JSON lines), of one status or all.
    Listings {
        #[arg(long, value_parser = ["submitted", "approved", "rejected", "sold"])]
        status: Option<String>,
    },
    /// Approve a listing, or reject it with a note.
    Review {
        id: String,
        #[arg(long, conflicts_with = "reject")]
        approve: bool,
        #[arg(long)]
        reject: bool,
        #[arg(long)]
        note: Option<String>,
    },
    /// Add a document to a listing (PDF, JPEG or PNG, told from the content).
    Document { listing: String, file: PathBuf },
    /// Open a session with its lots from a JSON file (the API's NewSession).
    Session { file: PathBuf },
    /// A session's bidders (JSON lines).
    Bidders { session: String },
    /// Invite firms (USCCs in the registry) to bid in a session; they apply to accept.
    Invite {
        session: String,
        #[arg(required = true, num_args = 1..=100)]
        usccs: Vec<String>,
    },
    /// Approve a bidder with the deposit recorded, or refuse them.
    Bidder {
        session: String,
        uscc: String,
        #[arg(long, conflicts_with = "refuse")]
        deposit: Option<i64>,
        #[arg(long)]
        refuse: bool,
    },
    /// Settle a lot whose bidding has ended (the server also does it by itself).
    Settle { lot: String },
    /// The published results (JSON lines).
    Results,
}

fn office() -> Principal {
    Principal::office("cli")
}

fn line<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(v)?);
    Ok(())
}

pub(crate) async fn auction(cli: &Cli, cmd: &AuctionCmd) -> anyhow::Result<i32> {
    let app = cli.app().await?;
    let p = office();
    let r: Result<(), corridor_app::AppError> = async {
        match cmd {
            AuctionCmd::Listings { status } => {
                let s = status.as_deref().and_then(ListingStatus::parse);
                for l in app.listings(Some(&p), s).await? {
                    let _ = line(&l);
                }
            }
            AuctionCmd::Review {
                id,
                approve,
                reject,
                note,
            } => {
                if approve == reject {
                    return Err(corridor_app::AppError::bad("say --approve or --reject"));
                }
                let r = ListingReview {
                    approve: *approve,
                    note: note.clone(),
                };
                let _ = line(&app.review_listing(&p, id, &r).await?);
            }
            AuctionCmd::Document { listing, file } => {
                let bad = |e: &dyn std::fmt::Display| {
                    corridor_app::AppError::bad(format!("{}: {e}", file.display()))
                };
                let len = std::fs::metadata(file).map_err(|e| bad(&e))?.len();
                if len > corridor_app::materials::MAX_UPLOAD_BYTES as u64 {
                    return Err(bad(&format!("{len} bytes is more than any file accepted")));
                }
                let bytes = std::fs::read(file).map_err(|e| bad(&e))?;
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let _ = line(
                    &app.add_listing_file(&p, listing, NewFile::new(&name, bytes))
                        .await?,
                );
            }
            AuctionCmd::Session { file } => {
                let text = std::fs::read_to_string(file)
                    .map_err(|e| corridor_app::AppError::bad(format!("{}: {e}", file.display())))?;
                let n: NewSession = serde_json::from_str(&text)
                    .map_err(|e| corridor_app::AppError::bad(format!("{}: {e}", file.display())))?;
                let _ = line(&app.create_session(&p, &n).await?);
            }
            AuctionCmd::Bidders { session } => {
                for b in app.bidders(&p, session).await? {
                    let _ = line(&b);
                }
            }
            AuctionCmd::Invite { session, usccs } => {
                for b in app.invite_bidders(&p, session, usccs).await? {
                    let _ = line(&b);
                }
            }
            AuctionCmd::Bidder {
                session,
                uscc,
                deposit,
                refuse,
            } => {
                let d = BidderDecision {
                    approve: !refuse,
                    deposit: deposit.unwrap_or(0),
                };
                let _ = line(&app.decide_bidder(&p, session, uscc, &d).await?);
            }
            AuctionCmd::Settle { lot } => {
                let _ = line(&app.settle_lot(Some(&p), lot).await?);
            }
            AuctionCmd::Results => {
                for r in app.auction_results().await? {
                    let _ = line(&r);
                }
            }
        }
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(0),
        Err(e) => {
            eprintln!("corridor auction: {}", e.detail);
            for f in &e.fields {
                eprintln!("  {}: {}", f.field, f.reason);
            }
            Ok(2)
        }
    }
}
