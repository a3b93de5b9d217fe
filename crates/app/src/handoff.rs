//! The hand-off between a receiving and a competent node (issue #24, point 4): "accept
//! locally, approve remotely, issue locally" when each city runs its own node.
//!
//! A case is filed and received at city A's window, on A's node. When A's clerk forwards it
//! and the competent city B has a node of its own in the trust list, the forward commits with
//! a `case_forwarded` message to B (in the same transaction: the outbox). From then on, every
//! action on the case at either node commits with a message to the other, carrying the action
//! and the case as it stands after it:
//!
//! | action (where) | message |
//! |---|---|
//! | forward (A) | `case_forwarded`: the case, its files (by SHA-256) and the window's marks |
//! | accept, refuse, approve, reject (B) | `decided` |
//! | request a correction (B) | `correction_requested`, naming the materials and fields |
//! | resubmit (A) | `resubmitted`: the corrected form and every file (new ones by hash) |
//! | issue the licence (B) | `licence_issued`: the signed licence, for A's window to deliver |
//! | deliver (A), withdraw (A) | `delivered`, `withdrawn` |
//! | revoke the licence (B) | `licence_revoked`: which licence and why, for A's copy |
//!
//! The receiving node applies a message only when the domain's own rule allows it: the action
//! belongs to the sender's side of the case (the window's city or the deciding city), and
//! [`transition`] from the case's status here gives the status the sender reports. So the
//! lifecycle has one rule, whichever node acts. The files named travel beside the message
//! (`POST /api/v1/exchange/files`, each checked against its hash) and must all be here before
//! the message is taken in.

use crate::cases::Correction;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::exchange::NodeIdentity;
use crate::materials::FilesAndMarks;
use crate::writer::{snapshot, snapshot_diff};
use crate::App;
use corridor_domain::case::{transition, Action, Status};
use corridor_domain::crossing::{crossed_withdrawal, Crossing};
use corridor_exchange::Kind;
use corridor_store::{
    AttachmentRecord, CaseAmountRecord, CaseRecord, LicenceRecord, MaterialCheckRecord,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use uuid::Uuid;

/// The body of every message about a case: the action, the case as it stands after it, and
/// what the action brings along.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseMessage {
    pub action: Action,
    pub case: CaseRecord,
    /// Forward and resubmit: every file of the case (the receiver records those it lacks).
    #[serde(default)]
    pub files: Vec<AttachmentRecord>,
    /// Forward: what the window confirmed of each material.
    #[serde(default)]
    pub checks: Vec<MaterialCheckRecord>,
    /// A correction request: the materials and fields named.
    #[serde(default)]
    pub correction: Option<Correction>,
    /// Issue the licence: the licence as signed by the competent authority.
    #[serde(default)]
    pub licence: Option<LicenceRecord>,
    /// Approve: the amount the decision recorded, where the matter computes one.
    #[serde(default)]
    pub amount: Option<CaseAmountRecord>,
}

/// A message about a case, to be sealed into the outbox in the transaction of its change.
pub(crate) struct Outgoing {
    pub(crate) me: Arc<NodeIdentity>,
    pub(crate) recipient: String,
    pub(crate) kind: Kind,
    pub(crate) case: Uuid,
    pub(crate) body: Vec<u8>,
}

/// Whether an action is the receiving window's (else the deciding authority's). Delivery is
/// the window's when the case came through one.
pub fn window_side(action: Action, via_window: bool) -> bool {
    match action {
        Action::Receive | Action::Forward | Action::Resubmit | Action::Withdraw => true,
        Action::Deliver => via_window,
        _ => false,
    }
}

/// The city whose node takes `action` on case `c`: the receiving window's or the deciding
/// authority's.
pub fn side_city(c: &CaseRecord, action: Action) -> &str {
    if window_side(action, c.receiving_window.is_some()) {
        &c.receiving_city
    } else {
        &c.competent_city
    }
}

