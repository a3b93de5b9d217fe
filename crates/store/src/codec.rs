//! Text forms of dates, ids and documents in the tables.

use crate::{Result, StoreError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use time::Date;
use uuid::Uuid;

pub(crate) const DATE_FMT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

pub fn date_str(d: Date) -> String {
    d.format(DATE_FMT).unwrap_or_default()
}
pub fn parse_date(s: &str) -> Result<Date> {
    Date::parse(s, DATE_FMT).map_err(|e| StoreError::Corrupt(format!("date '{s}': {e}")))
}
pub(crate) fn opt_date(v: Option<String>) -> Result<Option<Date>> {
    v.as_deref().map(parse_date).transpose()
}
pub(crate) fn uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("uuid '{s}': {e}")))
}
pub(crate) fn to_doc<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}
pub(crate) fn from_doc<T: DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(e.to_string()))
}
