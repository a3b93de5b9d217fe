//! Joint-tackling projects and their member firms.

use crate::auctions::{insert, replace, select, Record};
use crate::tables::{int_at, text_at, Val};
use crate::{Result, Store, WriteTx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRow {
    pub id: String,
    pub need_id: String,
    pub owner_uscc: String,
    /// `active`, `completed` or `abandoned`.
    pub status: String,
    /// The project's title, members, milestones and outcomes (JSON; the application's shape).
    pub doc: String,
    pub created_by: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

impl Record for ProjectRow {
    const TABLE: &'static str = "projects";
    fn vals(&self) -> Vec<Val> {
        vec![
            Val::t(&self.id),
            Val::t(&self.need_id),
            Val::t(&self.owner_uscc),
            Val::t(&self.status),
            Val::t(&self.doc),
            Val::t(&self.created_by),
            Val::i(self.created_ms),
            Val::i(self.updated_ms),
        ]
    }
    fn from_vals(v: &[Val]) -> Option<Self> {
        Some(ProjectRow {
            id: text_at(v, 0)?,
            need_id: text_at(v, 1)?,
            owner_uscc: text_at(v, 2)?,
            status: text_at(v, 3)?,
            doc: text_at(v, 4)?,
            created_by: text_at(v, 5)?,
            created_ms: int_at(v, 6)?,
            updated_ms: int_at(v, 7)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct MemberRow {
    project_id: String,
    uscc: String,
}

impl Record for MemberRow {
    const TABLE: &'static str = "project_members";
    fn vals(&self) -> Vec<Val> {
        vec![Val::t(&self.project_id), Val::t(&self.uscc)]
    }
    fn from_vals(v: &[Val]) -> Option<Self> {
        Some(MemberRow {
            project_id: text_at(v, 0)?,
            uscc: text_at(v, 1)?,
        })
    }
}

impl Store {
    /// A new project with its member firms.
    pub async fn insert_project(
        tx: &mut WriteTx,
        r: &ProjectRow,
        members: &[String],
    ) -> Result<()> {
        insert(tx, std::slice::from_ref(r)).await?;
        let rows: Vec<MemberRow> = members
            .iter()
            .map(|u| MemberRow {
                project_id: r.id.clone(),
                uscc: u.clone(),
            })
            .collect();
        insert(tx, &rows).await
    }
    pub async fn put_project(tx: &mut WriteTx, r: &ProjectRow) -> Result<bool> {
        replace(tx, r, 1).await
    }
    pub async fn project_in(tx: &mut WriteTx, id: &str) -> Result<Option<ProjectRow>> {
        Ok(select(tx.conn(), "id = $1", &[Val::t(id)], "")
            .await?
            .into_iter()
            .next())
    }
    pub async fn project(&self, id: &str) -> Result<Option<ProjectRow>> {
        let mut c = self.pool().acquire().await?;
        Ok(select(&mut c, "id = $1", &[Val::t(id)], "")
            .await?
            .into_iter()
            .next())
    }
    /// Projects, newest first: all, or those a firm owns or is a member of.
    pub async fn projects(&self, firm: Option<&str>, limit: i64) -> Result<Vec<ProjectRow>> {
        let mut c = self.pool().acquire().await?;
        match firm {
            None => {
                select(
                    &mut c,
                    "1 = 1",
                    &[Val::i(limit)],
                    "ORDER BY created_ms DESC, id LIMIT $1",
                )
                .await
            }
            Some(u) => select(
                &mut c,
                "owner_uscc = $1 OR id IN (SELECT project_id FROM project_members WHERE uscc = $1)",
                &[Val::t(u), Val::i(limit)],
                "ORDER BY created_ms DESC, id LIMIT $2",
            )
            .await,
        }
    }
}
