//! Proposals: a firm answers an open need (one posted into a call and approved) with a text and
//! documents. The proposal puts the firm into the need's pipeline (at `suggested`, unless it is
//! there already), so the need's owner sees it beside its ranked candidates and moves it
//! through the same stages. The owner, the office and the proposing firm see a proposal.

use super::calls::Review;
use super::*;
use crate::documents::{DocumentView, NewFile};
use corridor_store::ProposalRow;

/// At most this many documents a proposal.
pub const MAX_PROPOSAL_FILES: u64 = 10;
/// At most this many proposals a firm is shown.
pub const PROPOSALS_MAX: i64 = 500;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProposal {
    /// What the firm offers: its approach, its record, its terms.
    #[schema(max_length = 5000)]
    pub body: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProposalView {
    pub id: String,
    pub need_id: String,
    pub need_title_zh: String,
    pub need_title_en: String,
    pub uscc: String,
    pub name_zh: String,
    pub name_en: String,
    pub body: String,
    pub created: String,
    /// The firm's stage in the need's pipeline.
    pub stage: Option<Stage>,
    pub documents: Vec<DocumentView>,
}

/// The need, if it takes proposals: in a call, approved, open and not past its deadline.
fn takes_proposals(
    id: &str,
    n: Option<NeedRow>,
    c: Option<corridor_store::CallNeedRow>,
    today: &str,
) -> AppResult<NeedRow> {
    let gone = || AppError::not_found(format!("need {id}")).with_zh(format!("需求 {id}"));
    let (Some(n), Some(c)) = (n, c) else {
        return Err(gone());
    };
    if c.review != Review::Approved.as_str() {
        return Err(gone());
    }
    if n.status != NeedStatus::Open.as_str() || n.deadline.as_deref().is_some_and(|d| d < today) {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "the need no longer takes proposals",
        )
        .with_zh("该需求已停止征集方案"));
    }
    Ok(n)
}

/// A proposal's documents' holder: its audit stream.
fn holder(id: &str) -> String {
    format!("proposal:{id}")
}

fn proposal_not_found(id: &str) -> AppError {
    AppError::not_found(format!("proposal {id}")).with_zh(format!("未找到方案 {id}"))
}

impl App {
    /// A firm answers an open need with a proposal.
    pub async fn propose(
        &self,
        p: &Principal,
        need: &str,
        n: &NewProposal,
    ) -> AppResult<ProposalView> {
        let mine = match (p.role, self.my_enterprise(p).await?) {
            (Role::Applicant, Some(u)) => u,
            _ => {
                return Err(AppError::forbidden(
                    "proposals are made by enterprise accounts the joint office has confirmed",
                )
                .with_zh("方案须由经联席办确认的企业账号提交"))
            }
        };
        let row = self.open_need_row(need).await?;
        if row.owner_uscc == mine {
            return Err(
                AppError::forbidden("an enterprise does not answer its own need")
                    .with_zh("企业不能应答本企业的需求"),
            );
        }
        let body = corridor_domain::text::required(
            "body",
            &n.body,
            corridor_domain::text::Limit::paragraph(5000),
        )
        .map_err(|e| AppError::fields(vec![e]))?;
        let today = corridor_store::date_str(self.today());
        // The firm enters the pipeline as a proposal, scored as the need's ranking scores it.
        let entry = match self.store.match_of(need, &mine).await? {
            Some(_) => None,
            None => {
                let mut m = self.new_match_row(&row, &mine, &today).await?;
                m.updated_ms = self.now_ms();
                let ev = MatchEventRow {
                    uscc: mine.clone(),
                    seq: 0,
                    stage: Stage::Suggested.as_str().into(),
                    on_date: today.clone(),
                    at_ms: m.updated_ms,
                    actor: p.username.clone(),
                    note: "proposal / 提交方案".into(),
                };
                Some((m, ev))
            }
        };
        let rec = ProposalRow {
            id: Uuid::now_v7().to_string(),
            need_id: need.to_string(),
            uscc: mine,
            body,
            created_by: p.username.clone(),
            created_ms: self.now_ms(),
        };
        let r = rec.clone();
        self.write(Box::new(move |tx| {
            let (r, entry, today) = (r.clone(), entry.clone(), today.clone());
            Box::pin(async move {
                // Still taking proposals when the proposal commits (a withdrawal or a review
                // may have come in between).
                let (n, c) = (
                    Store::need_in(tx, &r.need_id).await?,
                    Store::call_need_in(tx, &r.need_id).await?,
                );
                takes_proposals(&r.need_id, n, c, &today)?;
                if Store::proposal_of_in(tx, &r.need_id, &r.uscc)
                    .await?
                    .is_some()
                {
                    return Err(AppError::new(
                        ErrorCode::Conflict,
                        "the enterprise has answered this need already",
                    )
                    .with_zh("本企业已应答过该需求"));
                }
                Store::insert_proposal(tx, &r).await?;
                if let Some((m, ev)) = entry {
                    Store::put_match(tx, &m, None, &ev).await?;
                }
                Ok(())
            })
        }))
        .await?;
        self.proposal_view(&rec, false).await
    }

