//! What every page shares: rendering with the language cookie, cookies, the CSRF token,
//! redirects, the signed-in principal and the refusal page.

use crate::*;
use askama::Template;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use corridor_app::App;
use std::sync::Arc;

pub(crate) fn page<T: Template>(t: &T, lang: Lang, remember: bool, status: StatusCode) -> Response {
    match t.render() {
        Ok(html) => {
            let mut r = (status, Html(html)).into_response();
            if remember {
                let c = format!(
                    "lang={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
                    lang.code()
                );
                if let Ok(v) = c.parse() {
                    r.headers_mut().insert(header::SET_COOKIE, v);
                }
            }
            r.headers_mut().insert(
                header::CONTENT_LANGUAGE,
                lang.texts()
                    .html_lang
                    .parse()
                    .unwrap_or(header::HeaderValue::from_static("zh-CN")),
            );
            r
        }
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response(),
    }
}

pub(crate) type Pair = (String, String);

/// Percent-encodes everything but ASCII letters, digits and `-`.
pub(crate) fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A local path to return to after sign-in (never another site): it starts with one `/`
/// followed by a path character, and holds only printable ASCII without `\\` or `:`.
/// Browsers drop tabs and line breaks from URLs and read `\\` as `/`, so `/<TAB>/evil.example`
/// or `/\\evil.example` would lead off the site; a path that could be read that way is refused.
pub fn safe_next(next: &str) -> Option<&str> {
    let b = next.as_bytes();
    let local = b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && next.len() <= 2048
        && b.iter()
            .all(|&c| c.is_ascii_graphic() && c != b'\\' && c != b':');
    local.then_some(next)
}

// ---------- sign-in, queue, case ----------

pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The CSRF token for this request's forms. Signed in, it is derived from the session token
/// (a hash of it under its own label), so it is bound to the session: it changes with every
/// sign-in, dies with the session, and cannot be planted by a cookie set from elsewhere.
/// Before sign-in (the sign-in form itself) it is a random value in a `SameSite=Strict`
/// cookie that the form carries back. Returns the token and whether a cookie must be set.
pub(crate) fn csrf_token(headers: &HeaderMap) -> (String, bool) {
    if let Some(s) = session_cookie(headers) {
        return (session_csrf(&s), false);
    }
    match cookie(headers, "csrf")
        .filter(|c| c.len() == 32 && c.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        Some(c) => (c, false),
        None => {
            let mut b = [0u8; 16];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
            (b.iter().map(|x| format!("{x:02x}")).collect(), true)
        }
    }
}