/// The message kind of an action taken on a case held by two nodes (none for receipt, which
/// happens before the case leaves the window).
pub fn kind_of(action: Action) -> Option<Kind> {
    Some(match action {
        // Refused between nodes for now (`transfer_target`): within one node it sends nothing.
        Action::Receive | Action::Transfer => return None,
        Action::Forward => Kind::CaseForwarded,
        Action::Accept | Action::Refuse | Action::Approve | Action::Reject => Kind::Decided,
        Action::RequestCorrection => Kind::CorrectionRequested,
        Action::Resubmit => Kind::Resubmitted,
        Action::IssueLicence => Kind::LicenceIssued,
        Action::Deliver => Kind::Delivered,
        Action::Withdraw => Kind::Withdrawn,
    })
}

/// Whether messages of this kind are about a case and move it ([`apply_case_message`]).
pub fn kind_of_case_message(kind: Kind) -> bool {
    !matches!(
        kind,
        Kind::Ping | Kind::Receipt | Kind::Statistics | Kind::LicenceRevoked
    )
}

/// The files a message names (and which must be at the receiver before it is taken in):
/// SHA-256 and size.
pub fn files_named(kind: Kind, body: &[u8]) -> AppResult<Vec<(String, i64)>> {
    if !matches!(kind, Kind::CaseForwarded | Kind::Resubmitted) {
        return Ok(Vec::new());
    }
    let m = parse(body)?;
    let mut out: Vec<(String, i64)> = m.files.iter().map(|f| (f.sha256.clone(), f.size)).collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// The body of a `licence_revoked` message: the deciding node revoked a licence it issued for a
/// case received at the other node's window, whose copy (delivered there, verified there) must
/// say so too. It travels in the case's sequence, after the licence it revokes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    pub case_id: Uuid,
    pub licence_id: Uuid,
    pub number: String,
    pub reason: String,
}

/// The audit record of a licence's revocation, on the node that revoked it and on the one that
/// holds its copy.
pub(crate) fn revocation_after(number: &str, reason: &str) -> String {
    serde_json::json!({"licence": number, "revoked": true, "reason": reason}).to_string()
}

/// Works out a `licence_revoked` message from node `sender` (serving `sender_city`) about the
/// case named in its header, as this node holds it: only the deciding city's node revokes, a
/// reason is given, and the case is here. Refused, and nothing of it kept, otherwise.
pub(crate) fn plan_revocation(
    (sender, sender_city): (&str, Option<&str>),
    header_case: Option<Uuid>,
    body: &[u8],
    held: Option<&CaseRecord>,
) -> AppResult<Revocation> {
    let r: Revocation = serde_json::from_slice(body)
        .map_err(|e| refused(format!("message_malformed: revocation body: {e}")))?;
    if header_case != Some(r.case_id) {
        return Err(refused(
            "message_malformed: a revocation names its case in the header".into(),
        ));
    }
    let reason = corridor_domain::text::field("reason", &r.reason, crate::cases::REASON_LIMIT);
    if !matches!(reason, Ok(Some(_))) || r.number.is_empty() || r.number.len() > 100 {
        return Err(refused(
            "message_malformed: a revocation gives the licence's number and a reason".into(),
        ));
    }
    let Some(c) = held else {
        return Err(AppError::not_found(format!(
            "case {}, for the revocation of licence {}",
            r.case_id, r.number
        ))
        .with_zh(format!("办件 {}（吊销证照 {}）", r.case_id, r.number)));
    };
    if sender_city != Some(c.competent_city.as_str()) {
        let what = (
            format!("revoke licence {} of case {}", r.number, c.receipt_no),
            format!("吊销办件 {} 的证照 {}", c.receipt_no, r.number),
        );
        return Err(not_the_senders(sender, what, &c.competent_city));
    }
    Ok(r)
}

/// The refusal of a message whose step (`what`, in English and Chinese) is city `city`'s node's
/// to take, not `sender`'s.
fn not_the_senders(sender: &str, what: (String, String), city: &str) -> AppError {
    AppError::new(
        ErrorCode::Forbidden,
        format!(
            "node {sender} may not {}: that is city {city}'s to do",
            what.0
        ),
    )
    .with_zh(format!(
        "节点 {sender} 无权{}：应由城市 {city} 办理",
        what.1
    ))
}

fn parse(body: &[u8]) -> AppResult<CaseMessage> {
    serde_json::from_slice(body).map_err(|e| refused(format!("message_malformed: case body: {e}")))
}

