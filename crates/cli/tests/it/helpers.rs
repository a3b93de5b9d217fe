//! Test environments: a fresh store per test (a temporary SQLite file, or a new PostgreSQL
//! database when `CORRIDOR_TEST_POSTGRES_URL` is set), a settable clock, and a server on
//! 127.0.0.1:0 that stops when the environment is dropped.

use corridor_app::App;
use corridor_domain::case::{Principal, Role};
use corridor_domain::clock::FixedClock;
use corridor_domain::ids::DivisionCode;
use corridor_store::Store;
use std::path::PathBuf;
use std::sync::Arc;
use time::Date;
use uuid::Uuid;

pub const PG_ENV: &str = "CORRIDOR_TEST_POSTGRES_URL";

/// The client address of sign-ins made straight through `App` in tests.
pub const LOCAL: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

/// The person the test applicant is, and whom the sample forms name as their contact.
pub const FILER_ID: &str = corridor_app::demo::SAMPLE_FILER_ID;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Env {
    pub app: Arc<App>,
    pub store: Store,
    pub clock: FixedClock,
    pub dir: Option<PathBuf>,
    pg: Option<(String, String)>,
}

pub fn pg_url() -> Option<String> {
    std::env::var(PG_ENV).ok().filter(|s| !s.is_empty())
}

/// Returns None (and says so) when PostgreSQL is not configured for the tests.
pub async fn env(backend: Backend, today: Date) -> Option<Env> {
    let clock = FixedClock::new(time::OffsetDateTime::UNIX_EPOCH);
    clock.set_date(today);
    let (store, dir, pg) = match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("corridor-it-{}", Uuid::now_v7().simple()));
            (
                Store::open_dir(&dir).await.expect("sqlite store"),
                Some(dir),
                None,
            )
        }
        Backend::Postgres => {
            let Some(base) = pg_url() else {
                eprintln!("skipped: set {PG_ENV} to run the PostgreSQL half of this test");
                return None;
            };
            let (s, url) = Store::create_temp_postgres(&base, "corridor_it")
                .await
                .expect("postgres store");
            (s, None, Some((base, url)))
        }
    };
    let app = App::open(store.clone(), Arc::new(clock.clone()))
        .await
        .expect("app");
    app.set_master_key([0x5a; 32]);
    Some(Env {
        app,
        store,
        clock,
        dir,
        pg,
    })
}

impl Env {
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((base, url)) = &self.pg {
            Store::drop_temp_postgres(base, url)
                .await
                .expect("drop test database");
        }
        if let Some(d) = &self.dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }

    /// The URL of this test's own PostgreSQL database, if it runs on PostgreSQL.
    pub fn pg_database_url(&self) -> Option<&str> {
        self.pg.as_ref().map(|(_, url)| url.as_str())
    }

    pub fn set_date(&self, d: Date) {
        self.clock.set_date(d);
    }

    /// Starts the HTTP server; returns its base URL and a guard that stops it.
    pub async fn serve(&self) -> (String, tokio::sync::oneshot::Sender<()>) {
        self.serve_with(corridor_server::DEFAULT_MAX_IN_FLIGHT)
            .await
    }

    /// A server with other options (timeouts, proxies, Secure cookies).
    pub async fn serve_opts(
        &self,
        options: corridor_server::ServerOptions,
    ) -> (String, tokio::sync::oneshot::Sender<()>) {
        self.serve_state(
            corridor_server::ServerState::new(
                self.app.clone(),
                corridor_server::DEFAULT_MAX_IN_FLIGHT,
            )
            .with_options(options),
        )
        .await
    }

    /// A server that admits at most `max_in_flight` requests at once.
    pub async fn serve_with(
        &self,
        max_in_flight: usize,
    ) -> (String, tokio::sync::oneshot::Sender<()>) {
        self.serve_state(corridor_server::ServerState::new(
            self.app.clone(),
            max_in_flight,
        ))
        .await
    }

    async fn serve_state(
        &self,
        state: corridor_server::ServerState,
    ) -> (String, tokio::sync::oneshot::Sender<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            corridor_server::serve(state, listener, async {
                let _ = rx.await;
            })
            .await
            .expect("serve");
        });
        (format!("http://{addr}"), tx)
    }
}

pub fn applicant() -> Principal {
    Principal {
        user_id: Uuid::now_v7(),
        username: "applicant".into(),
        role: Role::Applicant,
        city: None,
        window_id: None,
        authority_id: None,
        resident_id: Some(FILER_ID.into()),
    }
}

pub fn clerk(window: &str) -> Principal {
    Principal {
        user_id: Uuid::now_v7(),
        username: format!("clerk-{window}"),
        role: Role::Clerk,
        city: DivisionCode::parse(&window[..6]).ok(),
        window_id: Some(window.into()),
        authority_id: None,
        resident_id: None,
    }
}

pub fn reviewer(authority: &str) -> Principal {
    Principal {
        user_id: Uuid::now_v7(),
        username: format!("reviewer-{authority}"),
        role: Role::Reviewer,
        city: DivisionCode::parse(&authority[..6]).ok(),
        window_id: None,
        authority_id: Some(authority.into()),
        resident_id: None,
    }
}

