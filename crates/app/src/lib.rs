//! Corridor's application layer: every use case the API, the pages and the CLI share.
//! Handlers stay thin: they parse, call one method here, and render.
//!
//! - [`App`] holds the store, the clock, the reference snapshot and the intake writer.
//! - Filing goes through one writer task that commits many filings in one transaction
//!   (group commit): each applicant gets a receipt only after its case and audit event are
//!   durably on disk, and concurrent filings share one fsync.
//! - Authorisation is decided by `corridor_domain::case::Principal` rules; this layer applies
//!   them to every read and write, by role, city, window and authority.

pub mod amounts;
pub mod auctions;
pub mod auth;
pub mod cases;
pub mod catalogue;
pub mod delivery;
pub mod demo;
pub mod documents;
pub mod error;
pub mod exchange;
pub mod filing;
pub mod handoff;
pub mod identity;
mod inbox;
pub mod industry;
pub mod joint;
pub mod keys;
pub mod licences;
pub mod limiter;
pub mod materials;
pub mod notices;
pub mod outbox;
pub mod paging;
pub mod reference;
pub mod stats;
pub mod track;
pub mod trust;
pub mod writer;

use corridor_domain::clock::Clock;
use corridor_store::Store;
use reference::{Bundle, Reference};
use std::sync::{Arc, Mutex, RwLock};
use time::Date;

pub use error::{AppError, AppResult, ErrorCode};

/// The client's address, as the server resolved it for a request (the peer, or the address a
/// trusted proxy names in `X-Forwarded-For`); the server puts it in each request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

impl ClientIp {
    /// The address, or the unspecified address for a request that did not come from a socket.
    pub fn or_unknown(c: Option<ClientIp>) -> std::net::IpAddr {
        c.map_or(std::net::IpAddr::from([0u8, 0, 0, 0]), |c| c.0)
    }
}

/// How often a serving process deletes expired sessions.
pub const SESSION_PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

pub struct App {
    store: Store,
    clock: Arc<dyn Clock>,
    reference: RwLock<Arc<Reference>>,
    limiter: Mutex<limiter::LoginLimiter>,
    /// Wrong guesses at `track_case`, apart from sign-ins: a look-up never locks an address
    /// out of signing in.
    track_limiter: Mutex<limiter::LoginLimiter>,
    /// Accounts registered by the public (`register_enterprise`), counted per address: each
    /// one made counts as an attempt, so one address makes at most a few in a window.
    register_limiter: Mutex<limiter::LoginLimiter>,
    intake: tokio::sync::mpsc::Sender<writer::WriteJob>,
    master_key: RwLock<Option<[u8; 32]>>,
    /// Password hashes (argon2id, 7 MiB and about 12 ms of CPU each): one per two cores at a
    /// time, its two lanes on rayon's pool. Under a burst of sign-ins they queue here instead
    /// of taking every core from the other requests.
    hashing: tokio::sync::Semaphore,
    stats_cache: stats::StatsCache,
    /// Signing-key changes (creation on first use, rotation, revocation), one at a time in this
    /// process. Several servers on one PostgreSQL database are not covered.
    keys: tokio::sync::Mutex<()>,
    industry: industry::Industry,
    /// Size and count limits of materials.
    material_limits: RwLock<corridor_domain::materials::Limits>,
    /// The corridor's pinned root keys and the signed trust list accepted last.
    trust: Mutex<trust::TrustState>,
    /// This node's id and message key, when it takes part in the exchange between nodes.
    node: RwLock<Option<Arc<exchange::NodeIdentity>>>,
    /// Woken when a message is put in the outbox, so delivery starts at once.
    outbox_ready: tokio::sync::Notify,
    /// Woken when a notice is written, so its mail goes at once.
    mail_ready: tokio::sync::Notify,
    /// The auction listings' search index, built from the table when first searched and
    /// dropped when a listing is added (`auctions`).
    listing_index: Mutex<Option<Arc<corridor_industry::search::listings::ListingIndex>>>,
}

impl App {
    /// Opens the application on a migrated store; loads the shipped reference data on first
    /// start, and starts the intake writer.
    pub async fn open(store: Store, clock: Arc<dyn Clock>) -> AppResult<Arc<App>> {
        App::open_with(store, clock, &industry::IndustryOptions::default()).await
    }

    /// Removes the material files a crash left without their record (stored, never
    /// recorded). The server calls it before it listens; a command that runs beside a server
    /// must not, since the server's uploads in flight have no record yet.
    pub async fn sweep_unrecorded_files(&self) -> AppResult<u64> {
        let waiting = self.files_of_waiting_messages().await?;
        let swept = self.store.sweep_blobs(&waiting).await?;
        if swept > 0 {
            tracing::info!(files = swept, "unrecorded material files removed");
        }
        Ok(swept)
    }

