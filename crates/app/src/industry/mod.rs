//! Industry-chain matchmaking: the enterprise registry, search, needs, ranked matches with
//! explanations, and the pipeline from suggestion to qualified supplier.
//!
//! The search index follows the database through an outbox: every change to an enterprise
//! writes an outbox row in the same transaction, and one writer task applies the outbox to
//! the index, commits it, and only then deletes the rows it applied. A crash in between
//! applies them again (an upsert is idempotent), so the index may lag but never misses a
//! change. `reindex` rebuilds the index from the table.
//!
//! Access: anyone signed in may search the registry (it holds no personal data). An
//! enterprise account edits only its own profile, and not its recognitions (flags). Needs,
//! their matches and pipelines are seen and worked by the head enterprise that owns them and
//! by the joint office (and the administrator).

use crate::{App, AppError, AppResult, ErrorCode};
use corridor_domain::case::{Principal, Role};
use corridor_domain::catalogue::FieldError;
use corridor_industry::matching::{self, NeedKind, NeedSpec, NeedStatus, Stage, Weights};
use corridor_industry::search::{EnterpriseIndex, Filters};
use corridor_industry::tantivy;
use corridor_industry::Enterprise;
use corridor_store::{EnterpriseRow, MatchEventRow, MatchRow, NeedRow, Store, UpsertCounts};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use time::Date;
use tokio::sync::{mpsc, oneshot, Notify};
use uuid::Uuid;

pub mod accounts;
pub mod calls;
mod demo;
pub mod finance;
mod index;
pub(crate) mod needs;
mod outcomes;
mod pipeline;
mod projects;
pub mod proposals;
mod registry;
mod reserve;
mod views;

pub use calls::{
    CallCounts, CallEntry, CallView, FitQuery, NeedFit, NewCall, Review, ReviewDecision,
};
pub use demo::*;
pub use finance::{
    FinanceCounts, FinanceMove, FinanceStage, FinancingNeedView, MemberFit, MemberView,
    NeedForMember, NewFinancingNeed, NewMember, ProductFit,
};
pub use index::*;
#[allow(unused_imports)]
pub(crate) use pipeline::*;
pub use projects::{
    Member, Milestone, NewMilestone, NewProject, Outcome, OutcomeKind, ProjectCounts, ProjectOp,
    ProjectView,
};
pub use proposals::{NewProposal, ProposalView};
pub use reserve::{NewPartner, PartnerView};
pub use views::*;
