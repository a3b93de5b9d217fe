//! A session's bidders: the office invites firms, enterprises apply, the office approves them
//! with the deposit it recorded (or refuses them).

use super::*;

impl App {
    /// An enterprise applies to bid in a session.
    pub async fn apply_to_bid(&self, p: &Principal, session: &str) -> AppResult<BidderView> {
        let Some(uscc) = self.acting_enterprise(p).await? else {
            return Err(
                AppError::forbidden("only an enterprise account applies to bid")
                    .with_zh("只有企业账号可以报名竞买"),
            );
        };
        let s = self
            .store
            .auction_session(session)
            .await?
            .ok_or_else(|| not_found("session", session))?;
        let row = BidderRow {
            session_id: s.id.clone(),
            uscc,
            user_id: p.user_id.to_string(),
            status: BidderStatus::Applied.as_str().into(),
            deposit: 0,
            applied_ms: self.now_ms(),
            decided_by: None,
            decided_ms: None,
        };
        let w = row.clone();
        self.write(Box::new(move |tx| {
            let w = w.clone();
            Box::pin(async move {
                match Store::bidder_in(tx, &w.session_id, &w.uscc).await? {
                    // An invitation: applying accepts it.
                    Some(b) if b.status == BidderStatus::Invited.as_str() => {
                        Store::put_bidder(tx, &w).await?;
                    }
                    Some(_) => {
                        return Err(AppError::new(
                            ErrorCode::Conflict,
                            "this enterprise has already applied",
                        )
                        .with_zh("该企业已报名"))
                    }
                    None => Store::insert_bidder(tx, &w).await?,
                }
                Ok(())
            })
        }))
        .await?;
        self.bidder_view(&row).await
    }

    /// The joint office invites firms (by USCC, in the registry; at most 100 at a time) to bid
    /// in a session; each sees the invitation and applies to accept it. Firms already invited
    /// or applied are left as they are. Returns the session's invited firms.
    pub async fn invite_bidders(
        &self,
        p: &Principal,
        session: &str,
        usccs: &[String],
    ) -> AppResult<Vec<BidderView>> {
        office_only(p)?;
        if usccs.is_empty() || usccs.len() > 100 {
            return Err(field_error(
                "usccs",
                "name 1 to 100 firms",
                "请列出 1 至 100 家企业",
            ));
        }
        let s = self
            .store
            .auction_session(session)
            .await?
            .ok_or_else(|| not_found("session", session))?;
        let mut rows = Vec::new();
        for (i, u) in usccs.iter().enumerate() {
            let u = u.trim().to_string();
            if self.store.enterprise(&u).await?.is_none() {
                return Err(field_error(
                    &format!("usccs[{i}]"),
                    "no enterprise with this code is in the registry",
                    "企业库中没有此代码的企业",
                ));
            }
            rows.push(BidderRow {
                session_id: s.id.clone(),
                uscc: u,
                user_id: String::new(),
                status: BidderStatus::Invited.as_str().into(),
                deposit: 0,
                applied_ms: self.now_ms(),
                decided_by: Some(p.username.clone()),
                decided_ms: None,
            });
        }
        let w = rows.clone();
        self.write(Box::new(move |tx| {
            let w = w.clone();
            Box::pin(async move {
                for r in &w {
                    if Store::bidder_in(tx, &r.session_id, &r.uscc)
                        .await?
                        .is_none()
                    {
                        Store::insert_bidder(tx, r).await?;
                    }
                }
                Ok(())
            })
        }))
        .await?;
        let mut out = Vec::new();
        for b in self.store.bidders_of_session(&s.id).await? {
            if b.status == BidderStatus::Invited.as_str() {
                out.push(self.bidder_view(&b).await?);
            }
        }
        Ok(out)
    }

    /// The sessions the caller's enterprise is invited to and has not yet applied to.
    pub async fn my_invitations(&self, p: &Principal) -> AppResult<Vec<SessionView>> {
        let Some(u) = self.my_enterprise(p).await? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for b in self.store.sessions_of_bidder(&u).await? {
            if b.status == BidderStatus::Invited.as_str() {
                out.push(self.session(&b.session_id).await?);
            }
        }
        Ok(out)
    }

    /// The joint office approves a bidder with the deposit it recorded, or refuses them.
    pub async fn decide_bidder(
        &self,
        p: &Principal,
        session: &str,
        uscc: &str,
        d: &BidderDecision,
    ) -> AppResult<BidderView> {
        office_only(p)?;
        if !(0..=rule::MAX_AMOUNT).contains(&d.deposit) {
            return Err(field_error(
                "deposit",
                "the deposit must be 0 to 100,000,000,000 yuan",
                "保证金须在 0 至 1000 亿元之间",
            ));
        }
        let (s, u, actor, now) = (
            session.to_string(),
            uscc.to_string(),
            p.username.clone(),
            self.now_ms(),
        );
        let d = d.clone();
        let out = std::sync::Arc::new(std::sync::Mutex::new(None));
        let o = out.clone();
        self.write(Box::new(move |tx| {
            let (s, u, actor, d, o) = (s.clone(), u.clone(), actor.clone(), d.clone(), o.clone());
            Box::pin(async move {
                let mut b = Store::bidder_in(tx, &s, &u)
                    .await?
                    .ok_or_else(|| not_found("bidder", &u))?;
                if b.status == BidderStatus::Invited.as_str() {
                    return Err(AppError::new(
                        ErrorCode::InvalidTransition,
                        "the firm is invited but has not applied yet",
                    )
                    .with_zh("该企业已受邀请，但尚未报名"));
                }
                b.status = if d.approve {
                    BidderStatus::Approved
                } else {
                    BidderStatus::Refused
                }
                .as_str()
                .into();
                b.deposit = if d.approve { d.deposit } else { 0 };
                b.decided_by = Some(actor);
                b.decided_ms = Some(now);
                Store::put_bidder(tx, &b).await?;
                if let Ok(mut g) = o.lock() {
                    *g = Some(b);
                }
                Ok(())
            })
        }))
        .await?;
        let b = out.lock().ok().and_then(|mut g| g.take());
        let b = b.ok_or_else(|| not_found("bidder", uscc))?;
        self.bidder_view(&b).await
    }
}
