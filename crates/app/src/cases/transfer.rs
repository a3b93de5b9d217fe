//! Transfer to the competent authority of another city (issue #27): which authorities a case
//! may go to, and the one it goes to, checked by the domain's rule.

use crate::error::{AppError, AppResult, ErrorCode};
use crate::App;
use corridor_store::CaseRecord;

impl App {
    /// The authorities a case of authority `from` may be transferred to (the domain's rule,
    /// member cities only): what the case page offers.
    pub fn transfer_targets(&self, from: &str) -> Vec<corridor_domain::catalogue::Authority> {
        let r = self.reference();
        let Some(from) = r.authorities.get(from) else {
            return Vec::new();
        };
        r.authorities
            .values()
            .filter(|a| corridor_domain::case::check_transfer(from, Some(a)).is_ok())
            .filter(|a| r.jurisdiction(a.city.as_str()).is_some_and(|j| j.member))
            .cloned()
            .collect()
    }

    /// The authority a case is transferred to, checked by the domain's rule. Between the nodes
    /// of a federation a case does not move yet: the authority refuses it with a reason.
    pub(super) fn transfer_target(
        &self,
        c: &CaseRecord,
        to: Option<&str>,
    ) -> AppResult<corridor_domain::catalogue::Authority> {
        use corridor_domain::case::TransferError;
        let r = self.reference();
        let target = to.and_then(|id| r.authorities.get(id.trim()));
        let field = |en: String, zh: String| {
            AppError::fields(vec![corridor_domain::catalogue::FieldError::new(
                "to_authority",
                &en,
                &zh,
            )])
        };
        let Some(from) = r.authorities.get(&c.competent_authority) else {
            return Err(
                AppError::bad("the case's authority is not in the reference data")
                    .with_zh("办件的审批部门不在参考数据中"),
            );
        };
        match corridor_domain::case::check_transfer(from, target) {
            Ok(()) => {}
            Err(TransferError::NoTarget) => {
                return Err(field(
                    "choose the authority of another city that is to decide".into(),
                    "请选择应由哪个城市的部门审批".into(),
                ))
            }
            Err(TransferError::OtherKind(k)) => {
                return Err(field(
                    format!("a case goes only to an authority of the same kind ({k}); refuse it, with a reason, if another kind of authority is competent"),
                    format!("只能移送同类部门（{k}）；如属其他类部门职权，请说明理由后不予受理"),
                ))
            }
            Err(TransferError::SameAuthority) => {
                return Err(field(
                    "the case is already with this city's authority".into(),
                    "办件已在本市该部门".into(),
                ))
            }
        }
        let to = target
            .cloned()
            .ok_or_else(|| AppError::bad("no authority"))?;
        if !r.jurisdiction(to.city.as_str()).is_some_and(|j| j.member) {
            return Err(field(
                format!("city {} is not a member of the corridor", to.city),
                format!("城市 {} 不是走廊成员", to.city),
            ));
        }
        if self.node_city().is_some() {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "between the nodes of a federation a case is not transferred yet: refuse it, \
                 with a reason naming the competent city, and the applicant files there",
            )
            .with_zh("联邦节点之间暂不支持移送：请说明理由（写明有权城市）后不予受理，由申请人向该城市申请"));
        }
        Ok(to)
    }
}
