//! The arguments of the smaller commands.

use super::*;

#[derive(Subcommand)]
pub(crate) enum ExportCmd {
    /// Write the document (standard output when no file is given).
    Export { file: Option<PathBuf> },
}

#[derive(Subcommand)]
pub(crate) enum CertCmd {
    /// Verify a licence file or QR text ("-" reads standard input). Offline with --trust-list.
    Verify {
        /// Trust list file (from `corridor trust-list export` or GET /api/v1/trust-list).
        /// Without it, this node's own keys are used.
        #[arg(long, conflicts_with = "signed_trust")]
        trust_list: Option<PathBuf>,
        /// The signed corridor trust list (`corridor trust sign`), checked against --root.
        #[arg(long, requires = "roots")]
        signed_trust: Option<PathBuf>,
        /// The pinned root public key (base64url) for --signed-trust; may repeat.
        #[arg(long = "root", allow_hyphen_values = true)]
        roots: Vec<String>,
        /// Revocation list file (from `corridor revocations export` or GET /api/v1/revocations).
        #[arg(long)]
        revocations: Option<PathBuf>,
        /// Verify as of this time (RFC 3339); default now.
        #[arg(long)]
        at: Option<String>,
        input: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum KeysCmd {
    /// List all keys (public parts).
    List,
    /// Put a key in service for every authority that issues licences (of one city) and has
    /// none, so that the corridor's trust list can name it; prints authority and key id.
    Init {
        /// Only this city's authorities (its code).
        #[arg(long)]
        city: Option<String>,
    },
    /// Put a new key in service for an authority; the old one keeps verifying what it signed.
    Rotate {
        #[arg(long)]
        authority: String,
    },
    /// Report a key compromised from a time: licences it signed from then on fail.
    Revoke {
        kid: String,
        /// RFC 3339 time from which the key is compromised.
        #[arg(long)]
        compromised_at: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum IdCmd {
    /// Check codes given as arguments, or one per line on standard input.
    Check {
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
        codes: Vec<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum KindArg {
    Uscc,
    ResidentId,
    OrgCode,
}

#[derive(Subcommand)]
pub(crate) enum CalCmd {
    /// Prints true or false.
    IsWorkingDay { date: String },
    /// Prints the date N working days after DATE.
    AddWorkingDays { date: String, n: u32 },
    /// Add or replace calendar years from a JSON file (a list of years, as data/calendar.json).
    Import { file: PathBuf },
}

#[derive(Subcommand)]
pub(crate) enum AuditCmd {
    /// Exits non-zero and names the first broken event if any event was changed, removed or reordered.
    Verify,
    /// Compares the pre-aggregated statistics with a full scan of the cases; exits 2 on a difference.
    Stats,
}

#[derive(Subcommand)]
pub(crate) enum RefCmd {
    /// Import a folder with the six reference files (see data/).
    Import { dir: PathBuf },
    /// Give cases filed before promised limits were tracked their matter's promise and their
    /// window's receipt and forwarding times (from their audit events); once after upgrading.
    BackfillLimits,
}

#[derive(Subcommand)]
pub(crate) enum UserCmd {
    /// Create an account. The password is read from CORRIDOR_PASSWORD or standard input.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = ["applicant", "clerk", "reviewer", "joint_office", "admin"])]
        role: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        window: Option<String>,
        #[arg(long)]
        authority: Option<String>,
        #[arg(long)]
        city: Option<String>,
        /// Applicant: the verified resident ID number of the person the account belongs to.
        #[arg(long)]
        resident_id: Option<String>,
        /// Applicant: the enterprise of the registry (USCC) the account acts for, confirmed.
        #[arg(long)]
        enterprise: Option<String>,
    },
}
