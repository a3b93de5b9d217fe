//! The finance alliance: the joint office keeps its members (banks, venture funds, guarantee
//! and leasing firms) with their products; an enterprise posts financing needs; one scorer
//! (`corridor_industry::finance::fit`) ranks members for a need and needs for a member, each
//! result explained; a need's pipeline runs from `suggested` to `financed` with the amount.
//!
//! Access: the office sees and works everything; an enterprise sees and works its own needs;
//! a member's account (an enterprise account linked to the member's USCC) sees the open needs
//! ranked for it and moves its own entry in a need's pipeline. Every change to a need is an
//! event in its chain `financing:<id>`.

use super::*;
use corridor_industry::finance::{self as fin, FinancingSpec, MemberKind, Product};
use corridor_store::{FinanceMatchRow, FinanceMemberRow, FinancingNeedRow};

/// At most this many products a member.
pub const MAX_PRODUCTS: usize = 20;
/// At most this many needs are listed or ranked.
pub const FINANCING_MAX: i64 = 2000;

mod views;
pub use views::*;
use views::{product_fit, ranked};

fn fin_err(e: fin::FinanceError) -> AppError {
    AppError::fields(vec![FieldError::new(e.field, e.reason, e.reason_zh)])
}

fn need_not_found(id: &str) -> AppError {
    AppError::not_found(format!("financing need {id}")).with_zh(format!("未找到融资需求 {id}"))
}

fn member_view(r: &FinanceMemberRow) -> AppResult<MemberView> {
    Ok(MemberView {
        uscc: r.uscc.clone(),
        name_zh: r.name_zh.clone(),
        name_en: r.name_en.clone(),
        kind: MemberKind::parse(&r.kind).unwrap_or(MemberKind::Bank),
        city: r.city.clone(),
        products: serde_json::from_str(&r.products).map_err(AppError::internal)?,
    })
}

/// Who is asking, for the finance alliance.
#[derive(Clone)]
enum Who {
    Office,
    /// An enterprise account, for its firm; `member` when the firm is an alliance member.
    Firm {
        uscc: String,
        member: bool,
    },
}

impl App {
    async fn finance_who(&self, p: &Principal) -> AppResult<Who> {
        match self.scope(p).await? {
            Scope::All => Ok(Who::Office),
            Scope::Own(uscc) => {
                let member = self.store.finance_member(&uscc).await?.is_some();
                Ok(Who::Firm { uscc, member })
            }
        }
    }

    /// Adds a member of the alliance or replaces its record (the joint office).
    pub async fn put_member(&self, p: &Principal, n: &NewMember) -> AppResult<MemberView> {
        if !matches!(self.finance_who(p).await?, Who::Office) {
            return Err(
                AppError::forbidden("the joint office keeps the alliance's members")
                    .with_zh("金融联盟成员由联席办维护"),
            );
        }
        let uscc = corridor_domain::ids::Uscc::parse(n.uscc.trim())
            .map_err(|e| field_err("uscc", &e.to_string(), &e.zh()))?;
        let name_zh = corridor_domain::text::required(
            "name_zh",
            &n.name_zh,
            corridor_domain::text::Limit::line(200),
        )
        .map_err(|e| AppError::fields(vec![e]))?;
        let name_en = corridor_domain::text::field(
            "name_en",
            &n.name_en,
            corridor_domain::text::Limit::line(200).optional(),
        )
        .map_err(|e| AppError::fields(vec![e]))?
        .unwrap_or_default();
        corridor_domain::ids::DivisionCode::parse(n.city.trim())
            .map_err(|e| field_err("city", &e.to_string(), "须为六位行政区划代码"))?;
        if n.products.is_empty() || n.products.len() > MAX_PRODUCTS {
            return Err(field_err(
                "products",
                "one to twenty products",
                "须有一至二十个金融产品",
            ));
        }
        let products = n
            .products
            .iter()
            .cloned()
            .map(Product::normalised)
            .collect::<Result<Vec<_>, _>>()
            .map_err(fin_err)?;
        let row = FinanceMemberRow {
            uscc: uscc.as_str().to_string(),
            name_zh,
            name_en,
            kind: n.kind.as_str().into(),
            city: n.city.trim().into(),
            products: serde_json::to_string(&products).map_err(AppError::internal)?,
            added_by: p.username.clone(),
            added_ms: self.now_ms(),
        };
        let r = row.clone();
        self.write(Box::new(move |tx| {
            let r = r.clone();
            Box::pin(async move {
                Store::put_finance_member(tx, &r).await?;
                let after = serde_json::json!({"name_zh": r.name_zh, "kind": r.kind, "products": r.products});
                let stream = format!("finance-member:{}", r.uscc);
                crate::writer::append_one(tx, stream, r.added_ms, &r.added_by, "put_member", &after)
                    .await
            })
        }))
        .await?;
        member_view(&row)
    }

