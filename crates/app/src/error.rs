//! One table of error codes: stable code, HTTP status, and a sentence in English and Chinese.
//! The API returns them in RFC 9457 problem bodies; `docs/ERRORS.md` lists them.

use corridor_domain::case::CaseError;
use corridor_domain::catalogue::FieldError;
use corridor_store::StoreError;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    InvalidJson,
    ValidationFailed,
    Unauthenticated,
    InvalidCredentials,
    TooManyAttempts,
    Forbidden,
    NotFound,
    InvalidTransition,
    ReasonRequired,
    Conflict,
    InvalidReferenceData,
    InvalidStage,
    Overloaded,
    MethodNotAllowed,
    RequestTimeout,
    PayloadTooLarge,
    UriTooLong,
    UnsupportedMediaType,
    HeadersTooLarge,
    FileRefused,
    FileTooLarge,
    MaterialsMissing,
    TrustListRefused,
    MessageRefused,
    BidRefused,
    AmountNotComputed,
    Internal,
}

/// `(code, HTTP status, English title, Chinese title)`.
pub const ERROR_TABLE: &[(ErrorCode, u16, &str, &str)] = &[
    (
        ErrorCode::BadRequest,
        400,
        "The request is malformed",
        "请求格式不正确",
    ),
    (
        ErrorCode::InvalidJson,
        400,
        "The request body is not valid JSON for this operation",
        "请求体不是有效的 JSON",
    ),
    (
        ErrorCode::ValidationFailed,
        422,
        "Some fields are invalid",
        "部分字段填写有误",
    ),
    (ErrorCode::Unauthenticated, 401, "Sign in first", "请先登录"),
    (
        ErrorCode::InvalidCredentials,
        401,
        "Wrong username or password",
        "用户名或密码错误",
    ),
    (
        ErrorCode::TooManyAttempts,
        429,
        "Too many failed sign-ins; try again later",
        "登录失败次数过多，请稍后再试",
    ),
    (
        ErrorCode::Forbidden,
        403,
        "You may not do this",
        "无权执行此操作",
    ),
    (ErrorCode::NotFound, 404, "Not found", "未找到"),
    (
        ErrorCode::InvalidTransition,
        409,
        "This action is not possible in the case's current state",
        "当前办件状态下不能执行此操作",
    ),
    (
        ErrorCode::ReasonRequired,
        422,
        "This action needs a reason",
        "此操作须说明理由",
    ),
    (
        ErrorCode::Conflict,
        409,
        "The request conflicts with stored data",
        "与已有数据冲突",
    ),
    (
        ErrorCode::InvalidReferenceData,
        422,
        "The reference data is invalid",
        "基础数据无效",
    ),
    (
        ErrorCode::InvalidStage,
        409,
        "The match cannot move to that stage from its current one",
        "该对接当前阶段不能转到所选阶段",
    ),
    (
        ErrorCode::Overloaded,
        503,
        "The service is busy; retry in a moment",
        "系统繁忙，请稍后重试",
    ),
    (
        ErrorCode::MethodNotAllowed,
        405,
        "This method is not allowed on this resource",
        "该资源不支持此请求方法",
    ),
    (
        ErrorCode::RequestTimeout,
        408,
        "The request was not received in time",
        "请求未在规定时间内送达",
    ),
    (
        ErrorCode::PayloadTooLarge,
        413,
        "The request body is too large",
        "请求体过大",
    ),
    (
        ErrorCode::UriTooLong,
        414,
        "The URL is too long",
        "网址过长",
    ),
    (
        ErrorCode::UnsupportedMediaType,
        415,
        "The request body has an unsupported content type",
        "请求体的内容类型不受支持",
    ),
    (
        ErrorCode::HeadersTooLarge,
        431,
        "The request headers are too large",
        "请求头过大",
    ),
    (
        ErrorCode::FileRefused,
        422,
        "The file is refused (its type, name or content), or an e-licence given for a material does not verify, is of another type or held by someone else",
        "文件不予接收（类型、文件名或内容有误），或所填电子证照核验未通过、类型不符或持证人不是申请人",
    ),
    (
        ErrorCode::FileTooLarge,
        413,
        "The file, or the case's files together, exceed the size or count limit",
        "文件或本件材料合计超过大小或数量上限",
    ),
    (
        ErrorCode::MaterialsMissing,
        409,
        "Required materials are missing, not marked received, or their originals not seen",
        "必需材料不齐（未提交、窗口未确认收取或未核验原件）",
    ),
    (
        ErrorCode::TrustListRefused,
        422,
        "The trust list is refused: unsigned, from an unknown root, altered, expired, or not newer than the one held",
        "信任列表不予接受：未签名、根密钥未知、被篡改、已过期或不比现有列表新",
    ),
    (
        ErrorCode::MessageRefused,
        422,
        "The message from another node is refused: malformed, from an unknown or removed node, altered, or not for this node",
        "其他节点的消息不予接收：格式错误、来自未知或已移除的节点、被篡改或收件节点不符",
    ),
    (
        ErrorCode::BidRefused,
        409,
        "The bid is refused: see its reason",
        "出价未被接受，详见原因",
    ),
    (
        ErrorCode::AmountNotComputed,
        409,
        "The amount cannot be computed by the city's rule: see why",
        "无法按本市规则计算数额，详见原因",
    ),
    (ErrorCode::Internal, 500, "Internal error", "系统内部错误"),
];

