//! A head enterprise's partner reserve: the firms it has authorised as partners, each with the
//! scope and the date of the authorisation (and its end, if any). The reserve is kept as a
//! status of the pair, not worked out from a search: a head enterprise adds and removes its own
//! partners, the joint office keeps any head enterprise's, and a firm sees the reserves it is
//! in. Each change is an event in the head enterprise's chain `reserve:<uscc>`.

use super::*;
use corridor_store::ReserveRow;

/// A partner to add to a reserve.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPartner {
    /// The partner firm (a USCC of the registry).
    #[schema(max_length = 18)]
    pub partner_uscc: String,
    /// What it is authorised for (products, processes, a project).
    #[schema(max_length = 500)]
    pub scope: String,
    /// The date of the authorisation, `YYYY-MM-DD`.
    pub authorised_on: String,
    /// Until when, if limited, `YYYY-MM-DD`.
    #[serde(default)]
    pub valid_until: Option<String>,
    /// The joint office names the head enterprise; a head enterprise's account keeps its own.
    #[serde(default)]
    pub head_uscc: Option<String>,
}

/// One partner in a reserve.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartnerView {
    pub head_uscc: String,
    pub head_name_zh: String,
    pub head_name_en: String,
    pub partner_uscc: String,
    pub partner_name_zh: String,
    pub partner_name_en: String,
    pub scope: String,
    pub authorised_on: String,
    pub valid_until: Option<String>,
    /// Not past `valid_until` today.
    pub in_force: bool,
}

impl App {
    /// The head enterprise whose reserve `p` keeps: its own (it must be a head enterprise), or
    /// for the joint office the one it names.
    async fn reserve_head(&self, p: &Principal, named: Option<&str>) -> AppResult<String> {
        let head = match (self.scope(p).await?, named.map(str::trim)) {
            (Scope::Own(u), None) => u,
            (Scope::Own(u), Some(n)) if n == u => u,
            (Scope::Own(_), Some(_)) => {
                return Err(
                    AppError::forbidden("an enterprise keeps only its own partner reserve")
                        .with_zh("企业只能维护本企业的合作伙伴储备库"),
                )
            }
            (Scope::All, Some(n)) => n.to_string(),
            (Scope::All, None) => {
                return Err(field_err(
                    "head_uscc",
                    "name the head enterprise",
                    "请指明链主企业",
                ))
            }
        };
        match self.store.enterprise(&head).await? {
            Some(e) if e.head => Ok(head),
            Some(_) if named.is_none() => Err(AppError::forbidden(
                "the partner reserve is kept by head enterprises",
            )
            .with_zh("合作伙伴储备库由链主企业维护")),
            _ => Err(field_err(
                "head_uscc",
                "no head enterprise with this code is in the registry",
                "企业库中没有此代码的链主企业",
            )),
        }
    }

