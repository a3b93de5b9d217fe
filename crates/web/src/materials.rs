//! A case's materials on its page: each material with its files (images inline, PDFs opened
//! in the browser), an upload form for whoever may add files now, and the files themselves.
//! The rules are the application's (`App::materials`, `App::attach`, `App::material_file`).

use crate::cases::{render_case, CaseExtras};
use crate::page::{deny, error_status, error_text, redirect, CaseId, Cx, Posted, SignedIn};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use corridor_app::documents::NewFile;
use corridor_app::licences::LicenceView;
use corridor_app::materials::CaseMaterials;
use corridor_app::App;
use std::sync::Arc;

/// One file as the page lists it.
pub(crate) struct FileRow {
    pub url: String,
    pub name: String,
    pub size: String,
    pub sha256: String,
    pub image: bool,
    pub by: String,
    pub at: String,
    /// A verified e-licence given by reference: what was verified (empty for a file).
    pub licence: String,
}

/// One material as the page lists it.
pub(crate) struct MaterialRow {
    pub index: usize,
    pub name: String,
    pub required: bool,
    /// Named by the correction request now open.
    pub asked: bool,
    /// The window must see the original.
    pub original: bool,
    pub received: bool,
    pub original_seen: bool,
    /// Why it holds the case back (empty when it does not).
    pub gap: String,
    /// An e-licence may be given instead of a file (once only).
    pub takes_licence: bool,
    /// The caller's own valid licences of that type: (number, label).
    pub my_licences: Vec<(String, String)>,
    pub files: Vec<FileRow>,
}

impl MaterialRow {
    /// A material as the catalogue lists it, for those who do not see the files.
    pub(crate) fn listed(
        lang: crate::lang::Lang,
        index: usize,
        m: &corridor_domain::catalogue::Material,
    ) -> MaterialRow {
        MaterialRow {
            index,
            name: lang.of(&m.name_zh, &m.name_en),
            required: m.required,
            asked: false,
            original: m.original,
            received: false,
            original_seen: false,
            gap: String::new(),
            takes_licence: m.licence_type.is_some(),
            my_licences: Vec::new(),
            files: Vec::new(),
        }
    }
}

fn size_text(n: u64) -> String {
    if n >= 1_000_000 {
        format!("{:.1} MB", n as f64 / 1e6)
    } else if n >= 1_000 {
        format!("{:.0} KB", n as f64 / 1e3)
    } else {
        format!("{n} B")
    }
}

/// The caller's own licences that are valid now (an applicant's; none for staff), to offer
/// for the materials that take one.
pub(crate) async fn my_licences(
    app: &App,
    p: &corridor_domain::case::Principal,
    m: &CaseMaterials,
) -> Vec<LicenceView> {
    let wanted = m.materials.iter().any(|x| x.licence_type.is_some());
    if !m.may_attach || !wanted || p.role != corridor_domain::case::Role::Applicant {
        return Vec::new();
    }
    let q = corridor_app::licences::LicenceQuery {
        per_page: Some(100),
        ..Default::default()
    };
    app.list_licences(p, &q)
        .await
        .map(|page| page.items.into_iter().filter(|l| !l.revoked).collect())
        .unwrap_or_default()
}

/// What a reviewer reads of a verified e-licence.
fn licence_text(cx: &Cx, v: &corridor_app::materials::VerifiedLicence) -> String {
    let lang = cx.lang;
    let until = v
        .valid_until
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .map(|t| t.date().to_string())
        .unwrap_or_else(|| lang.pick("长期", "indefinite").to_string());
    let mut s = format!(
        "{} {} · {} · {} {} · {} {}",
        lang.pick("已核验电子证照", "Verified e-licence"),
        v.number,
        lang.of(&v.title_zh, &v.title_en),
        lang.pick("持证人", "holder"),
        v.holder,
        lang.pick("有效期至", "valid until"),
        until
    );
    if v.revoked {
        s.push_str(lang.pick("（已撤销）", " (since revoked)"));
    }
    s
}

