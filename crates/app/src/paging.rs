//! The one page shape of every list, and paging a list held in memory.

use crate::error::{AppError, AppResult};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many items match. A window's, an authority's or an applicant's case list, in
    /// some states or all, is counted exactly. Other case lists (by matter, by due date) and
    /// licence lists count up to 10,000: beyond that `total` is 10,000 and `total_exact` is
    /// false (walk on with `next_after`).
    pub total: i64,
    pub total_exact: bool,
    pub page: i64,
    pub per_page: i64,
    /// Case and licence lists: pass as `after` for the next page (keyset paging; absent on
    /// the last page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<String>,
}

impl<T> Page<T> {
    /// A whole list as one page (short lists the caller asks for in full).
    pub fn all(items: Vec<T>) -> Page<T> {
        let n = items.len() as i64;
        Page::exact(items, n, 1, n)
    }

    /// A page of a list whose `total` is counted exactly (no keyset cursor).
    pub fn exact(items: Vec<T>, total: i64, page: i64, per_page: i64) -> Page<T> {
        Page {
            items,
            total,
            total_exact: true,
            page,
            per_page,
            next_after: None,
        }
    }
}

pub fn paginate<T: Clone>(
    all: Vec<T>,
    page: Option<i64>,
    per_page: Option<i64>,
) -> AppResult<Page<T>> {
    let per_page = per_page.unwrap_or(50);
    if !(1..=500).contains(&per_page) {
        return Err(AppError::bad("per_page must be 1-500").with_zh("per_page 须在 1 到 500 之间"));
    }
    let page = page.unwrap_or(1);
    if page < 1 {
        return Err(AppError::bad("page starts at 1").with_zh("page 从 1 开始"));
    }
    let total = all.len() as i64;
    let items = all
        .into_iter()
        .skip(((page - 1).saturating_mul(per_page)) as usize)
        .take(per_page as usize)
        .collect();
    Ok(Page::exact(items, total, page, per_page))
}