fn refused(detail: String) -> AppError {
    AppError::new(ErrorCode::MessageRefused, detail.clone())
        .with_zh(format!("消息不予接收：{detail}"))
}

/// The audit record of an action: the changed fields, with the licence's number and key, the
/// correction's list and the decision's amount when there are.
pub(crate) fn event_after(
    after: String,
    licence: Option<&LicenceRecord>,
    correction: Option<&Correction>,
    amount: Option<&CaseAmountRecord>,
) -> String {
    if licence.is_none() && correction.is_none() && amount.is_none() {
        return after;
    }
    let mut a: serde_json::Map<String, Value> = serde_json::from_str(&after).unwrap_or_default();
    if let Some(m) = amount {
        a.insert(
            "amount".into(),
            serde_json::json!({
                "kind": m.kind, "amount_fen": m.amount_fen, "total_fen": m.total_fen,
                "city": m.city, "rule_version": m.rule_version,
            }),
        );
    }
    if let Some(l) = licence {
        a.insert("licence".into(), Value::String(l.number.clone()));
        a.insert("kid".into(), Value::String(l.kid.clone()));
    }
    if let Some(k) = correction {
        a.insert(
            "correction".into(),
            serde_json::to_value(k).unwrap_or_default(),
        );
    }
    Value::Object(a).to_string()
}

impl App {
    /// The city this node serves, from the trust list it holds (none on a single node).
    pub fn node_city(&self) -> Option<String> {
        let me = self.node_identity().ok()?;
        let held = self.held_trust()?;
        held.list.node(&me.node_id).map(|n| n.city.clone())
    }

    /// On a node of one city, only that city's side of a case is acted on here: the window's
    /// steps where it was received, the decisions where it is decided.
    pub(crate) fn check_side(&self, c: &CaseRecord, action: Action) -> AppResult<()> {
        match self.node_city() {
            Some(mine) if side_city(c, action) != mine => Err(AppError::forbidden(format!(
                "{} is done by city {}'s node; this node serves {mine}",
                action.as_str(),
                side_city(c, action)
            ))
            .with_zh(format!(
                "{} 由城市 {} 的节点办理；本节点服务于 {mine}",
                action.as_str(),
                side_city(c, action)
            ))),
            _ => Ok(()),
        }
    }

    /// On a node of one city, filings are taken for that city only: at its windows, or online
    /// for its own authorities.
    pub(crate) fn check_filing_city(&self, receiving_city: &str) -> AppResult<()> {
        match self.node_city() {
            Some(mine) if mine != receiving_city => Err(AppError::bad(format!(
                "this node serves city {mine}; file with city {receiving_city}'s node"
            ))
            .with_zh(format!(
                "本节点服务于城市 {mine}；请向城市 {receiving_city} 的节点提交"
            ))),
            _ => Ok(()),
        }
    }

    /// Where the message of `action` on case `c` (as it was before) goes, if anywhere: to the
    /// node of the other side's city, when that is not this node. A single node (no identity
    /// or no trust list) sends nothing. A case whose other side has no node in the list cannot
    /// be forwarded there.
    pub(crate) fn handoff_route(
        &self,
        c: &CaseRecord,
        action: Action,
    ) -> AppResult<Option<(Arc<NodeIdentity>, String, Kind)>> {
        let Some(kind) = kind_of(action) else {
            return Ok(None);
        };
        let window = window_side(action, c.receiving_window.is_some());
        // Before it is forwarded, the case is the window's alone.
        if window
            && action != Action::Forward
            && matches!(c.status, Status::Submitted | Status::Received)
        {
            return Ok(None);
        }
        let other = if window {
            &c.competent_city
        } else {
            &c.receiving_city
        };
        Ok(self.node_of_city(other)?.map(|(me, to)| (me, to, kind)))
    }