    /// The office's page form: a new member with its first product, or, for a member already
    /// in the alliance, its products with this one added (one of the same Chinese name
    /// replaced); its name, kind and city as given. At most [`MAX_PRODUCTS`].
    pub async fn add_member_product(&self, p: &Principal, n: &NewMember) -> AppResult<MemberView> {
        let mut n = n.clone();
        if let Some(held) = self.store.finance_member(n.uscc.trim()).await? {
            let mut products: Vec<Product> =
                serde_json::from_str(&held.products).map_err(AppError::internal)?;
            for new in std::mem::take(&mut n.products) {
                products.retain(|x| x.name_zh.trim() != new.name_zh.trim());
                products.push(new);
            }
            n.products = products;
        }
        self.put_member(p, &n).await
    }

    /// The alliance's members with their products (anyone acting for a firm, and the office).
    pub async fn finance_members(&self, p: &Principal) -> AppResult<Vec<MemberView>> {
        self.finance_who(p).await?;
        self.store
            .finance_members()
            .await?
            .iter()
            .map(member_view)
            .collect()
    }

    /// An enterprise posts a financing need (the office for any firm of the registry).
    pub async fn post_financing_need(
        &self,
        p: &Principal,
        n: &NewFinancingNeed,
    ) -> AppResult<FinancingNeedView> {
        let uscc = match (
            self.finance_who(p).await?,
            n.uscc.as_deref().filter(|s| !s.is_empty()),
        ) {
            (Who::Office, Some(u)) => self.registered_uscc_as(u, "uscc").await?,
            (Who::Office, None) => {
                return Err(field_err(
                    "uscc",
                    "the enterprise the need is for",
                    "须指定融资企业",
                ))
            }
            (Who::Firm { uscc, .. }, Some(u)) if u != uscc => {
                return Err(
                    AppError::forbidden("an enterprise posts financing needs for itself")
                        .with_zh("企业只能为本企业发布融资需求"),
                )
            }
            (Who::Firm { uscc, .. }, _) => self.registered_uscc_as(&uscc, "uscc").await?,
        };
        let spec = n.spec.clone().normalised().map_err(fin_err)?;
        let now = self.now_ms();
        let row = FinancingNeedRow {
            id: Uuid::now_v7().to_string(),
            uscc,
            status: "open".into(),
            amount: spec.amount,
            doc: serde_json::to_string(&spec).map_err(AppError::internal)?,
            financed_amount: None,
            financed_by: None,
            financed_on: None,
            created_by: p.username.clone(),
            created_ms: now,
            updated_ms: now,
        };
        let r = row.clone();
        self.write(Box::new(move |tx| {
            let r = r.clone();
            Box::pin(async move {
                Store::insert_financing_need(tx, &r).await?;
                let after = serde_json::json!({"uscc": r.uscc, "amount": r.amount});
                let stream = format!("financing:{}", r.id);
                crate::writer::append_one(tx, stream, r.created_ms, &r.created_by, "post", &after)
                    .await
            })
        }))
        .await?;
        self.financing_view(&row).await
    }

    async fn registered_uscc_as(&self, u: &str, f: &str) -> AppResult<String> {
        self.registered_uscc(u).await.map_err(|mut e| {
            for x in &mut e.fields {
                x.field = f.into();
            }
            e
        })
    }