    /// As [`App::open`], with the search index on disk and matching weights configured.
    pub async fn open_with(
        store: Store,
        clock: Arc<dyn Clock>,
        opts: &industry::IndustryOptions,
    ) -> AppResult<Arc<App>> {
        if store.latest_catalogue_version().await?.is_none() {
            let b = Bundle::shipped()?;
            let now = (clock.now().unix_timestamp_nanos() / 1_000_000) as i64;
            reference::import_bundle(&store, &b, now, "shipped reference data").await?;
        }
        let mut r = Reference::load(&store).await?;
        let now = (clock.now().unix_timestamp_nanos() / 1_000_000) as i64;
        if amounts::seed_rules(&store, &r, now).await? > 0 {
            r.rules = amounts::load_rules(&store).await?;
        }
        let (tx, rx) = tokio::sync::mpsc::channel(4096);
        let app = Arc::new(App {
            store: store.clone(),
            clock,
            reference: RwLock::new(Arc::new(r)),
            limiter: Mutex::new(limiter::LoginLimiter::default()),
            track_limiter: Mutex::new(limiter::LoginLimiter::default()),
            register_limiter: Mutex::new(limiter::LoginLimiter::default()),
            intake: tx,
            master_key: RwLock::new(None),
            hashing: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)),
            ),
            stats_cache: stats::StatsCache::default(),
            keys: tokio::sync::Mutex::new(()),
            industry: industry::Industry::start(store.clone(), opts)?,
            material_limits: RwLock::new(Default::default()),
            trust: Mutex::new(Default::default()),
            node: RwLock::new(None),
            outbox_ready: tokio::sync::Notify::new(),
            mail_ready: tokio::sync::Notify::new(),
            listing_index: Mutex::new(None),
        });
        tokio::spawn(writer::intake_writer(store, rx));
        Ok(app)
    }

    /// What a serving process runs beside the requests: the default statistics computed once
    /// at the start, and expired sessions purged at the start and every
    /// [`SESSION_PURGE_EVERY`] after.
    pub fn start_housekeeping(self: &Arc<Self>) {
        let app = self.clone();
        tokio::spawn(async move {
            let t = std::time::Instant::now();
            match app.warm_statistics().await {
                Ok(()) => {
                    tracing::info!(ms = t.elapsed().as_millis() as u64, "statistics computed")
                }
                Err(e) => tracing::warn!(error = %e, "statistics not computed at the start"),
            }
        });
        // Auction lots settle when their bidding ends (server time decides), and a winner who
        // does not confirm in time passes the lot on.
        let app = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
            loop {
                every.tick().await;
                let Some(app) = app.upgrade() else { return };
                match app.settle_due().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(lots = n, "auction lots settled"),
                    Err(e) => tracing::warn!(error = %e, "auction lots not settled"),
                }
            }
        });
        let app = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(SESSION_PURGE_EVERY);
            loop {
                every.tick().await;
                let Some(app) = app.upgrade() else { return };
                match app.purge_expired_sessions().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(sessions = n, "expired sessions purged"),
                    Err(e) => tracing::warn!(error = %e, "expired sessions not purged"),
                }
            }
        });
    }

    pub fn reference(&self) -> Arc<Reference> {
        self.reference
            .read()
            .map(|g| g.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Imports reference data (members, authorities, windows, calendar, and the catalogue as a
    /// new version if it changed) and refreshes the snapshot. Returns the catalogue version.
    pub async fn import_reference(&self, b: &Bundle, note: &str) -> AppResult<i64> {
        let v = reference::import_bundle(&self.store, b, self.now_ms(), note).await?;
        self.reload_reference().await?;
        if amounts::seed_rules(&self.store, &self.reference(), self.now_ms()).await? > 0 {
            self.reload_reference().await?;
        }
        Ok(v)
    }

    /// Re-reads the reference snapshot from the store.
    pub async fn reload_reference(&self) -> AppResult<()> {
        let r = Reference::load(&self.store).await?;
        if let Ok(mut g) = self.reference.write() {
            *g = Arc::new(r);
        }
        Ok(())
    }

    /// Whether the database answers: its backend's name, or the error.
    pub async fn health(&self) -> AppResult<&'static str> {
        self.store.count_users().await?;
        Ok(self.store.backend().name())
    }

    /// Cases by status, from the kept aggregates (for metrics).
    pub async fn cases_by_status(&self) -> AppResult<Vec<(String, i64)>> {
        Ok(self.store.count_cases_by_status().await?)
    }

    /// Closes the store's connections (a command that is done with the application).
    pub async fn close(&self) {
        self.store.close().await
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn now_ms(&self) -> i64 {
        (self.clock.now().unix_timestamp_nanos() / 1_000_000) as i64
    }

    pub fn today(&self) -> Date {
        self.clock.today()
    }
}