    /// The node a message for `other` (a city) goes to from here: none on a single node (no
    /// identity or no trust list) or when `other` is this node's own city; refused when the
    /// trust list has no node for it.
    pub(crate) fn node_of_city(
        &self,
        other: &str,
    ) -> AppResult<Option<(Arc<NodeIdentity>, String)>> {
        let (Ok(me), Some(held)) = (self.node_identity(), self.held_trust()) else {
            return Ok(None);
        };
        if held.list.node(&me.node_id).map(|n| n.city.as_str()) == Some(other) {
            return Ok(None);
        }
        match held.list.nodes.iter().find(|n| n.city == other) {
            Some(n) => Ok(Some((me, n.node_id.clone()))),
            None => Err(AppError::new(
                ErrorCode::Conflict,
                format!("no node of city {other} is in the corridor's trust list: the case cannot go there"),
            )
            .with_zh(format!("走廊信任列表中没有城市 {other} 的节点：办件无法转至该地"))),
        }
    }

    /// The message of an action just decided on `n` (the case after it), for the route.
    pub(crate) async fn handoff_message(
        &self,
        route: (Arc<NodeIdentity>, String, Kind),
        (action, n, materials): (Action, &CaseRecord, Option<FilesAndMarks>),
        licence: Option<&LicenceRecord>,
        correction: Option<&Correction>,
        amount: Option<&CaseAmountRecord>,
    ) -> AppResult<Outgoing> {
        let (me, recipient, kind) = route;
        let (files, checks) = match (action, materials) {
            (Action::Forward | Action::Resubmit, Some(read)) => read,
            (Action::Forward | Action::Resubmit, None) => (
                self.store.attachments_of_case(n.id).await?,
                self.store.material_checks_of_case(n.id).await?,
            ),
            _ => (Vec::new(), Vec::new()),
        };
        let m = CaseMessage {
            action,
            case: n.clone(),
            files,
            checks,
            correction: correction.cloned(),
            licence: licence.cloned(),
            amount: amount.cloned(),
        };
        let body = serde_json::to_vec(&m)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("case message: {e}")))?;
        if body.len() > corridor_exchange::envelope::MAX_ENVELOPE - 4096 {
            return Err(AppError::new(
                ErrorCode::PayloadTooLarge,
                "the case is too large to send to another node (1 MiB)",
            )
            .with_zh("办件数据过大，无法发送至其他节点（1 MiB）"));
        }
        Ok(Outgoing {
            me,
            recipient,
            kind,
            case: n.id,
            body,
        })
    }

    /// Which of the files a message names are not here yet, besides those it `brought`.
    pub(crate) async fn missing_files(
        &self,
        kind: Kind,
        body: &[u8],
        brought: &[(String, Vec<u8>)],
    ) -> AppResult<Vec<String>> {
        let named: Vec<String> = files_named(kind, body)?
            .into_iter()
            .map(|f| f.0)
            .filter(|sha| !brought.iter().any(|(s, _)| s == sha))
            .collect();
        if named.is_empty() {
            return Ok(named);
        }
        Ok(self.store.missing_blobs(named).await?)
    }

    /// The files named by messages that wait in the inbox for an earlier one: stored when
    /// they came, recorded only when the message is applied, so the start-up sweep keeps them.
    pub(crate) async fn files_of_waiting_messages(
        &self,
    ) -> AppResult<std::collections::BTreeSet<String>> {
        let mut out = std::collections::BTreeSet::new();
        for w in self.store.inbox_waiting_all().await? {
            let env = crate::inbox::read_kept(&w.id, &w.envelope)?;
            out.extend(
                files_named(env.header.kind, &env.body)?
                    .into_iter()
                    .map(|f| f.0),
            );
        }
        Ok(out)
    }

    /// Takes in one file named by a message from another node: `frame` is the message's
    /// envelope (4-byte big-endian length, then the envelope) followed by the file. The
    /// envelope is opened as any message (signed by a node in the trust list, to this node);
    /// the file must be one it names, by SHA-256 and size. Stored durably; nothing else.
    pub async fn receive_file(&self, frame: &[u8]) -> AppResult<String> {
        let me = self.node_identity()?;
        let held = self
            .held_trust()
            .ok_or_else(|| refused("this node holds no signed trust list".into()))?;
        let bad = |what: &str| refused(format!("message_malformed: {what}"));
        let len = frame
            .get(..4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or_else(|| bad("the frame is shorter than its length"))?;
        let env_bytes = frame
            .get(4..4 + len)
            .ok_or_else(|| bad("the frame is shorter than its envelope"))?;
        let file = &frame[4 + len..];
        let env = corridor_exchange::open(env_bytes, &held.list, &me.node_id, self.now_ms())
            .map_err(|e| refused(format!("{}: {e}", e.code())))?;
        let mut shas = self.store_named_files(&env, &[file]).await?;
        Ok(shas.pop().unwrap_or_default())
    }

    /// Stores files that an opened message names (each checked by SHA-256 and size; one it
    /// does not name refuses them all before any is stored); their hashes.
    pub(crate) async fn store_named_files(
        &self,
        env: &corridor_exchange::Envelope,
        files: &[&[u8]],
    ) -> AppResult<Vec<String>> {
        let shas = self.check_named_files(env, files)?;
        for (sha, file) in shas.iter().zip(files) {
            self.store.put_blob(sha, Arc::new(file.to_vec())).await?;
        }
        Ok(shas)
    }

    /// The hashes of files that an opened message names, each checked by SHA-256 and size;
    /// refused when one is not named.
    pub(crate) fn check_named_files(
        &self,
        env: &corridor_exchange::Envelope,
        files: &[&[u8]],
    ) -> AppResult<Vec<String>> {
        let named = files_named(env.header.kind, &env.body)?;
        let mut shas = Vec::with_capacity(files.len());
        for file in files {
            let sha = corridor_store::sha256_hex(file);
            if !named
                .iter()
                .any(|(s, size)| *s == sha && *size == file.len() as i64)
            {
                return Err(refused(format!(
                    "message_file_not_named: the file ({sha}, {} bytes) is not one the message names",
                    file.len()
                )));
            }
            shas.push(sha);
        }
        Ok(shas)
    }
}