impl ErrorCode {
    fn row(self) -> (ErrorCode, u16, &'static str, &'static str) {
        ERROR_TABLE
            .iter()
            .copied()
            .find(|r| r.0 == self)
            .unwrap_or((ErrorCode::Internal, 500, "Internal error", "系统内部错误"))
    }
    pub fn status(self) -> u16 {
        self.row().1
    }
    pub fn title_en(self) -> &'static str {
        self.row().2
    }
    pub fn title_zh(self) -> &'static str {
        self.row().3
    }
    pub fn as_str(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{code:?}: {detail}")]
pub struct AppError {
    pub code: ErrorCode,
    pub detail: String,
    /// The detail in Chinese, where the rule that refused gives one.
    pub detail_zh: Option<String>,
    pub fields: Vec<FieldError>,
    /// Seconds after which a refused request may be tried again (`Retry-After`).
    pub retry_after_s: Option<u64>,
    /// A stable sub-code where the rule that refused has one (a bid's refusal).
    pub reason: Option<&'static str>,
}

impl AppError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        AppError {
            code,
            detail: detail.into(),
            detail_zh: None,
            fields: Vec::new(),
            retry_after_s: None,
            reason: None,
        }
    }

    /// With a stable sub-code (see [`AppError::reason`]).
    pub fn with_reason(mut self, reason: &'static str) -> Self {
        self.reason = Some(reason);
        self
    }
    /// The detail in Chinese (`zh`) where there is one, else in English.
    pub fn detail_for(&self, zh: bool) -> &str {
        match (&self.detail_zh, zh) {
            (Some(d), true) => d,
            _ => &self.detail,
        }
    }

    /// The same error with its detail in Chinese too.
    pub fn with_zh(mut self, detail_zh: impl Into<String>) -> Self {
        self.detail_zh = Some(detail_zh.into());
        self
    }
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, what)
    }
    pub fn forbidden(what: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, what)
    }
    pub fn bad(what: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, what)
    }
    pub fn fields(fields: Vec<FieldError>) -> Self {
        let detail = fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.reason))
            .collect::<Vec<_>>()
            .join("; ");
        // In Chinese too when every field's rule gives its reason in Chinese.
        let detail_zh = fields
            .iter()
            .map(|f| f.reason_zh.as_ref().map(|r| format!("{}：{r}", f.field)))
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join("；"));
        AppError {
            code: ErrorCode::ValidationFailed,
            detail,
            detail_zh,
            fields,
            retry_after_s: None,
            reason: None,
        }
    }

    /// A stored document that cannot be read or written: logged, answered as internal.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "a stored document is unreadable");
        AppError::new(
            ErrorCode::Internal,
            "a stored record could not be read; it has been logged",
        )
        .with_zh("记录读取失败，已记录日志")
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => AppError::new(ErrorCode::Conflict, m),
            e => {
                tracing::error!(error = %e, "store error");
                AppError::new(
                    ErrorCode::Internal,
                    "a storage error occurred; it has been logged",
                )
                .with_zh("存储出错，已记录日志")
            }
        }
    }
}

/// An action's code in Chinese (the code itself when it is not an action's).
fn action_zh(code: &str) -> &str {
    corridor_domain::case::Action::parse(code).map_or(code, |a| a.label_zh())
}

impl From<CaseError> for AppError {
    fn from(e: CaseError) -> Self {
        let code = match &e {
            CaseError::InvalidTransition { .. } | CaseError::NoLicence => {
                ErrorCode::InvalidTransition
            }
            CaseError::ReasonRequired(_) => ErrorCode::ReasonRequired,
            CaseError::Forbidden(_) => ErrorCode::Forbidden,
        };
        let zh = match &e {
            CaseError::InvalidTransition { action, status } => {
                let status =
                    corridor_domain::case::Status::parse(status).map_or(*status, |s| s.label_zh());
                format!("办件当前状态为“{status}”，不能执行“{}”", action_zh(action))
            }
            CaseError::ReasonRequired(action) => format!("“{}”须说明理由", action_zh(action)),
            CaseError::NoLicence => "该事项不发放证照".into(),
            CaseError::Forbidden(_) => "您的角色无权对此办件执行该操作".into(),
        };
        AppError::new(code, e.to_string()).with_zh(zh)
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// The table as the Markdown rows of `docs/ERRORS.md`.
pub fn error_table_markdown() -> String {
    let mut s = String::from("| code | status | title | 标题 |\n|---|---|---|---|\n");
    for (code, status, en, zh) in ERROR_TABLE {
        s.push_str(&format!(
            "| `{}` | {status} | {en} | {zh} |\n",
            code.as_str()
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn docs_list_every_error_code() {
        let doc = include_str!("../../../docs/ERRORS.md");
        assert!(
            doc.contains(&super::error_table_markdown()),
            "docs/ERRORS.md is stale; replace its table with:\n{}",
            super::error_table_markdown()
        );
    }
}