pub fn staff(role: Role) -> Principal {
    Principal {
        user_id: Uuid::now_v7(),
        username: role.as_str().into(),
        role,
        city: DivisionCode::parse("310117").ok(),
        window_id: None,
        authority_id: None,
        resident_id: None,
    }
}

/// Runs one async test body on SQLite, then on PostgreSQL when configured.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:path) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $body($crate::helpers::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $body($crate::helpers::Backend::Postgres).await;
            }
        }
    };
}

/// SQLite's plan for `sql` (the detail column of `EXPLAIN QUERY PLAN`), one step per `; `.
pub async fn query_plan(store: &Store, sql: &str) -> String {
    sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| sqlx::Row::get::<String, _>(r, 3))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The body of a GET as text (panics on a transport error).
pub async fn get_text(http: &reqwest::Client, url: &str) -> String {
    http.get(url).send().await.unwrap().text().await.unwrap()
}

/// Sending a request in a test: a transport error fails the test, so a scenario reads as its
/// steps (`http.get(url).go().await`, `.value().await` for a JSON body).
#[allow(async_fn_in_trait)]
/// An applicant account (the test filer's person), linked to an enterprise when `uscc` is
/// given.
pub async fn enterprise_account(e: &Env, name: &str, uscc: Option<&str>) -> Principal {
    let u = e
        .app
        .create_user(&corridor_app::auth::NewUser {
            username: name.into(),
            password: "long-enough-pw".into(),
            role: Role::Applicant,
            display_name: name.into(),
            window_id: None,
            authority_id: None,
            city: None,
            resident_id: Some(crate::helpers::FILER_ID.into()),
            enterprise_uscc: None,
        })
        .await
        .unwrap();
    if let Some(uscc) = uscc {
        let mut tx = e.store.begin_write().await.unwrap();
        Store::link_enterprise_account(&mut tx, &u.id.to_string(), uscc)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    Principal {
        user_id: u.id,
        username: name.into(),
        role: Role::Applicant,
        city: None,
        window_id: None,
        authority_id: None,
        resident_id: Some(FILER_ID.into()),
    }
}

pub trait Go {
    /// Sends the request; panics on a transport error.
    async fn go(self) -> reqwest::Response;
    /// Sends the request and reads its body as JSON; panics on a transport or JSON error.
    async fn value(self) -> serde_json::Value;
}

impl Go for reqwest::RequestBuilder {
    async fn go(self) -> reqwest::Response {
        self.send().await.unwrap()
    }
    async fn value(self) -> serde_json::Value {
        self.go().await.json().await.unwrap()
    }
}

/// A loopback port free at the time of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `corridor serve` process on a loopback port of its own, on a fresh data folder.
pub struct Node {
    pub child: std::process::Child,
    pub url: String,
    log: PathBuf,
}

impl Node {
    /// Starts a node; its stderr when it exits instead of listening (kept in `serve.log`
    /// beside the data folder, not in a pipe nobody reads while it runs).
    pub fn start(data: &std::path::Path, args: &[&str]) -> Result<Node, String> {
        Node::start_on(data, free_port(), args)
    }

    /// Starts a node on a port chosen beforehand (one a trust list already names).
    pub fn start_on(data: &std::path::Path, port: u16, args: &[&str]) -> Result<Node, String> {
        let log = data.with_extension("serve.log");
        let stderr = std::fs::File::create(&log).unwrap();
        let listen = format!("127.0.0.1:{port}");
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_corridor"))
            .arg("--data-dir")
            .arg(data)
            .args(["serve", "--listen", &listen])
            .args(args)
            .env_remove("CORRIDOR_DATABASE_URL")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap();
        for _ in 0..600 {
            if let Ok(Some(_)) = child.try_wait() {
                let out = std::fs::read_to_string(&log).unwrap_or_default();
                let _ = std::fs::remove_file(&log);
                return Err(out);
            }
            if std::net::TcpStream::connect(&listen).is_ok() {
                return Ok(Node {
                    child,
                    url: format!("http://{listen}"),
                    log,
                });
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_file(&log);
        Err("did not start listening in 60 s".into())
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::env::var("KEEP_LOGS").is_err() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// The code an application call is refused with (the test fails if the call succeeds).
pub async fn refused<T: std::fmt::Debug>(
    call: impl std::future::Future<Output = Result<T, corridor_app::AppError>>,
) -> corridor_app::ErrorCode {
    call.await.unwrap_err().code
}

/// A part of a `multipart/form-data` body: its name, its file name (for a file), its bytes.
pub type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

/// A `multipart/form-data` body of parts: its content type and bytes.
pub fn multipart(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        let head = match file {
            Some(f) => format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n"),
            None => format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        };
        body.extend(head.into_bytes());
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(b"--XyZ--\r\n");
    ("multipart/form-data; boundary=XyZ".into(), body)
}