/// What applying a message about a case comes to, worked out before anything is written
/// ([`plan_case_message`]); the inbox writes a batch of these together.
#[derive(Debug, Clone)]
pub(crate) struct CaseStep {
    /// The case as it is here after the message.
    pub(crate) case: CaseRecord,
    /// Files and the window's marks the message brings (forward and resubmit).
    pub(crate) files: Vec<AttachmentRecord>,
    pub(crate) checks: Vec<MaterialCheckRecord>,
    pub(crate) licence: Option<LicenceRecord>,
    /// The decision's amount (approve).
    pub(crate) amount: Option<CaseAmountRecord>,
    /// The case's audit event: who (the sender node), what, and the fields before and after.
    pub(crate) actor: String,
    pub(crate) action: &'static str,
    pub(crate) before: String,
    pub(crate) after: String,
    /// The step crossed a withdrawal and changes nothing here: no notice.
    pub(crate) quiet: bool,
}

/// Works out a message about a case from node `sender` (serving `sender_city`), given the
/// case as this node holds it (`held`, none for a forwarded case). Refused, and so nothing of
/// the message kept, when the action is not the sender's side's, or the case here cannot make
/// that step.
pub(crate) fn plan_case_message(
    reference: &crate::reference::Reference,
    (sender, sender_city): (&str, Option<&str>),
    (kind, message, envelope_sha256): (Kind, Uuid, &str),
    body: &[u8],
    held: Option<&CaseRecord>,
    now: i64,
) -> AppResult<CaseStep> {
    let m = parse(body)?;
    if kind_of(m.action) != Some(kind) {
        return Err(refused(format!(
            "message_malformed: a {} message cannot carry the action {}",
            serde_json::to_value(kind).unwrap_or_default(),
            m.action.as_str()
        )));
    }
    let c = &m.case;
    let side_city = side_city(c, m.action);
    if sender_city != Some(side_city) {
        let what = (
            format!("{} case {}", m.action.as_str(), c.receipt_no),
            format!("对办件 {} 执行 {}", c.receipt_no, m.action.as_str()),
        );
        return Err(not_the_senders(sender, what, side_city));
    }
    let matter = reference
        .matter(&c.matter_code, c.catalogue_version)
        .cloned();
    let Some(matter) = matter else {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!(
                "case {}: this node's catalogue has no {} version {}",
                c.receipt_no, c.matter_code, c.catalogue_version
            ),
        )
        .with_zh(format!(
            "办件 {}：本节点目录中没有事项 {} 第 {} 版",
            c.receipt_no, c.matter_code, c.catalogue_version
        )));
    };
    let has_licence = matter.output.licence_type.is_some();
    let mut crossing = None;
    let (n, before, after) = match (held, m.action) {
        (None, Action::Forward) => {
            let next = transition(Status::Received, Action::Forward, true, has_licence)?;
            if c.status != next || c.receiving_window.is_none() {
                return Err(refused(format!(
                    "message_malformed: a forwarded case is {}, through a window",
                    next.as_str()
                )));
            }
            let mut n = c.clone();
            n.updated_ms = now;
            // The applicant's account is the receiving node's; not kept here.
            n.applicant_user = None;
            let after = snapshot(&n).to_string();
            (n, "{}".to_string(), after)
        }
        (Some(_), Action::Forward) => {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!("case {} is here already", c.receipt_no),
            )
            .with_zh(format!("办件 {} 已在本节点", c.receipt_no)))
        }
        (None, a) => {
            return Err(AppError::not_found(format!(
                "case {} ({}), for {}",
                c.receipt_no,
                c.id,
                a.as_str()
            ))
            .with_zh(format!("办件 {}", c.receipt_no)))
        }
        (Some(h), a) => {
            crossing = crossed_withdrawal(h.status, a, c.status);
            let next = match crossing {
                None => transition(h.status, a, h.receiving_window.is_some(), has_licence)?,
                Some(Crossing::Adopted) => c.status,
                Some(Crossing::Superseded | Crossing::Void) => h.status,
            };
            if next != c.status && crossing.is_none() {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!(
                        "case {}: {} from {} gives {} here, not {}",
                        c.receipt_no,
                        a.as_str(),
                        h.status.as_str(),
                        next.as_str(),
                        c.status.as_str()
                    ),
                )
                .with_zh(format!("办件 {}：状态不一致", c.receipt_no)));
            }
            let mut n = h.clone();
            if matches!(crossing, None | Some(Crossing::Adopted)) {
                n.status = next;
                n.clock = c.clock;
                n.reason = c.reason.clone();
            }
            n.updated_ms = now;
            if a == Action::Resubmit && crossing.is_none() {
                n.form = c.form.clone();
            }
            let (b, a2) = snapshot_diff(&snapshot(h), &snapshot(&n));
            (n, b, a2)
        }
    };
    // What the action brings: files and marks, the licence (nothing when it changes nothing).
    let changes = !matches!(crossing, Some(Crossing::Superseded | Crossing::Void));
    let files: Vec<AttachmentRecord> = m
        .files
        .iter()
        .filter(|f| f.case_id == c.id && changes)
        .cloned()
        .collect();
    let checks: Vec<MaterialCheckRecord> = if held.is_none() {
        m.checks
            .iter()
            .filter(|k| k.case_id == c.id)
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    let licence = match (&m.licence, m.action) {
        (Some(l), Action::IssueLicence) if l.case_id == c.id => {
            let mut l = l.clone();
            // The holder is this node's account of the applicant.
            l.holder_user = held.and_then(|h| h.applicant_user);
            Some(l)
        }
        (None, Action::IssueLicence) => {
            return Err(refused(
                "message_malformed: a licence_issued message carries the licence".into(),
            ))
        }
        _ => None,
    };
    let amount = match (&m.amount, m.action) {
        (Some(a), Action::Approve) if a.case_id == c.id.to_string() && changes => Some(a.clone()),
        _ => None,
    };
    let after = event_after(
        after,
        licence.as_ref(),
        m.correction.as_ref(),
        amount.as_ref(),
    );
    // The message that carried the action: which, and the hash of its envelope as received.
    let mut a: serde_json::Map<String, Value> = serde_json::from_str(&after).unwrap_or_default();
    a.insert(
        "message".into(),
        serde_json::json!({"id": message, "envelope_sha256": envelope_sha256}),
    );
    if let Some(x) = crossing {
        a.insert("crossed_withdrawal".into(), x.note().into());
    }
    Ok(CaseStep {
        quiet: !changes,
        case: n,
        files,
        checks,
        licence,
        amount,
        actor: format!("node:{sender}"),
        action: m.action.as_str(),
        before,
        after: Value::Object(a).to_string(),
    })
}