    /// An approved need of a call, open and not past its deadline.
    async fn open_need_row(&self, id: &str) -> AppResult<NeedRow> {
        let n = self.store.need(id).await?;
        let c = self.store.call_need(id).await?;
        takes_proposals(id, n, c, &corridor_store::date_str(self.today()))
    }

    /// `masked`: the reader is not a party (the joint office, an administrator): the phone
    /// numbers, ID numbers and e-mail addresses a firm wrote in its proposal are masked; the
    /// firm and the need's owner, who deal with each other, read it whole.
    async fn proposal_view(&self, r: &ProposalRow, masked: bool) -> AppResult<ProposalView> {
        let need = self.store.need(&r.need_id).await?;
        let spec: Option<NeedSpec> = need
            .as_ref()
            .and_then(|n| serde_json::from_str(&n.doc).ok());
        let firm = self.store.enterprise(&r.uscc).await?;
        let stage = self
            .store
            .match_of(&r.need_id, &r.uscc)
            .await?
            .and_then(|m| Stage::parse(&m.stage));
        Ok(ProposalView {
            id: r.id.clone(),
            need_id: r.need_id.clone(),
            need_title_zh: spec
                .as_ref()
                .map(|s| s.title_zh.clone())
                .unwrap_or_default(),
            need_title_en: spec.map(|s| s.title_en).unwrap_or_default(),
            uscc: r.uscc.clone(),
            name_zh: firm.as_ref().map(|f| f.name_zh.clone()).unwrap_or_default(),
            name_en: firm.map(|f| f.name_en).unwrap_or_default(),
            body: if masked {
                corridor_domain::ids::mask_personal_in(&r.body)
            } else {
                r.body.clone()
            },
            created: crate::cases::rfc3339(r.created_ms),
            stage,
            documents: self.documents_of(&holder(&r.id)).await?,
        })
    }

    /// A proposal, for the firm that made it, the need's owner and the office.
    async fn visible_proposal(&self, p: &Principal, id: &str) -> AppResult<ProposalRow> {
        let r = self
            .store
            .proposal(id)
            .await?
            .ok_or_else(|| proposal_not_found(id))?;
        match self.scope(p).await? {
            Scope::All => Ok(r),
            Scope::Own(u) if u == r.uscc => Ok(r),
            Scope::Own(u) => match self.store.need(&r.need_id).await? {
                Some(n) if n.owner_uscc == u => Ok(r),
                _ => Err(proposal_not_found(id)),
            },
        }
    }

    pub async fn proposal(&self, p: &Principal, id: &str) -> AppResult<ProposalView> {
        let r = self.visible_proposal(p, id).await?;
        let masked = matches!(self.scope(p).await?, Scope::All);
        self.proposal_view(&r, masked).await
    }

    /// A need's proposals, for its owner and the office.
    pub async fn proposals_of_need(
        &self,
        p: &Principal,
        need: &str,
    ) -> AppResult<Vec<ProposalView>> {
        self.need_row(p, need).await?;
        let masked = matches!(self.scope(p).await?, Scope::All);
        let mut out = Vec::new();
        for r in self.store.proposals_of_need(need).await? {
            out.push(self.proposal_view(&r, masked).await?);
        }
        Ok(out)
    }

    /// The signed-in firm's proposals, newest first.
    pub async fn my_proposals(&self, p: &Principal) -> AppResult<Vec<ProposalView>> {
        let Scope::Own(mine) = self.scope(p).await? else {
            return Err(AppError::forbidden(
                "proposals are listed for the enterprise that made them",
            )
            .with_zh("方案仅向提交企业列出"));
        };
        let mut out = Vec::new();
        for r in self.store.proposals_of_firm(&mine, PROPOSALS_MAX).await? {
            out.push(self.proposal_view(&r, false).await?);
        }
        Ok(out)
    }

    /// Adds a document to a proposal: the firm that made it, while the need takes proposals.
    pub async fn add_proposal_file(
        &self,
        p: &Principal,
        id: &str,
        file: NewFile,
    ) -> AppResult<DocumentView> {
        let r = self.visible_proposal(p, id).await?;
        if self.my_enterprise(p).await?.as_deref() != Some(r.uscc.as_str()) {
            return Err(
                AppError::forbidden("documents are added by the firm that proposed")
                    .with_zh("只有提交方案的企业可以上传材料"),
            );
        }
        self.open_need_row(&r.need_id).await?;
        let limits = self.document_limits(MAX_PROPOSAL_FILES);
        self.add_document(p, holder(id), file, limits).await
    }

    /// A proposal's document and its bytes, for whoever may see the proposal.
    pub async fn proposal_file(
        &self,
        p: &Principal,
        id: &str,
        file: &str,
    ) -> AppResult<(DocumentView, Vec<u8>)> {
        self.visible_proposal(p, id).await?;
        self.document(&holder(id), file).await?.ok_or_else(|| {
            AppError::not_found(format!("file {file}")).with_zh(format!("未找到文件 {file}"))
        })
    }
}