    async fn financing_view(&self, r: &FinancingNeedRow) -> AppResult<FinancingNeedView> {
        let firm = self.store.enterprise(&r.uscc).await?;
        Ok(FinancingNeedView {
            id: r.id.clone(),
            uscc: r.uscc.clone(),
            name_zh: firm.as_ref().map(|f| f.name_zh.clone()).unwrap_or_default(),
            name_en: firm.as_ref().map(|f| f.name_en.clone()).unwrap_or_default(),
            city: firm.as_ref().map(|f| f.city.clone()).unwrap_or_default(),
            cluster: firm.map(|f| f.cluster).unwrap_or_default(),
            status: r.status.clone(),
            spec: serde_json::from_str(&r.doc).map_err(AppError::internal)?,
            financed_amount: r.financed_amount,
            financed_by: r.financed_by.clone(),
            financed_on: r.financed_on.clone(),
            created: crate::cases::rfc3339(r.created_ms),
        })
    }

    /// A financing need: its firm, the office, and the alliance's members (who finance it).
    async fn visible_financing(
        &self,
        p: &Principal,
        id: &str,
    ) -> AppResult<(Who, FinancingNeedRow)> {
        let who = self.finance_who(p).await?;
        let r = self
            .store
            .financing_need(id)
            .await?
            .ok_or_else(|| need_not_found(id))?;
        match &who {
            Who::Firm {
                uscc,
                member: false,
            } if *uscc != r.uscc => Err(need_not_found(id)),
            _ => Ok((who, r)),
        }
    }

    pub async fn financing_need(&self, p: &Principal, id: &str) -> AppResult<FinancingNeedView> {
        let (_, r) = self.visible_financing(p, id).await?;
        self.financing_view(&r).await
    }