/// The session token from its cookie, when it has the shape of one.
pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<String> {
    cookie(headers, "session").filter(|c| c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The CSRF token of a session: the first 128 bits of SHA-256 over a label and the session
/// token, which is itself 256 random bits (so the token cannot be guessed without it, and does
/// not reveal it).
pub(crate) fn session_csrf(session: &str) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(format!("corridor-csrf\n{session}").as_bytes());
    d.iter().take(16).map(|x| format!("{x:02x}")).collect()
}

/// Whether a submitted form's CSRF token is this request's (compared in constant time).
pub(crate) fn csrf_ok(headers: &HeaderMap, sent: &str) -> bool {
    let expected = match session_cookie(headers) {
        Some(s) => session_csrf(&s),
        None => match cookie(headers, "csrf") {
            Some(c) if !c.is_empty() => c,
            _ => return false,
        },
    };
    expected.len() == sent.len()
        && expected
            .bytes()
            .zip(sent.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

pub(crate) fn set_cookie(r: &mut Response, c: String) {
    if let Ok(v) = c.parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Sets the CSRF cookie when the token was just made.
pub(crate) fn remember_csrf(r: &mut Response, csrf: &str, fresh: bool) {
    if fresh {
        set_cookie(r, format!("csrf={csrf}; Path=/; HttpOnly; SameSite=Strict"));
    }
}

pub(crate) fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

pub(crate) async fn principal(
    app: &App,
    headers: &HeaderMap,
) -> Option<corridor_domain::case::Principal> {
    let tok = cookie(headers, "session")?;
    app.authenticate(&tok).await.ok()
}

pub(crate) fn deny(t: &Texts, lang: Lang, code: corridor_app::ErrorCode) -> Response {
    let msg = lang.error_title(code);
    (
        StatusCode::from_u16(code.status()).unwrap_or(StatusCode::FORBIDDEN),
        Html(format!(
            "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{msg}</title></head><body><main><h1>{msg}</h1><p><a href=\"/cases\">{}</a> · <a href=\"/\">{}</a></p></main></body></html>",
            t.html_lang, t.my_cases, t.site
        )),
    )
        .into_response()
}

/// What every page handler starts from: the request's language (and whether to remember it),
/// the CSRF token for its forms (and whether its cookie must be set), and the path (for
/// `next=`). Handlers take this, or [`SignedIn`] (which adds the principal), instead of
/// reading headers themselves.
pub(crate) struct Cx {
    pub lang: Lang,
    pub remember: bool,
    csrf: String,
    fresh: bool,
    /// Whether the page asked for the CSRF token (its cookie is set only then).
    csrf_used: std::sync::atomic::AtomicBool,
    pub headers: HeaderMap,
    path: String,
    post: bool,
}

impl Cx {
    /// The CSRF token for the page's forms.
    pub fn csrf(&self) -> String {
        self.csrf_used
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.csrf.clone()
    }

    pub fn t(&self) -> &'static Texts {
        self.lang.texts()
    }

    /// Renders a page: the language cookie when `?lang=` chose it, the CSRF cookie when the
    /// token is new.
    pub fn render<T: Template>(&self, tpl: &T, status: StatusCode) -> Response {
        let mut r = page(tpl, self.lang, self.remember, status);
        let used = self.csrf_used.load(std::sync::atomic::Ordering::Relaxed);
        remember_csrf(&mut r, &self.csrf, self.fresh && used);
        r
    }

    /// Whether a posted form carried this request's CSRF token.
    pub fn csrf_ok(&self, sent: &str) -> bool {
        csrf_ok(&self.headers, sent)
    }

    /// Whether a posted form (its pairs) carried this request's CSRF token in `csrf`.
    pub fn form_csrf_ok(&self, form: &[(String, String)]) -> bool {
        let sent = form
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        self.csrf_ok(sent)
    }

    /// The sign-in page, returning here afterwards (a form's page, for a form posted without
    /// a session).
    pub fn to_sign_in(&self) -> Response {
        let mut back = self.path.as_str();
        if self.post {
            back = back
                .rsplit_once('/')
                .filter(|(_, last)| ["act", "stage", "revoke"].contains(last))
                .map_or(back, |(head, _)| head);
        }
        // The path as it came (already percent-encoded); `safe_next` checks it on return.
        redirect(&format!("/login?next={back}"))
    }

    /// "name · role" for the page header.
    pub fn who(&self, p: &corridor_domain::case::Principal) -> String {
        format!("{} · {}", p.username, self.lang.role(p.role))
    }
}

impl axum::extract::FromRequestParts<Arc<App>> for Cx {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &Arc<App>,
    ) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        let lang_q = q
            .split('&')
            .filter_map(|kv| kv.strip_prefix("lang="))
            .next_back();
        let (lang, remember) = negotiate(&parts.headers, lang_q);
        let (csrf, fresh) = csrf_token(&parts.headers);
        Ok(Cx {
            lang,
            remember,
            csrf,
            fresh,
            csrf_used: Default::default(),
            headers: parts.headers.clone(),
            path: parts.uri.path().to_string(),
            post: parts.method == axum::http::Method::POST,
        })
    }
}

/// A page for signed-in users only: without a session the request is sent to sign in, with
/// `next=` leading back.
pub(crate) struct SignedIn {
    pub cx: Cx,
    pub p: corridor_domain::case::Principal,
}

impl axum::extract::FromRequestParts<Arc<App>> for SignedIn {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &Arc<App>,
    ) -> Result<Self, Self::Rejection> {
        let Ok(cx) = Cx::from_request_parts(parts, app).await;
        match principal(app, &cx.headers).await {
            Some(p) => Ok(SignedIn { cx, p }),
            None => Err(cx.to_sign_in()),
        }
    }
}