/// The rows of a case's materials, in the page's language.
pub(crate) fn rows(
    cx: &Cx,
    case: uuid::Uuid,
    m: &CaseMaterials,
    mine: &[LicenceView],
) -> Vec<MaterialRow> {
    let lang = cx.lang;
    m.materials
        .iter()
        .map(|mt| MaterialRow {
            index: mt.index,
            name: lang.of(&mt.name_zh, &mt.name_en),
            required: mt.required,
            asked: false,
            original: mt.original,
            received: mt.received,
            original_seen: mt.original_seen,
            gap: match mt.gap.as_deref() {
                Some("no_file") => cx.t().gap_no_file.to_string(),
                Some("not_received") => cx.t().gap_not_received.to_string(),
                Some("original_not_seen") => cx.t().gap_original.to_string(),
                _ => String::new(),
            },
            takes_licence: mt.licence_type.is_some(),
            my_licences: mine
                .iter()
                .filter(|l| mt.licence_type.as_deref() == Some(l.licence_type.as_str()))
                .map(|l| {
                    let title = l.content["title_zh"].as_str().unwrap_or_default();
                    (l.number.clone(), format!("{} {title}", l.number))
                })
                .collect(),
            files: mt
                .files
                .iter()
                .map(|f| FileRow {
                    url: format!("/cases/{case}/files/{}", f.id),
                    name: f.file_name.clone(),
                    size: size_text(f.size),
                    sha256: f.sha256.clone(),
                    image: f.kind.is_image(),
                    by: corridor_domain::case::Role::parse(&f.added_by_role)
                        .map(|r| lang.role(r).to_string())
                        .unwrap_or_default(),
                    at: crate::page::local_time(&f.added_at),
                    licence: f
                        .licence
                        .as_ref()
                        .map(|v| licence_text(cx, v))
                        .unwrap_or_default(),
                })
                .collect(),
        })
        .collect()
}

/// Why a post on the case page did not go through: the text shown there, and the status.
type Refused = (String, StatusCode);

fn app_refusal(cx: &Cx, e: &corridor_app::AppError) -> Refused {
    (error_text(cx.lang, e), error_status(e))
}

/// A form that cannot be read, or whose CSRF token is wrong.
fn bad_form(cx: &Cx, status: StatusCode) -> Refused {
    (cx.t().bad_form.into(), status)
}

/// The form's CSRF token, checked.
fn csrf_check(cx: &Cx, token: &str) -> Result<(), Refused> {
    if cx.csrf_ok(token) {
        Ok(())
    } else {
        Err(bad_form(cx, StatusCode::FORBIDDEN))
    }
}

/// The answer to a post on the case page: back to its materials, or the page with the reason.
async fn back(
    app: &App,
    cx: &Cx,
    p: &corridor_domain::case::Principal,
    case: uuid::Uuid,
    outcome: Result<(), Refused>,
) -> Response {
    match outcome {
        Ok(()) => redirect(&format!("/cases/{case}#materials")),
        Err((error, status)) => {
            render_case(app, cx, p, case, CaseExtras::error(error), status).await
        }
    }
}

/// The value of a form field.
pub(crate) fn field<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

/// A multipart form with one file: its text fields, the file's name and bytes, and whether
/// any of it could not be read (too large, or cut off).
pub(crate) struct Upload {
    pub(crate) fields: Vec<(String, String)>,
    pub(crate) file: Option<NewFile>,
    pub(crate) unreadable: bool,
}

/// Reads a multipart form whose file is the part named `file`.
pub(crate) async fn read_upload(mp: &mut Multipart) -> Upload {
    let mut up = Upload {
        fields: Vec::new(),
        file: None,
        unreadable: false,
    };
    loop {
        match mp.next_field().await {
            Ok(Some(f)) => match f.name().map(str::to_string) {
                Some(n) if n == "file" => {
                    let name = f.file_name().unwrap_or_default().to_string();
                    match f.bytes().await {
                        Ok(b) => {
                            let bytes = b.to_vec();
                            up.file = Some(NewFile { name, bytes })
                        }
                        Err(_) => up.unreadable = true,
                    }
                }
                Some(n) => {
                    let v = f.text().await.unwrap_or_default();
                    up.fields.push((n, v));
                }
                None => {}
            },
            Ok(None) => break,
            Err(_) => {
                up.unreadable = true;
                break;
            }
        }
    }
    up
}