    /// Adds (or renews) a partner in a reserve.
    pub async fn add_partner(&self, p: &Principal, n: &NewPartner) -> AppResult<PartnerView> {
        let head = self.reserve_head(p, n.head_uscc.as_deref()).await?;
        let mut errs = Vec::new();
        let partner = n.partner_uscc.trim().to_string();
        if partner == head {
            errs.push(FieldError::new(
                "partner_uscc",
                "a firm is not its own partner",
                "企业不能将自身列为合作伙伴",
            ));
        } else if partner.chars().count() > 18 || self.store.enterprise(&partner).await?.is_none() {
            errs.push(FieldError::new(
                "partner_uscc",
                "no enterprise with this code is in the registry",
                "企业库中没有此代码的企业",
            ));
        }
        let scope = match corridor_domain::text::required(
            "scope",
            &n.scope,
            corridor_domain::text::Limit::paragraph(500),
        ) {
            Ok(s) => s,
            Err(e) => {
                errs.push(e);
                String::new()
            }
        };
        let from = parse_day(&n.authorised_on, "authorised_on").map_err(|e| errs.extend(e.fields));
        let until = match n
            .valid_until
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => parse_day(s, "valid_until")
                .map(Some)
                .map_err(|e| errs.extend(e.fields)),
            None => Ok(None),
        };
        if let (Ok(f), Ok(Some(u))) = (&from, &until) {
            if u < f {
                errs.push(FieldError::new(
                    "valid_until",
                    "ends before the authorisation's date",
                    "截止日期早于授权日期",
                ));
            }
        }
        let (Ok(from), Ok(until), true) = (from, until, errs.is_empty()) else {
            return Err(AppError::fields(errs));
        };
        let row = ReserveRow {
            head_uscc: head,
            partner_uscc: partner,
            scope,
            authorised_on: from.to_string(),
            valid_until: until.map(|d| d.to_string()),
            added_by: p.username.clone(),
            added_ms: self.now_ms(),
            removed_ms: None,
        };
        let r = row.clone();
        self.write(Box::new(move |tx| {
            let r = r.clone();
            Box::pin(async move {
                Store::put_reserve(tx, &r).await?;
                reserve_event(tx, &r, "add_partner").await
            })
        }))
        .await?;
        self.partner_view(&row).await
    }

    /// Removes a partner from a reserve (the row stays, marked removed).
    pub async fn remove_partner(
        &self,
        p: &Principal,
        head: Option<&str>,
        partner: &str,
    ) -> AppResult<()> {
        let head = self.reserve_head(p, head).await?;
        let (partner, actor, now) = (partner.to_string(), p.username.clone(), self.now_ms());
        self.write(Box::new(move |tx| {
            let (head, partner, actor) = (head.clone(), partner.clone(), actor.clone());
            Box::pin(async move {
                let mut r = Store::reserve_row_in(tx, &head, &partner)
                    .await?
                    .filter(|r| r.removed_ms.is_none())
                    .ok_or_else(|| {
                        AppError::not_found(format!("partner {partner} in the reserve"))
                            .with_zh(format!("储备库中没有合作伙伴 {partner}"))
                    })?;
                r.removed_ms = Some(now);
                r.added_by = actor;
                Store::put_reserve(tx, &r).await?;
                reserve_event(tx, &r, "remove_partner").await
            })
        }))
        .await
    }

    /// A reserve: a head enterprise's own; for the joint office one head's, or all.
    pub async fn partner_reserve(
        &self,
        p: &Principal,
        head: Option<&str>,
    ) -> AppResult<Vec<PartnerView>> {
        let rows = match (self.scope(p).await?, head) {
            (Scope::All, None) => self.store.reserve_of(None, 1000).await?,
            _ => {
                let h = self.reserve_head(p, head).await?;
                self.store.reserve_of(Some(&h), 1000).await?
            }
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.partner_view(r).await?);
        }
        Ok(out)
    }

    /// The reserves the caller's enterprise is in.
    pub async fn reserves_holding_me(&self, p: &Principal) -> AppResult<Vec<PartnerView>> {
        let Scope::Own(me) = self.scope(p).await? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for r in self.store.reserves_holding(&me).await? {
            out.push(self.partner_view(&r).await?);
        }
        Ok(out)
    }

    async fn partner_view(&self, r: &ReserveRow) -> AppResult<PartnerView> {
        let names =
            |e: Option<EnterpriseRow>| e.map(|e| (e.name_zh, e.name_en)).unwrap_or_default();
        let (hz, he) = names(self.store.enterprise(&r.head_uscc).await?);
        let (pz, pe) = names(self.store.enterprise(&r.partner_uscc).await?);
        let today = self.today().to_string();
        Ok(PartnerView {
            head_uscc: r.head_uscc.clone(),
            head_name_zh: hz,
            head_name_en: he,
            partner_uscc: r.partner_uscc.clone(),
            partner_name_zh: pz,
            partner_name_en: pe,
            scope: r.scope.clone(),
            authorised_on: r.authorised_on.clone(),
            valid_until: r.valid_until.clone(),
            in_force: r.valid_until.as_deref().is_none_or(|u| u >= today.as_str()),
        })
    }
}

async fn reserve_event(
    tx: &mut corridor_store::WriteTx,
    r: &ReserveRow,
    action: &str,
) -> AppResult<()> {
    let after = serde_json::json!({"partner": r.partner_uscc, "scope": r.scope,
        "authorised_on": r.authorised_on, "valid_until": r.valid_until});
    let at = r.removed_ms.unwrap_or(r.added_ms);
    crate::writer::append_one(
        tx,
        format!("reserve:{}", r.head_uscc),
        at,
        &r.added_by,
        action,
        &after,
    )
    .await
}