/// A form posted by a signed-in user, its CSRF token checked: without a session the sign-in
/// page (with `next=`), with a bad or missing token the forbidden page, with a body that is not
/// a form the bad-request page. Extracted last (it reads the body).
pub(crate) struct Posted {
    pub cx: Cx,
    pub p: corridor_domain::case::Principal,
    pub form: FormData,
}

/// A posted form's fields in order, several of a name kept.
pub(crate) struct FormData(pub Vec<(String, String)>);

impl FormData {
    /// The first value of `k`, trimmed ("" when absent).
    pub fn val(&self, k: &str) -> String {
        crate::materials::field(&self.0, k).trim().to_string()
    }

    /// The fields to show again in the form (all but the token).
    pub fn without_csrf(self) -> Vec<(String, String)> {
        self.0.into_iter().filter(|(k, _)| k != "csrf").collect()
    }
}

impl FormData {
    /// Every value of `k` (a field sent more than once: the ticked boxes of a group).
    pub fn all<'a>(&'a self, k: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
}

/// What a form page shows again after a refusal: the fields as sent, each error next to its
/// field, a message for the rest, and the status; blank for the first view.
pub(crate) struct FormState {
    pub form: Vec<(String, String)>,
    pub errors: std::collections::BTreeMap<String, String>,
    pub message: String,
    pub status: StatusCode,
}

impl FormState {
    pub fn blank() -> FormState {
        FormState {
            form: Vec::new(),
            errors: Default::default(),
            message: String::new(),
            status: StatusCode::OK,
        }
    }

    /// The form `f` refused with `e`.
    pub fn refused(lang: Lang, e: &corridor_app::AppError, f: FormData) -> FormState {
        let (errors, message) = split_errors(lang, e);
        FormState {
            form: f.without_csrf(),
            errors,
            message,
            status: error_status(e),
        }
    }

    /// A field's value as sent, trimmed.
    pub fn f(&self, k: &str) -> String {
        crate::materials::field(&self.form, k).trim().to_string()
    }

    /// Whether `k` was sent with the value `v` (a ticked box).
    pub fn has(&self, k: &str, v: &str) -> bool {
        self.form.iter().any(|(n, x)| n == k && x == v)
    }

    /// The error next to field `k`.
    pub fn err(&self, k: &str) -> Option<&String> {
        self.errors.get(k)
    }
}

