//! Amount rules: each city's rule for the matters whose amount is computed at the decision
//! (rent subsidies, provident fund withdrawals, registration fees).

use crate::problem::{ApiJson, ApiResult, Problem};
use crate::problem::{ApiPath, ApiQuery};
use crate::{AppState, Auth};
use axum::extract::State;
use axum::Json;
use corridor_app::amounts::{AmountRuleView, AmountTotal, PublishAmountRule};
use corridor_app::paging::Page;

/// The rules in force, by matter and city (public: what an applicant may get or pay, and how
/// it is computed).
#[utoipa::path(get, path = "/api/v1/amount-rules", tag = "reference",
    responses((status = 200, body = Page<AmountRuleView>)))]
pub async fn list(State(s): State<AppState>) -> ApiResult<Json<Page<AmountRuleView>>> {
    Ok(Json(Page::all(s.app.amount_rules())))
}

/// Every version of a city's rule for a matter, the newest first.
#[utoipa::path(get, path = "/api/v1/amount-rules/{city}/{matter}", tag = "reference",
    params(("city" = String, Path, max_length = 12), ("matter" = String, Path, max_length = 32)),
    responses((status = 200, body = Page<AmountRuleView>), (status = 404, body = Problem)))]
pub async fn history(
    State(s): State<AppState>,
    ApiPath((city, matter)): ApiPath<(String, String)>,
) -> ApiResult<Json<Page<AmountRuleView>>> {
    Ok(Json(Page::all(
        s.app.amount_rule_history(&city, &matter).await?,
    )))
}

/// Publishes a city's rule for a matter as its next version (joint office, administrator).
/// Decisions from now on use it; amounts already decided keep theirs.
#[utoipa::path(put, path = "/api/v1/amount-rules/{city}/{matter}", tag = "reference",
    params(("city" = String, Path, max_length = 12), ("matter" = String, Path, max_length = 32)),
    request_body = PublishAmountRule, security(("bearer" = [])),
    responses((status = 200, body = AmountRuleView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn publish(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath((city, matter)): ApiPath<(String, String)>,
    body: ApiJson<PublishAmountRule>,
) -> ApiResult<Json<AmountRuleView>> {
    Ok(Json(
        s.app
            .publish_amount_rule(&p, &city, &matter, body.0)
            .await?,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TotalsQuery {
    /// Only amounts decided in this month or later (YYYY-MM, China Standard Time).
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub since: Option<String>,
}

/// The amounts decided by rule (subsidies granted, withdrawals, fees), by deciding city and
/// matter: how many decisions and their total (joint office, administrator).
#[utoipa::path(get, path = "/api/v1/statistics/amounts", tag = "statistics", params(TotalsQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Page<AmountTotal>), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem)))]
pub async fn totals(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<TotalsQuery>,
) -> ApiResult<Json<Page<AmountTotal>>> {
    Ok(Json(Page::all(
        s.app.amount_totals(&p, q.since.as_deref()).await?,
    )))
}
