//! The enterprise registry: who sees what, search, and profiles.

use super::*;

impl App {
    pub(crate) async fn scope(&self, p: &Principal) -> AppResult<Scope> {
        match p.role {
            Role::JointOffice | Role::Admin => Ok(Scope::All),
            Role::Applicant => match self
                .store
                .enterprise_of_user(&p.user_id.to_string())
                .await?
            {
                Some(u) => Ok(Scope::Own(u)),
                None => Err(
                    AppError::forbidden("this account does not act for an enterprise")
                        .with_zh("此账号不代表任何企业"),
                ),
            },
            _ => Err(AppError::forbidden(
                "needs are worked by head enterprises and the joint office",
            )
            .with_zh("需求由链主企业和联席办处理")),
        }
    }

    /// The enterprise this account acts for, if any.
    pub async fn my_enterprise(&self, p: &Principal) -> AppResult<Option<String>> {
        Ok(self
            .store
            .enterprise_of_user(&p.user_id.to_string())
            .await?)
    }

    pub async fn search_enterprises(
        &self,
        _p: &Principal,
        q: &EnterpriseQuery,
    ) -> AppResult<EnterpriseSearch> {
        let per_page = q.per_page.unwrap_or(20).clamp(1, 100);
        let page = q.page.unwrap_or(1).clamp(1, 10_000);
        let text = corridor_domain::text::field(
            "q",
            q.q.as_deref().unwrap_or_default(),
            corridor_domain::text::Limit::line(500).optional(),
        )
        .map_err(|e| AppError::fields(vec![e]))?
        .unwrap_or_default();
        let filters = q.filters();
        if let Some(i) = &filters.industry {
            let b = i.as_bytes();
            let ok =
                b.len() <= 5 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit);
            if !ok {
                return Err(field_err(
                    "industry",
                    "a GB/T 4754 class prefix: a section letter and up to four digits, e.g. C26",
                    "须为 GB/T 4754 行业代码前缀：一个门类字母加至多四位数字，例如 C26",
                ));
            }
        }
        let ix = self.industry.index.clone();
        let offset = ((page - 1) * per_page) as usize;
        let r = tokio::task::spawn_blocking(move || {
            ix.search(&text, &filters, offset, per_page as usize)
        })
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?
        .map_err(ix_err)?;
        Ok(EnterpriseSearch {
            total: r.total,
            total_exact: true,
            page,
            per_page,
            items: r.hits.into_iter().map(EnterpriseHit::from).collect(),
            facets: r.facets,
        })
    }

    pub async fn enterprise(&self, _p: &Principal, uscc: &str) -> AppResult<Enterprise> {
        let r = self.store.enterprise(uscc).await?.ok_or_else(|| {
            AppError::not_found(format!("enterprise {uscc}")).with_zh(format!("企业 {uscc}"))
        })?;
        doc_of(&r)
    }

    /// Creates or replaces an enterprise profile. The office and the administrator edit any;
    /// an enterprise account edits only its own, and keeps the recognitions (flags) on record.
    pub async fn put_enterprise(
        &self,
        p: &Principal,
        uscc: &str,
        mut e: Enterprise,
    ) -> AppResult<Enterprise> {
        if e.uscc != uscc {
            return Err(field_err(
                "uscc",
                "differs from the code in the address",
                "与地址中的代码不一致",
            ));
        }
        match p.role {
            Role::JointOffice | Role::Admin => {}
            Role::Applicant if self.my_enterprise(p).await?.as_deref() == Some(uscc) => {
                let cur = self.enterprise(p, uscc).await?;
                e.flags = cur.flags;
            }
            _ => {
                return Err(
                    AppError::forbidden("an enterprise edits only its own profile")
                        .with_zh("企业只能修改本企业的信息"),
                )
            }
        }
        let e = e.normalised().map_err(|x| {
            field_err_of(FieldError {
                field: x.field.into(),
                reason: x.reason.to_string(),
                reason_zh: None,
            })
        })?;
        self.upsert_enterprises(std::slice::from_ref(&e)).await?;
        Ok(e)
    }
}