/// A stored file as the answer, with the headers the application gives it.
pub(crate) fn file_answer(headers: [(&'static str, String); 4], bytes: Vec<u8>) -> Response {
    let mut res = bytes.into_response();
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            res.headers_mut().insert(name, value);
        }
    }
    res
}

/// `POST /cases/{id}/materials`: a file for one material (multipart: `csrf`, `material`,
/// `file`); back to the case page, or the page with the reason next to the form.
pub(crate) async fn upload(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    CaseId(uuid): CaseId,
    mut mp: Multipart,
) -> Response {
    let up = read_upload(&mut mp).await;
    let csrf = field(&up.fields, "csrf").to_string();
    let material: Option<usize> = field(&up.fields, "material").trim().parse().ok();
    let outcome = async {
        csrf_check(&cx, &csrf)?;
        let (Some(material), Some(file), false) = (material, up.file, up.unreadable) else {
            return Err(bad_form(&cx, StatusCode::BAD_REQUEST));
        };
        app.attach(&p, uuid, material, file)
            .await
            .map_err(|e| app_refusal(&cx, &e))?;
        Ok(())
    }
    .await;
    back(&app, &cx, &p, uuid, outcome).await
}

/// `POST /cases/{id}/materials/licence`: an e-licence for one material (form: `csrf`,
/// `material`, `reference` = its number or QR text); back to the case page, or the page with
/// the reason.
pub(crate) async fn give_licence(
    State(app): State<Arc<App>>,
    CaseId(uuid): CaseId,
    Posted { cx, p, form: f }: Posted,
) -> Response {
    let outcome = async {
        let Ok(material) = f.val("material").parse() else {
            return Err(bad_form(&cx, StatusCode::BAD_REQUEST));
        };
        app.attach_licence(&p, uuid, material, &f.val("reference"))
            .await
            .map_err(|e| app_refusal(&cx, &e))?;
        Ok(())
    }
    .await;
    back(&app, &cx, &p, uuid, outcome).await
}

/// `POST /cases/{id}/materials/checks`: the clerk's marks (form: `csrf`, `received` and
/// `original_seen`, each the positions ticked; every material is marked, ticked or not).
pub(crate) async fn save_checks(
    State(app): State<Arc<App>>,
    CaseId(uuid): CaseId,
    Posted { cx, p, form: f }: Posted,
) -> Response {
    let outcome = async {
        let ticked = |key: &str, i: usize| f.all(key).any(|v| v.trim().parse() == Ok(i));
        let count = app
            .materials(&p, uuid)
            .await
            .map_err(|e| app_refusal(&cx, &e))?
            .materials
            .len();
        let marks: Vec<corridor_app::materials::MaterialCheck> = (0..count)
            .map(|i| corridor_app::materials::MaterialCheck {
                material: i,
                received: ticked("received", i),
                original_seen: ticked("original_seen", i),
            })
            .collect();
        app.check_materials(&p, uuid, &marks)
            .await
            .map_err(|e| app_refusal(&cx, &e))?;
        Ok(())
    }
    .await;
    back(&app, &cx, &p, uuid, outcome).await
}

/// `GET /cases/{id}/files/{file}`: one file, shown in the browser.
pub(crate) async fn file(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    Path((id, file)): Path<(String, String)>,
) -> Response {
    let (lang, t) = (cx.lang, cx.t());
    let (Ok(case), Ok(file)) = (id.parse(), file.parse()) else {
        return deny(t, lang, corridor_app::ErrorCode::NotFound);
    };
    match app.material_file(&p, case, file).await {
        Ok((v, bytes)) => file_answer(v.download_headers(), bytes),
        Err(e) => deny(t, lang, e.code),
    }
}
