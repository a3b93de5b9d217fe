//! The schema's migrations: one file a step in `migrations/`, serving both backends.
//!
//! Most steps are the same SQL on SQLite and PostgreSQL. Where they differ, the file holds
//! both flavours side by side, each between a marker line and `--@end`:
//!
//! ```sql
//! --@sqlite
//! CREATE TABLE search_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, uscc TEXT NOT NULL);
//! --@end
//! --@postgres
//! CREATE TABLE search_outbox (seq BIGSERIAL PRIMARY KEY, uscc TEXT NOT NULL);
//! --@end
//! ```
//!
//! A backend's text is the file without the marker lines and without the other backend's
//! blocks. That text is what sqlx checksums, so a released step's text never changes:
//! `migrations/released.sha384` records each one, and a test holds every step to it.

use std::{borrow::Cow, future::Future, pin::Pin};

use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

use crate::Backend;

/// (version, description, file text) of every file in `migrations/`, in order.
const FILES: &[(i64, &str, &str)] = include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// The text of one migration file as `backend` runs it.
pub(crate) fn flavour(text: &str, backend: Backend) -> String {
    let ours = match backend {
        Backend::Sqlite => "--@sqlite",
        Backend::Postgres => "--@postgres",
    };
    let mut out = String::with_capacity(text.len());
    let mut block: Option<bool> = None;
    for line in text.split_inclusive('\n') {
        match line.trim_end_matches('\n') {
            m @ ("--@sqlite" | "--@postgres") => {
                assert!(block.is_none(), "a flavour block is not closed before {m}");
                block = Some(m == ours);
            }
            "--@end" => {
                assert!(block.take().is_some(), "--@end without a flavour block");
            }
            _ if block != Some(false) => out.push_str(line),
            _ => {}
        }
    }
    assert!(block.is_none(), "a flavour block is not closed");
    out
}

/// The migrations of one backend, for [`Migrator::new`].
#[derive(Debug)]
struct Steps(Backend);

type Resolved<'s> =
    Pin<Box<dyn Future<Output = Result<Vec<Migration>, sqlx::error::BoxDynError>> + Send + 's>>;

impl<'s> MigrationSource<'s> for Steps {
    fn resolve(self) -> Resolved<'s> {
        let steps = FILES
            .iter()
            .map(|&(version, description, text)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    Cow::Owned(flavour(text, self.0)),
                    false,
                )
            })
            .collect();
        Box::pin(async move { Ok(steps) })
    }
}

/// Every migration of `backend`, ready to run.
pub(crate) async fn migrator(backend: Backend) -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Steps(backend)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every step's text, as each backend runs it, is the one released (or, for a step not
    /// yet in the list, the test says which line to add).
    #[tokio::test]
    async fn released_migrations_never_change() {
        let recorded = include_str!("../migrations/released.sha384");
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let name = match backend {
                Backend::Sqlite => "sqlite",
                Backend::Postgres => "postgres",
            };
            for m in migrator(backend).await.unwrap().iter() {
                let line = format!("{:04} {name} {}", m.version, hex::encode(&m.checksum));
                assert!(
                    recorded.lines().any(|l| l == line),
                    "migration {} on {name} is not the released text; a new step adds: {line}",
                    m.version
                );
            }
        }
        let steps = recorded.lines().filter(|l| !l.starts_with('#')).count();
        assert_eq!(steps, 2 * FILES.len(), "a recorded step has no file");
    }

    #[test]
    fn flavours_keep_their_own_blocks() {
        let text = "A\n--@sqlite\nS\n--@end\n--@postgres\nP\n--@end\nB\n";
        assert_eq!(flavour(text, Backend::Sqlite), "A\nS\nB\n");
        assert_eq!(flavour(text, Backend::Postgres), "A\nP\nB\n");
    }

    #[test]
    #[should_panic(expected = "not closed")]
    fn an_open_block_is_refused() {
        flavour("--@sqlite\nS\n", Backend::Sqlite);
    }
}