impl std::ops::Deref for FormData {
    type Target = Vec<(String, String)>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl axum::extract::FromRequest<Arc<App>> for Posted {
    type Rejection = Response;
    async fn from_request(req: axum::extract::Request, app: &Arc<App>) -> Result<Self, Response> {
        use axum::extract::FromRequestParts;
        let (mut parts, body) = req.into_parts();
        let SignedIn { cx, p } = SignedIn::from_request_parts(&mut parts, app).await?;
        let req = axum::extract::Request::from_parts(parts, body);
        let Ok(axum::Form(pairs)) =
            axum::Form::<Vec<(String, String)>>::from_request(req, app).await
        else {
            return Err(deny(cx.t(), cx.lang, corridor_app::ErrorCode::BadRequest));
        };
        if !cx.form_csrf_ok(&pairs) {
            return Err(deny(cx.t(), cx.lang, corridor_app::ErrorCode::Forbidden));
        }
        Ok(Posted {
            cx,
            p,
            form: FormData(pairs),
        })
    }
}

/// The `{id}` of a case page's path as a UUID; anything else is the not-found page.
pub(crate) struct CaseId(pub uuid::Uuid);

/// A multipart form with one file (the part `file`) posted by a signed-in user, its CSRF token
/// checked and every part read: refused as [`Posted`] is, and with the bad-request page when a
/// part cannot be read (too large, or cut off). Extracted last.
pub(crate) struct PostedFile {
    pub cx: Cx,
    pub p: corridor_domain::case::Principal,
    pub up: crate::materials::Upload,
}

impl axum::extract::FromRequest<Arc<App>> for PostedFile {
    type Rejection = Response;
    async fn from_request(req: axum::extract::Request, app: &Arc<App>) -> Result<Self, Response> {
        use axum::extract::FromRequestParts;
        let (mut parts, body) = req.into_parts();
        let SignedIn { cx, p } = SignedIn::from_request_parts(&mut parts, app).await?;
        let req = axum::extract::Request::from_parts(parts, body);
        let bad = |code| deny(cx.t(), cx.lang, code);
        let Ok(mut mp) = axum::extract::Multipart::from_request(req, app).await else {
            return Err(bad(corridor_app::ErrorCode::BadRequest));
        };
        let up = crate::materials::read_upload(&mut mp).await;
        if !cx.csrf_ok(crate::materials::field(&up.fields, "csrf")) {
            return Err(bad(corridor_app::ErrorCode::Forbidden));
        }
        if up.unreadable {
            return Err(bad(corridor_app::ErrorCode::BadRequest));
        }
        Ok(PostedFile { cx, p, up })
    }
}

/// A multipart form that must carry a file (the part `file`): a [`PostedFile`] with its file
/// taken out, and the bad-request page when there is none. The other parts are in `fields`.
pub(crate) struct PostedDocument {
    pub cx: Cx,
    pub p: corridor_domain::case::Principal,
    pub file: corridor_app::documents::NewFile,
    pub fields: Vec<(String, String)>,
}

impl axum::extract::FromRequest<Arc<App>> for PostedDocument {
    type Rejection = Response;
    async fn from_request(req: axum::extract::Request, app: &Arc<App>) -> Result<Self, Response> {
        let PostedFile { cx, p, up } = PostedFile::from_request(req, app).await?;
        let Some(file) = up.file else {
            return Err(deny(cx.t(), cx.lang, corridor_app::ErrorCode::BadRequest));
        };
        let fields = up.fields;
        Ok(PostedDocument {
            cx,
            p,
            file,
            fields,
        })
    }
}

impl axum::extract::FromRequestParts<Arc<App>> for CaseId {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &Arc<App>,
    ) -> Result<Self, Self::Rejection> {
        let id = parts
            .uri
            .path()
            .strip_prefix("/cases/")
            .and_then(|rest| rest.split('/').next())
            .and_then(|id| id.parse().ok());
        match id {
            Some(id) => Ok(CaseId(id)),
            None => {
                let Ok(cx) = Cx::from_request_parts(parts, app).await;
                Err(deny(cx.t(), cx.lang, corridor_app::ErrorCode::NotFound))
            }
        }
    }
}

/// An application error as a page says it: its title and its detail, in the page's language.
pub(crate) fn error_text(lang: Lang, e: &corridor_app::AppError) -> String {
    format!(
        "{}: {}",
        lang.error_title(e.code),
        e.detail_for(lang == Lang::Zh)
    )
}

/// The HTTP status of an application error.
pub(crate) fn error_status(e: &corridor_app::AppError) -> StatusCode {
    StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST)
}

/// An RFC 3339 instant as the pages show it: China time (UTC+8), to the minute
/// (`2026-10-12 14:05`); the text as it came when it does not parse.
pub(crate) fn local_time(rfc3339: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    time::OffsetDateTime::parse(rfc3339, &Rfc3339)
        .ok()
        .and_then(|t| {
            t.to_offset(corridor_domain::clock::CST)
                .format(format_description!("[year]-[month]-[day] [hour]:[minute]"))
                .ok()
        })
        .unwrap_or_else(|| rfc3339.to_string())
}

/// A refused form's messages, the one way every page shows them: each field's error by field
/// name (the last part of a dotted key), next to its field, in the page's language
/// (`fields::reason_text`); when no field is named, the whole error's text as one message.
pub(crate) fn split_errors(
    lang: Lang,
    e: &corridor_app::AppError,
) -> (std::collections::BTreeMap<String, String>, String) {
    let mut m = std::collections::BTreeMap::new();
    for f in &e.fields {
        let k = f.field.rsplit('.').next().unwrap_or(&f.field).to_string();
        m.entry(k)
            .or_insert_with(|| crate::fields::reason_text(lang, f));
    }
    let msg = if m.is_empty() {
        error_text(lang, e)
    } else {
        String::new()
    };
    (m, msg)
}

#[cfg(test)]
mod time_tests {
    #[test]
    fn instants_show_in_china_time() {
        assert_eq!(
            super::local_time("2026-10-12T06:05:09.123Z"),
            "2026-10-12 14:05"
        );
        assert_eq!(super::local_time("not a time"), "not a time");
    }
}
