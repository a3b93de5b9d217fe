//! A case's materials: the list, adding a file (the raw bytes as the body; the type comes
//! from the content), and reading one back.

use crate::problem::ApiPath;
use crate::problem::{ApiError, ApiJson, ApiResult, Problem};
use crate::{AppState, Auth};
use axum::body::Bytes;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use corridor_app::documents::{DocumentView, NewFile};
use corridor_app::materials::{
    bad_file, AttachmentView, CaseMaterials, LicenceReference, MaterialCheck,
};
use corridor_app::{AppError, ErrorCode};
use corridor_domain::materials::FileError;
use serde::Deserialize;
use uuid::Uuid;

pub use corridor_app::materials::MAX_UPLOAD_BYTES;

/// The case's materials as the catalogue lists them, each with the files handed in.
#[utoipa::path(get, path = "/api/v1/cases/{id}/materials", tag = "cases", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = CaseMaterials), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_materials(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CaseMaterials>> {
    Ok(Json(s.app.materials(&p, id).await?))
}

/// The receiving window's clerk marks materials received and originals seen (marks replace
/// earlier ones). A case at a window is forwarded only when every required material is marked
/// received, and its original seen where the catalogue asks.
#[utoipa::path(put, path = "/api/v1/cases/{id}/materials/checks", tag = "cases", params(("id" = Uuid, Path)),
    request_body = Vec<MaterialCheck>, security(("bearer" = [])),
    responses((status = 200, body = CaseMaterials), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn check_materials(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<Uuid>,
    body: ApiJson<Vec<MaterialCheck>>,
) -> ApiResult<Json<CaseMaterials>> {
    let marks = body.0;
    Ok(Json(s.app.check_materials(&p, id, &marks).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name, e.g. `business-licence.pdf` (at most 200 characters, no path; its
    /// extension must agree with the content).
    pub file_name: String,
}

/// Add a file for one material (the applicant while filed or asked to correct; the receiving
/// window's clerk until forwarded). The body is the file itself: PDF, JPEG or PNG, told from
/// the content. Stored durably, with its SHA-256 in the case's audit trail, before the answer.
#[utoipa::path(post, path = "/api/v1/cases/{id}/materials/{material}", tag = "cases",
    params(("id" = Uuid, Path), ("material" = usize, Path, description = "The material's position in the list"), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file (PDF, JPEG or PNG)"),
    security(("bearer" = [])),
    responses((status = 201, body = AttachmentView), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn attach(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath((id, material)): ApiPath<(Uuid, usize)>,
    Upload(file): Upload,
) -> ApiResult<(StatusCode, Json<AttachmentView>)> {
    let v = s.app.attach(&p, id, material, file).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// A filing with files for its materials, as `multipart/form-data`: the part `filing`, then
/// for each file a part `material` (the material's position in the matter's list) and a part
/// `file` (its bytes, under its file name), in pairs.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // the document's schema: the parts are read one by one
pub struct FilingWithMaterials {
    /// The filing, as the body of `POST /api/v1/cases` (JSON).
    filing: corridor_app::filing::FileCase,
    /// For each part `file`, in the same order, the material it answers.
    material: Vec<u32>,
    /// The files: PDF, JPEG or PNG, told from the content.
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<Vec<u8>>,
}

/// File a case with files for its materials in one request (at most 64 MiB in all; more files
/// can follow one by one). Everything is checked before anything is stored; the files are on
/// disk before the case, and the case, its files' records and their audit events (with each
/// file's SHA-256) commit together before the answer.
#[utoipa::path(post, path = "/api/v1/cases/with-materials", tag = "cases",
    request_body(content = FilingWithMaterials, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses((status = 201, body = corridor_app::cases::CaseView), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn file_with_materials(
    State(s): State<AppState>,
    Auth(p): Auth,
    mp: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<corridor_app::cases::CaseView>)> {
    let bad =
        |en: String, zh: String| ApiError(AppError::new(ErrorCode::BadRequest, en).with_zh(zh));
    let mut mp = mp.map_err(|e| {
        bad(
            format!("the body is not a multipart form: {}", e.body_text()),
            "请求体不是 multipart 表单".into(),
        )
    })?;
    let part_error = |e: MultipartError| {
        let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ErrorCode::PayloadTooLarge
        } else {
            ErrorCode::BadRequest
        };
        ApiError(
            AppError::new(
                code,
                format!("the form could not be read: {}", e.body_text()),
            )
            .with_zh("表单无法读取（过大或不完整）"),
        )
    };
    // More files than a case may hold are refused before the rest is read.
    let limit = s.app.material_limits().case_files;
    let (mut filing, mut materials, mut files) = (None, Vec::new(), Vec::new());
    while let Some(part) = mp.next_field().await.map_err(part_error)? {
        let count = materials.len().max(files.len()) as u64;
        if count > limit {
            return Err(bad_file(FileError::TooMany { count, limit }).into());
        }
        match part.name().unwrap_or_default() {
            "filing" if filing.is_none() => {
                let b = part.bytes().await.map_err(part_error)?;
                let f = serde_json::from_slice(&b).map_err(|e| {
                    ApiError(
                        AppError::new(
                            ErrorCode::InvalidJson,
                            format!("the part `filing` is not a filing: {e}"),
                        )
                        .with_zh(format!("`filing` 部分不是有效的申请：{e}")),
                    )
                })?;
                filing = Some(f);
            }
            "material" => {
                let t = part.text().await.map_err(part_error)?;
                let m = t.trim().parse::<u32>().map_err(|_| {
                    bad(
                        format!("a part `material` holds a material's position (a whole number), not {t:?}"),
                        format!("`material` 部分应为材料序号（整数），而非 {t:?}"),
                    )
                })?;
                materials.push(m as usize);
            }
            "file" => {
                let name = part.file_name().unwrap_or_default().to_string();
                let bytes = part.bytes().await.map_err(part_error)?.to_vec();
                files.push(NewFile { name, bytes });
            }
            other => {
                return Err(bad(
                    format!("unexpected part {other:?}: the form holds one part `filing` and pairs of parts `material` and `file`"),
                    format!("多余的部分 {other:?}：表单含一个 `filing` 部分及成对的 `material` 与 `file` 部分"),
                ))
            }
        }
    }
    let filing = filing.ok_or_else(|| {
        bad(
            "the part `filing` is missing".into(),
            "缺少 `filing` 部分".into(),
        )
    })?;
    if materials.len() != files.len() {
        let (m, f) = (materials.len(), files.len());
        return Err(bad(
            format!("{m} parts `material` for {f} parts `file`: give one for each"),
            format!("{m} 个 `material` 部分对应 {f} 个 `file` 部分：须一一对应"),
        ));
    }
    let files = materials.into_iter().zip(files).collect();
    let c = s.app.file_case_with_materials(&p, filing, files).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// Give a Corridor e-licence for a material that is one (once only: a business licence, a
/// talent recognition), by its number or QR text instead of a file. It is verified (signature,
/// validity, revocation), must be of the material's licence type and held by the case's
/// applicant; its signed envelope becomes the material's file.
#[utoipa::path(post, path = "/api/v1/cases/{id}/materials/{material}/licence", tag = "cases",
    params(("id" = Uuid, Path), ("material" = usize, Path, description = "The material's position in the list")),
    request_body = LicenceReference, security(("bearer" = [])),
    responses((status = 201, body = AttachmentView), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn attach_licence(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath((id, material)): ApiPath<(Uuid, usize)>,
    body: ApiJson<LicenceReference>,
) -> ApiResult<(StatusCode, Json<AttachmentView>)> {
    let v = s
        .app
        .attach_licence(&p, id, material, &body.0.reference)
        .await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// One file, as handed in; the download is recorded in the case's audit trail.
#[utoipa::path(get, path = "/api/v1/cases/{id}/files/{file}", tag = "cases",
    params(("id" = Uuid, Path), ("file" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/octet-stream", description = "The file, with its own content type"),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn file(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath((id, file)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    let (v, bytes) = s.app.material_file(&p, id, file).await?;
    Ok(file_response(v.download_headers(), bytes))
}

/// An uploaded file: its name from the query (`?file_name=`), its bytes from the body. A
/// body that cannot be read (too large, or cut off) is a problem document, as is a missing name.
pub struct Upload(pub NewFile);

/// A handler adding a document to a holder (a listing, a proposal) under `$path` (whose `{id}`
/// is the holder's), through the application's rule `$add` for who may add when. The body is
/// the file; the answer the document (201) or a problem ([`DocumentAdded`]).
macro_rules! add_document_endpoint {
    ($(#[doc = $doc:literal])* $name:ident, $path:tt, $tag:tt, $add:ident) => {
        $(#[doc = $doc])*
        #[utoipa::path(post, path = $path, tag = $tag,
            params(("id" = String, Path), crate::materials::UploadQuery),
            request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file (PDF, JPEG or PNG)"),
            security(("bearer" = [])), responses(crate::materials::DocumentAdded))]
        pub async fn $name(
            axum::extract::State(s): axum::extract::State<crate::AppState>,
            crate::Auth(p): crate::Auth,
            crate::problem::ApiPath(id): crate::problem::ApiPath<String>,
            crate::materials::Upload(file): crate::materials::Upload,
        ) -> crate::problem::ApiResult<(
            axum::http::StatusCode,
            axum::Json<corridor_app::documents::DocumentView>,
        )> {
            let v = s.app.$add(&p, &id, file).await?;
            Ok((axum::http::StatusCode::CREATED, axum::Json(v)))
        }
    };
}
pub(crate) use add_document_endpoint;

/// What adding a document to a listing or a proposal answers: the document, or a problem.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // describes the answers in the OpenAPI document; never built
pub enum DocumentAdded {
    #[response(status = 201)]
    Created(DocumentView),
    #[response(status = 400)]
    BadRequest(Problem),
    #[response(status = 403)]
    Forbidden(Problem),
    #[response(status = 404)]
    NotFound(Problem),
    #[response(status = 409)]
    Conflict(Problem),
    #[response(status = 413)]
    TooLarge(Problem),
    #[response(status = 422)]
    Unprocessable(Problem),
}

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let (mut parts, body) = req.into_parts();
        let Query(q) = Query::<UploadQuery>::from_request_parts(&mut parts, state).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e: BytesRejection| {
                ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    format!("the file could not be read: {e}"),
                )
            })?;
        Ok(Upload(NewFile {
            name: q.file_name,
            bytes: bytes.to_vec(),
        }))
    }
}

/// A file as an answer, with the headers the application gives it.
pub fn file_response(headers: [(&'static str, String); 4], bytes: Vec<u8>) -> Response {
    let mut res = bytes.into_response();
    for (name, value) in headers {
        if let Ok(value) = header::HeaderValue::from_str(&value) {
            res.headers_mut().insert(name, value);
        }
    }
    res
}
