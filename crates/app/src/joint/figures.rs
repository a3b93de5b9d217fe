//! What the public and the joint office read of joint filings as a whole: the bundles with
//! their one form, and the figures per kind.

use crate::error::{AppError, AppResult};
use crate::App;
use corridor_domain::case::Principal;
use corridor_domain::catalogue::ServiceMode;
use corridor_domain::joint::{self, JointKind, Outcome};
use serde::Serialize;

/// A bundle as the public list gives it: its matters and the one form they share.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BundleView {
    pub bundle: joint::Bundle,
    /// The modes every matter of the bundle offers.
    pub modes: Vec<ServiceMode>,
    /// Every field of its matters once, in the order they first appear.
    pub fields: Vec<corridor_domain::catalogue::FormField>,
}

impl App {
    /// The bundles of the current catalogue.
    pub fn bundles(&self) -> Vec<BundleView> {
        let r = self.reference();
        r.bundles
            .iter()
            .filter_map(|b| {
                let ms = b.members(&r.current)?;
                Some(BundleView {
                    bundle: b.clone(),
                    modes: b.modes(&ms),
                    fields: joint::shared_form(&ms)
                        .into_iter()
                        .map(|(f, _)| f)
                        .collect(),
                })
            })
            .collect()
    }
}

/// The joint office's figures of one kind of joint filing.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct JointFigure {
    pub kind: Option<JointKind>,
    pub filed: i64,
    pub open: i64,
    /// Open after the whole's deadline.
    pub overdue: i64,
    pub approved: i64,
    pub refused: i64,
    pub withdrawn: i64,
}

impl App {
    /// Joint filings filed since a month (YYYY-MM; none: all), per kind: filed, open, overdue,
    /// and how they ended. For the joint office and administrators.
    pub async fn joint_figures(
        &self,
        p: &Principal,
        since: Option<&str>,
    ) -> AppResult<Vec<JointFigure>> {
        if !p.sees_corridor_figures() {
            return Err(AppError::forbidden(
                "statistics are for the joint office and administrators",
            )
            .with_zh("统计数据只向联席办和系统管理员提供"));
        }
        let since = match since {
            Some(m) => {
                let m = crate::stats::parse_month(m)?;
                corridor_store::parse_date(&format!("{m}-01"))?
            }
            None => time::Date::MIN,
        };
        let rows = self.store.joint_counts(since, self.today()).await?;
        Ok(JointKind::ALL
            .into_iter()
            .map(|k| {
                let mut f = JointFigure {
                    kind: Some(k),
                    ..Default::default()
                };
                for (_, outcome, n, late) in rows.iter().filter(|r| r.0 == k.as_str()) {
                    f.filed += n;
                    match outcome.as_deref().and_then(Outcome::parse) {
                        None => {
                            f.open += n;
                            f.overdue += late;
                        }
                        Some(Outcome::Approved) => f.approved += n,
                        Some(Outcome::Refused) => f.refused += n,
                        Some(Outcome::Withdrawn) => f.withdrawn += n,
                    }
                }
                f
            })
            .collect())
    }
}