    /// The caller's financing needs (the office: all), newest first.
    pub async fn financing_needs(&self, p: &Principal) -> AppResult<Vec<FinancingNeedView>> {
        let rows = match self.finance_who(p).await? {
            Who::Office => {
                self.store
                    .financing_needs(None, None, FINANCING_MAX)
                    .await?
            }
            Who::Firm { uscc, .. } => {
                self.store
                    .financing_needs(Some(&uscc), None, FINANCING_MAX)
                    .await?
            }
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.financing_view(r).await?);
        }
        Ok(out)
    }

    /// The members ranked for a need, each with its best product, explained (the need's firm
    /// and the office).
    pub async fn rank_members(&self, p: &Principal, id: &str) -> AppResult<Vec<MemberFit>> {
        let (who, r) = self.visible_financing(p, id).await?;
        if matches!(who, Who::Firm { ref uscc, .. } if *uscc != r.uscc) {
            return Err(
                AppError::forbidden("a need's matches are its firm's and the office's")
                    .with_zh("融资需求的匹配结果仅向需求企业和联席办展示"),
            );
        }
        let v = self.financing_view(&r).await?;
        let members = self.members();
        let stages: BTreeMap<String, FinanceMatchRow> = self
            .store
            .finance_matches(id)
            .await?
            .into_iter()
            .map(|m| (m.member_uscc.clone(), m))
            .collect();
        let mut out: Vec<MemberFit> = Vec::new();
        for m in self.store.finance_members().await? {
            let mv = member_view(&m)?;
            let entry = stages.get(&m.uscc);
            let stage = entry.and_then(|e| FinanceStage::parse(&e.stage));
            let Some(fit) = product_fit(&v, &mv, &members, stage) else {
                continue;
            };
            out.push(MemberFit {
                uscc: mv.uscc,
                name_zh: mv.name_zh,
                name_en: mv.name_en,
                kind: mv.kind,
                fit,
                amount: entry.and_then(|e| e.amount),
            });
        }
        Ok(ranked(out))
    }

    /// The open financing needs ranked for a member (its own account; the office names one).
    pub async fn needs_for_member(
        &self,
        p: &Principal,
        member: Option<&str>,
    ) -> AppResult<Vec<NeedForMember>> {
        let uscc = match (self.finance_who(p).await?, member.filter(|s| !s.is_empty())) {
            (Who::Office, Some(m)) => m.to_string(),
            (Who::Firm { uscc, member: true }, None) => uscc,
            (Who::Firm { uscc, member: true }, Some(m)) if m == uscc => uscc,
            (Who::Office, None) => {
                return Err(field_err(
                    "member",
                    "the member to rank for",
                    "须指定金融机构",
                ))
            }
            _ => {
                return Err(AppError::forbidden(
                    "the needs ranked for a member are shown to that member",
                )
                .with_zh("仅向金融联盟成员本身展示为其推荐的融资需求"))
            }
        };
        let m = self.store.finance_member(&uscc).await?.ok_or_else(|| {
            field_err(
                "member",
                "no such member of the alliance",
                "金融联盟中没有该机构",
            )
        })?;
        let mv = member_view(&m)?;
        let members = self.members();
        let stages: BTreeMap<String, String> = self
            .store
            .finance_matches_of_member(&uscc)
            .await?
            .into_iter()
            .map(|x| (x.need_id, x.stage))
            .collect();
        let mut out = Vec::new();
        for r in self
            .store
            .financing_needs(None, Some("open"), FINANCING_MAX)
            .await?
        {
            let need = self.financing_view(&r).await?;
            let stage = stages.get(&need.id).and_then(|s| FinanceStage::parse(s));
            if let Some(fit) = product_fit(&need, &mv, &members, stage) {
                out.push(NeedForMember { need, fit });
            }
        }
        Ok(ranked(out))
    }

    /// Moves a member along a need's pipeline: the need's firm and the office move any member;
    /// a member moves its own entry. At `financed` the amount is required, and the need is
    /// financed (by that member, on that day).
    pub async fn move_financing(
        &self,
        p: &Principal,
        id: &str,
        m: &FinanceMove,
    ) -> AppResult<FinancingNeedView> {
        let (who, _) = self.visible_financing(p, id).await?;
        match &who {
            Who::Firm { uscc, member: true } if *uscc == m.member_uscc => {}
            Who::Firm { uscc, .. } => {
                let r = self.store.financing_need(id).await?;
                if r.map(|r| r.uscc) != Some(uscc.clone()) {
                    return Err(AppError::forbidden("a member moves only its own entry")
                        .with_zh("金融机构只能更新本机构的对接进展"));
                }
            }
            Who::Office => {}
        }
        if self.store.finance_member(&m.member_uscc).await?.is_none() {
            return Err(field_err(
                "member_uscc",
                "no such member of the alliance",
                "金融联盟中没有该机构",
            ));
        }
        let amount = match (m.stage, m.amount) {
            (FinanceStage::Financed, Some(a)) if (1..=fin::MAX_AMOUNT).contains(&a) => Some(a),
            (FinanceStage::Financed, _) => {
                return Err(field_err(
                    "amount",
                    "the amount financed, from 1 to 1,000,000 (10,000 yuan)",
                    "须填写放款或投资金额（1 至 1,000,000 万元）",
                ))
            }
            _ => None,
        };
        let (now, actor, today) = (self.now_ms(), p.username.clone(), self.today());
        let (id_s, mv) = (id.to_string(), m.clone());
        self.write(Box::new(move |tx| {
            let (id, mv, actor) = (id_s.clone(), mv.clone(), actor.clone());
            Box::pin(async move {
                let mut need = Store::financing_need_in(tx, &id)
                    .await?
                    .ok_or_else(|| need_not_found(&id))?;
                if need.status != "open" {
                    return Err(AppError::new(
                        ErrorCode::InvalidTransition,
                        "the need is no longer open",
                    )
                    .with_zh("该融资需求已结束"));
                }
                let cur = Store::finance_matches_in(tx, &id)
                    .await?
                    .into_iter()
                    .find(|x| x.member_uscc == mv.member_uscc);
                let from = cur.as_ref().and_then(|c| FinanceStage::parse(&c.stage));
                let ok = match from {
                    None => mv.stage != FinanceStage::Declined,
                    Some(f) => f.can_move_to(mv.stage),
                };
                if !ok {
                    return Err(AppError::new(
                        ErrorCode::InvalidStage,
                        format!(
                            "cannot move from {} to {}",
                            from.map_or("nothing", |f| f.as_str()),
                            mv.stage.as_str()
                        ),
                    )
                    .with_zh("对接阶段不能如此变更"));
                }
                let row = FinanceMatchRow {
                    need_id: id.clone(),
                    member_uscc: mv.member_uscc.clone(),
                    stage: mv.stage.as_str().into(),
                    amount,
                    updated_by: actor.clone(),
                    updated_ms: now,
                };
                Store::put_finance_match(tx, &row).await?;
                if mv.stage == FinanceStage::Financed {
                    need.status = "financed".into();
                    need.financed_amount = amount;
                    need.financed_by = Some(mv.member_uscc.clone());
                    need.financed_on = Some(corridor_store::date_str(today));
                    need.updated_ms = now;
                    Store::put_financing_need(tx, &need).await?;
                }
                let after = serde_json::json!({
                    "member": mv.member_uscc, "stage": mv.stage.as_str(), "amount": amount
                });
                crate::writer::append_one(
                    tx,
                    format!("financing:{id}"),
                    now,
                    &actor,
                    "move",
                    &after,
                )
                .await
            })
        }))
        .await?;
        self.financing_need(p, id).await
    }

    /// Whether the caller may withdraw this need: its enterprise or the office, while it is
    /// open. The one check [`App::withdraw_financing_need`] and the page's button use.
    fn withdraw_check(who: &Who, r: &FinancingNeedRow) -> AppResult<()> {
        match who {
            Who::Office => {}
            Who::Firm { uscc, .. } if *uscc == r.uscc => {}
            Who::Firm { .. } => {
                return Err(AppError::forbidden(
                    "only the enterprise that posted the need, or the joint office, withdraws it",
                )
                .with_zh("只有发布该需求的企业或联席办可以撤回"))
            }
        }
        if r.status != "open" {
            return Err(
                AppError::new(ErrorCode::InvalidTransition, "the need is no longer open")
                    .with_zh("该融资需求已结束"),
            );
        }
        Ok(())
    }

    /// Whether the caller may withdraw the need now (for the page's button).
    pub async fn may_withdraw_financing(&self, p: &Principal, id: &str) -> bool {
        match self.visible_financing(p, id).await {
            Ok((who, r)) => Self::withdraw_check(&who, &r).is_ok(),
            Err(_) => false,
        }
    }

    /// The need's enterprise (or the office) withdraws an open financing need: the members no
    /// longer see it; its pipeline is kept as it was, and the withdrawal is in its audit trail.
    pub async fn withdraw_financing_need(
        &self,
        p: &Principal,
        id: &str,
    ) -> AppResult<FinancingNeedView> {
        let (who, r) = self.visible_financing(p, id).await?;
        Self::withdraw_check(&who, &r)?;
        let (now, actor, id_s) = (self.now_ms(), p.username.clone(), id.to_string());
        self.write(Box::new(move |tx| {
            let (id, actor, who) = (id_s.clone(), actor.clone(), who.clone());
            Box::pin(async move {
                let mut need = Store::financing_need_in(tx, &id)
                    .await?
                    .ok_or_else(|| need_not_found(&id))?;
                // As the writer sees it: financed meanwhile is no longer open.
                Self::withdraw_check(&who, &need)?;
                need.status = "withdrawn".into();
                need.updated_ms = now;
                Store::put_financing_need(tx, &need).await?;
                let after = serde_json::json!({"status": "withdrawn"});
                crate::writer::append_one(
                    tx,
                    format!("financing:{id}"),
                    now,
                    &actor,
                    "withdraw",
                    &after,
                )
                .await
            })
        }))
        .await?;
        self.financing_need(p, id).await
    }

    /// Members, financing needs, financed and the amount (the office).
    pub async fn finance_counts(&self, p: &Principal) -> AppResult<FinanceCounts> {
        if !matches!(self.finance_who(p).await?, Who::Office) {
            return Err(
                AppError::forbidden("the alliance's figures are the joint office's")
                    .with_zh("金融联盟统计仅向联席办展示"),
            );
        }
        let (members, needs, financed, amount) = self.store.finance_counts().await?;
        Ok(FinanceCounts {
            members,
            needs,
            financed,
            amount,
        })
    }

    /// The USCC an account may be linked to by an administrator: a firm of the registry or a
    /// member of the finance alliance (which the registry of firms need not hold).
    pub(crate) async fn linkable_uscc(&self, s: &str) -> AppResult<String> {
        if let Ok(u) = corridor_domain::ids::Uscc::parse(s.trim()) {
            if self.store.finance_member(u.as_str()).await?.is_some() {
                return Ok(u.as_str().to_string());
            }
        }
        self.registered_uscc(s).await
    }
}
