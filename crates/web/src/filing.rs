//! Filing a case step by step, one thing per page: the deciding city, how to file (mode and
//! window), the application form, then a check page. Applicants file for themselves; a
//! window clerk files on behalf of an applicant at the clerk's own window and records the
//! identity check. The answers travel in hidden fields, so no draft is stored and the pages
//! work without JavaScript; the last step calls the same `App::file_case` as the API.

use crate::fields::{field_rows, form_json, reason_text, FieldRow};
use crate::{deny, redirect, Lang, Texts};
use crate::{error_status, error_text, Cx, SignedIn};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use corridor_app::documents::NewFile;
use corridor_app::filing::{files_cases, fixed_mode, named_window, FileCase};
use corridor_app::{App, ErrorCode};
use corridor_domain::case::{Principal, Role};
use corridor_domain::catalogue::{FieldError, FieldType, FormField, Matter, ServiceMode};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

const STEPS: [&str; 4] = ["city", "how", "details", "check"];

/// The answers so far, as posted back by each step.
#[derive(Default, Clone)]
pub(crate) struct Answers {
    city: String,
    mode: String,
    window: String,
    form: BTreeMap<String, String>,
    identity: bool,
    /// Clerk: the ID number of the person at the window when it is an agent.
    seen: String,
}

impl Answers {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut a = Answers::default();
        for (k, v) in pairs {
            match k.as_str() {
                "city" => a.city = v.trim().to_string(),
                "mode" => a.mode = v.trim().to_string(),
                "window" => a.window = v.trim().to_string(),
                "identity_checked" => a.identity = v == "true",
                "identity_seen" => a.seen = v.trim().chars().take(40).collect(),
                _ => {
                    if let Some(key) = k.strip_prefix("f.") {
                        a.form.insert(key.to_string(), v.to_string());
                    }
                }
            }
        }
        a
    }

    /// Hidden inputs for every answer that the given step does not ask for itself.
    fn hidden(&self, step: &str) -> Vec<(String, String)> {
        let mut h = Vec::new();
        if step != "city" {
            h.push(("city".into(), self.city.clone()));
        }
        if step != "how" {
            h.push(("mode".into(), self.mode.clone()));
            h.push(("window".into(), self.window.clone()));
        }
        if step != "details" {
            for (k, v) in &self.form {
                h.push((format!("f.{k}"), v.clone()));
            }
            if self.identity {
                h.push(("identity_checked".into(), "true".into()));
            }
            if !self.seen.is_empty() {
                h.push(("identity_seen".into(), self.seen.clone()));
            }
        }
        h
    }
}

#[derive(Template)]
#[template(path = "file.html")]
struct FilePage {
    t: &'static Texts,
    l: Lang,
    code: String,
    matter: String,
    step: &'static str,
    step_no: usize,
    steps: usize,
    csrf: String,
    hidden: Vec<(String, String)>,
    clerk: bool,
    /// The city step's question when the matter's competent city comes from a form field
    /// (where the infringement happens, ...): its label; empty for the applicant's home city.
    city_field: String,
    cities: Vec<(String, String, bool)>,
    modes: Vec<(String, String, bool)>,
    /// Multi-site with parts is filed on the joint form: the link is offered instead.
    joint: bool,
    windows: Vec<(String, String, bool)>,
    own_window: String,
    fields: Vec<FieldRow>,
    identity: bool,
    seen: String,
    summary: Vec<(String, String)>,
    /// The check step's file inputs, one a material: its position, name and whether required.
    materials: Vec<(usize, String, bool)>,
    errors: Vec<(String, String, String)>,
    error: String,
}

/// A filing page's request: the page context, the filer and the matter.
struct Ctx<'a> {
    app: &'a App,
    page: &'a Cx,
    p: &'a Principal,
    lang: Lang,
    matter: &'a Matter,
}

pub(crate) fn city_name(app: &App, lang: Lang, code: &str) -> String {
    app.reference()
        .jurisdiction(code)
        .map(|j| lang.of(&j.name_zh, &j.name_en))
        .unwrap_or_else(|| code.to_string())
}

fn window_name(app: &App, lang: Lang, id: &str) -> String {
    app.reference()
        .windows
        .get(id)
        .map(|w| lang.of(&w.name_zh, &w.name_en))
        .unwrap_or_else(|| id.to_string())
}

fn render(
    cx: &Ctx,
    step: &'static str,
    a: &Answers,
    field_errors: &[FieldError],
    error: String,
    status: StatusCode,
) -> Response {
    let (app, lang, m) = (cx.app, cx.lang, cx.matter);
    let zh = lang == Lang::Zh;
    let r = app.reference();
    let clerk = cx.p.role == Role::Clerk;
    let cities = r
        .jurisdictions
        .iter()
        .filter(|j| corridor_app::filing::competent_authority(&r, m, j.code.as_str()).is_ok())
        .map(|j| {
            (
                j.code.to_string(),
                lang.of(&j.name_zh, &j.name_en),
                a.city == j.code.as_str(),
            )
        })
        .collect();
    let modes = m
        .modes
        .iter()
        .filter(|md| !clerk || **md == ServiceMode::RemoteReceipt)
        .filter(|md| m.parts.is_empty() || **md != ServiceMode::MultiSite)
        .map(|md| {
            (
                md.as_str().to_string(),
                lang.mode(*md).to_string(),
                a.mode == md.as_str(),
            )
        })
        .collect();
    let mut windows: Vec<(String, String, bool)> = r
        .windows
        .values()
        .map(|w| {
            (
                w.id.clone(),
                format!(
                    "{} · {}",
                    city_name(app, lang, w.city.as_str()),
                    if zh { &w.name_zh } else { &w.name_en }
                ),
                a.window == w.id,
            )
        })
        .collect();
    windows.sort();
    let own_window =
        cx.p.window_id
            .as_deref()
            .map(|w| window_name(app, lang, w))
            .unwrap_or_default();
    let mut summary = vec![
        (
            lang.texts().deciding_city.to_string(),
            city_name(app, lang, &a.city),
        ),
        (
            lang.texts().service_mode.to_string(),
            ServiceMode::parse(&a.mode)
                .map(|md| lang.mode(md).to_string())
                .unwrap_or_default(),
        ),
    ];
    if a.mode == ServiceMode::RemoteReceipt.as_str() {
        let w = if clerk {
            cx.p.window_id.clone().unwrap_or_default()
        } else {
            a.window.clone()
        };
        summary.push((
            lang.texts().receiving_window.into(),
            window_name(app, lang, &w),
        ));
    }
    // The field that names the competent city is asked at the city step, not among the details.
    let city_field = m.competent_city_field();
    let fields: Vec<FormField> = m
        .fields
        .iter()
        .filter(|f| city_field.is_none_or(|c| c.key != f.key))
        .cloned()
        .collect();
    for f in &fields {
        let v = a.form.get(&f.key).cloned().unwrap_or_default();
        let shown = if f.ty == FieldType::Boolean {
            if v == "true" {
                cx.lang.texts().yes
            } else {
                cx.lang.texts().no
            }
            .to_string()
        } else if f.ty == FieldType::Select {
            f.options
                .iter()
                .find(|o| o.value == v)
                .map(|o| lang.of(&o.label_zh, &o.label_en))
                .unwrap_or(v)
        } else {
            v
        };
        summary.push((lang.of(&f.label_zh, &f.label_en), shown));
    }
    if clerk {
        summary.push((
            lang.texts().identity_check.into(),
            if a.identity {
                lang.texts().done
            } else {
                lang.texts().not_done
            }
            .into(),
        ));
        if !a.seen.is_empty() {
            summary.push((lang.texts().id_of_the_agent_at.into(), a.seen.clone()));
        }
    }
    let rows = field_rows(lang, &fields, &a.form, field_errors);
    let mut errors: Vec<(String, String, String)> = rows
        .iter()
        .filter(|f| !f.error.is_empty())
        .map(|f| (format!("f.{}", f.key), f.label.clone(), f.error.clone()))
        .collect();
    for e in field_errors
        .iter()
        .filter(|e| matches!(e.field.as_str(), "identity_checked" | "identity_seen"))
    {
        errors.push((
            e.field.clone(),
            if e.field == "identity_seen" {
                lang.texts().agent_s_id_number
            } else {
                lang.texts().identity_check
            }
            .into(),
            reason_text(lang, e),
        ));
    }
    for e in field_errors
        .iter()
        .filter(|e| matches!(e.field.as_str(), "city" | "mode" | "window"))
    {
        let label = match e.field.as_str() {
            "city" => lang.texts().deciding_city,
            "mode" => lang.texts().service_mode,
            _ => lang.texts().receiving_window,
        };
        errors.push((e.field.clone(), label.into(), reason_text(lang, e)));
    }
    let p = FilePage {
        t: lang.texts(),
        l: lang,
        code: m.code.clone(),
        matter: lang.of(&m.name_zh, &m.name_en),
        step,
        step_no: STEPS.iter().position(|s| *s == step).unwrap_or(0) + 1,
        steps: STEPS.len(),
        csrf: cx.page.csrf(),
        hidden: a.hidden(step),
        clerk,
        city_field: city_field
            .map(|f| lang.of(&f.label_zh, &f.label_en))
            .unwrap_or_default(),
        cities,
        modes,
        joint: !clerk && !m.parts.is_empty(),
        windows,
        own_window,
        fields: rows,
        identity: a.identity,
        seen: a.seen.clone(),
        summary,
        materials: m
            .materials
            .iter()
            .enumerate()
            .map(|(i, mt)| (i, lang.of(&mt.name_zh, &mt.name_en), mt.required))
            .collect(),
        errors,
        error,
    };
    cx.page.render(&p, status)
}

/// Checks one step's answers; the errors are keyed by input name.
/// Checks one step's answers by the application's filing rule (the same functions
/// `App::file_case` calls), so a step fails here exactly when filing would.
fn check_step(cx: &Ctx, step: &str, a: &Answers) -> Vec<FieldError> {
    use corridor_app::filing::{
        competent_authority, competent_city, identity_rule, route, Refusal,
    };
    let fe = |r: Refusal| FieldError::new(r.field, r.en, r.zh);
    let r = cx.app.reference();
    let mut errs = Vec::new();
    match step {
        "city" => {
            // The city step answers the field that names the competent city, if any: a
            // refusal of that field is shown at the city step.
            let form = form_json(&cx.matter.fields, &a.form);
            if let Err(mut e) = competent_city(cx.matter, &a.city, &form)
                .and_then(|c| competent_authority(&r, cx.matter, &c).map(|_| ()))
            {
                e.field = "city".into();
                errs.push(fe(e));
            }
        }
        "how" => match ServiceMode::parse(&a.mode) {
            Some(m) => {
                let window = named_window(cx.p.role, m, &a.window);
                if let Err(e) = route(&r, cx.p, cx.matter, m, window.as_deref(), &a.city) {
                    errs.push(fe(e));
                }
            }
            None => errs.push(FieldError::new(
                "mode",
                crate::EN.choose_how_to_file,
                crate::ZH.choose_how_to_file,
            )),
        },
        "details" => {
            if let Err(e) = cx
                .matter
                .validate_form(&form_json(&cx.matter.fields, &a.form))
            {
                errs.extend(e);
            }
            if let Err(e) = identity_rule(cx.p, a.identity) {
                errs.push(fe(e));
            }
        }
        _ => {}
    }
    errs
}

#[derive(Deserialize, Default)]
pub(crate) struct StartQuery {
    matter: Option<String>,
}

#[derive(Template)]
#[template(path = "file_start.html")]
struct StartPage {
    t: &'static Texts,
    l: Lang,
    matters: Vec<(String, String)>,
}

/// `/file`: pick the matter (a clerk filing on behalf starts here; applicants usually come
/// from a matter page).
pub(crate) async fn start(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    Query(q): Query<StartQuery>,
) -> Response {
    let lang = cx.lang;
    if let Some(code) = q.matter.filter(|c| !c.is_empty()) {
        return redirect(&format!("/file/{}", crate::enc(&code)));
    }
    if !files_cases(p.role) {
        return deny(lang.texts(), lang, ErrorCode::Forbidden);
    }
    let r = app.reference();
    let mut matters: Vec<(String, String)> = r
        .current
        .iter()
        .map(|m| {
            (
                m.code.clone(),
                format!(
                    "{} {}",
                    m.code,
                    if lang == Lang::Zh {
                        &m.name_zh
                    } else {
                        &m.name_en
                    }
                ),
            )
        })
        .collect();
    matters.sort();
    let pg = StartPage {
        t: lang.texts(),
        l: lang,
        matters,
    };
    cx.render(&pg, StatusCode::OK)
}

/// A filing step's request: the signed-in filer (an applicant, or a clerk at a window) and the
/// matter named in the path; the refusal page for a role that does not file or an unknown
/// matter.
pub(crate) struct Filing {
    cx: Cx,
    p: Principal,
    matter: Matter,
}

impl axum::extract::FromRequestParts<Arc<App>> for Filing {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &Arc<App>,
    ) -> Result<Self, Response> {
        let SignedIn { cx, p } = SignedIn::from_request_parts(parts, app).await?;
        let refuse = |code| deny(cx.t(), cx.lang, code);
        if !files_cases(p.role) {
            return Err(refuse(ErrorCode::Forbidden));
        }
        let code = Path::<String>::from_request_parts(parts, app).await.ok();
        let Some(matter) = code.and_then(|Path(code)| app.matter(&code, None).ok()) else {
            return Err(refuse(ErrorCode::NotFound));
        };
        Ok(Filing { cx, p, matter })
    }
}

impl<'a> Ctx<'a> {
    fn of(app: &'a App, f: &'a Filing) -> Self {
        Ctx {
            app,
            page: &f.cx,
            p: &f.p,
            lang: f.cx.lang,
            matter: &f.matter,
        }
    }
}

impl Answers {
    /// What the filer has no choice in: a clerk files by remote receipt at the clerk's own
    /// window, whatever a form says.
    fn for_filer(mut self, p: &Principal) -> Self {
        if let Some(m) = fixed_mode(p.role) {
            self.mode = m.as_str().into();
            self.window.clear();
        }
        self
    }
}

/// `GET /file/{code}`: the first step. `?prefill.<field>=` values fill the matter's form
/// fields of that name (a confirmed auction sale links to its contract registration so).
pub(crate) async fn first_step(
    State(app): State<Arc<App>>,
    f: Filing,
    Query(prefill): Query<Vec<(String, String)>>,
) -> Response {
    let fx = Ctx::of(&app, &f);
    let mut a = Answers::default().for_filer(&f.p);
    for (k, v) in prefill.iter().take(50) {
        if let Some(key) = k.strip_prefix("prefill.") {
            if f.matter.fields.iter().any(|f| f.key == key) {
                a.form
                    .insert(key.to_string(), v.chars().take(500).collect());
            }
        }
    }
    render(&fx, "city", &a, &[], String::new(), StatusCode::OK)
}

/// `POST /file/{code}`: checks the posted step and shows the next (or the same one with its
/// errors); the check step files the case.
pub(crate) async fn post_step(
    State(app): State<Arc<App>>,
    f: Filing,
    StepForm {
        pairs,
        files,
        unreadable,
    }: StepForm,
) -> Response {
    let fx = Ctx::of(&app, &f);
    let (cx, p, matter, lang) = (&f.cx, &f.p, &f.matter, f.cx.lang);
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let mut a = Answers::from_pairs(&pairs).for_filer(p);
    // The city step answers the field that names the competent city, when there is one.
    if let Some(f) = matter.competent_city_field() {
        a.form.insert(f.key.clone(), a.city.clone());
    }
    let step = STEPS
        .iter()
        .copied()
        .find(|s| Some(*s) == get("step"))
        .unwrap_or("city");
    if !cx.csrf_ok(get("csrf").unwrap_or("")) {
        return render(
            &fx,
            step,
            &a,
            &[],
            lang.texts().bad_form.into(),
            StatusCode::FORBIDDEN,
        );
    }
    let idx = STEPS.iter().position(|s| *s == step).unwrap_or(0);
    if get("nav") == Some("back") {
        let prev = STEPS[idx.saturating_sub(1)];
        return render(&fx, prev, &a, &[], String::new(), StatusCode::OK);
    }
    // Every step up to this one must hold (hidden answers could have been edited).
    for s in &STEPS[..=idx] {
        let errs = check_step(&fx, s, &a);
        if !errs.is_empty() {
            return render(
                &fx,
                s,
                &a,
                &errs,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    }
    if step != "check" {
        return render(&fx, STEPS[idx + 1], &a, &[], String::new(), StatusCode::OK);
    }
    if unreadable {
        let msg = lang.pick(
            "所选文件无法读取（过大或不完整），请重新选择",
            "The chosen files could not be read (too large, or cut off): choose them again",
        );
        return render(
            &fx,
            "check",
            &a,
            &[],
            msg.into(),
            StatusCode::PAYLOAD_TOO_LARGE,
        );
    }
    let mode = ServiceMode::parse(&a.mode).unwrap_or(ServiceMode::RemoteReceipt);
    let req = FileCase {
        matter_code: matter.code.clone(),
        competent_city: a.city.clone(),
        mode,
        window_id: named_window(p.role, mode, &a.window),
        form: form_json(&matter.fields, &a.form),
        identity_checked: a.identity,
        identity_seen: Some(a.seen.clone()).filter(|s| !s.is_empty()),
    };
    match app.file_case_with_materials(p, req, files).await {
        Ok(c) => redirect(&format!("/cases/{}?filed=1", c.id)),
        // A refused file: the reason at the check step, where the files are chosen again.
        Err(e)
            if e.fields
                .iter()
                .any(|f| f.field == "file" || f.field.starts_with("materials[")) =>
        {
            let again = lang.pick("请重新选择文件。", "Choose the files again.");
            let msg = format!("{} {again}", error_text(lang, &e));
            render(&fx, "check", &a, &[], msg, error_status(&e))
        }
        Err(e) if !e.fields.is_empty() => render(
            &fx,
            "details",
            &a,
            &e.fields,
            String::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => {
            let (msg, status) = (error_text(lang, &e), error_status(&e));
            render(&fx, "check", &a, &[], msg, status)
        }
    }
}

/// A filing step's posted form: its answers, and at the check step the files chosen for the
/// matter's materials (parts `file.N`, N the material's position; an input left empty sends
/// an empty part, which is passed over). The check step posts `multipart/form-data`, the others
/// a plain form.
pub(crate) struct StepForm {
    pairs: Vec<(String, String)>,
    files: Vec<(usize, NewFile)>,
    /// Part of the form could not be read (too large, or cut off).
    unreadable: bool,
}

/// The most parts a filing step's form is read for (answers and files).
const MAX_PARTS: usize = 500;

impl axum::extract::FromRequest<Arc<App>> for StepForm {
    type Rejection = Response;
    async fn from_request(req: axum::extract::Request, app: &Arc<App>) -> Result<Self, Response> {
        use axum::response::IntoResponse;
        let multipart = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(req, app)
                .await
                .map_err(IntoResponse::into_response)?;
            return Ok(StepForm {
                pairs,
                files: Vec::new(),
                unreadable: false,
            });
        }
        let mut mp = axum::extract::Multipart::from_request(req, app)
            .await
            .map_err(IntoResponse::into_response)?;
        let mut form = StepForm {
            pairs: Vec::new(),
            files: Vec::new(),
            unreadable: false,
        };
        for _ in 0..MAX_PARTS {
            let part = match mp.next_field().await {
                Ok(Some(part)) => part,
                Ok(None) => return Ok(form),
                Err(_) => break,
            };
            let name = part.name().unwrap_or_default().to_string();
            if let Some(i) = name.strip_prefix("file.") {
                let file_name = part.file_name().unwrap_or_default().to_string();
                let Ok(bytes) = part.bytes().await else {
                    break;
                };
                match i.parse::<usize>() {
                    Ok(i) if !bytes.is_empty() || !file_name.is_empty() => form
                        .files
                        .push((i, NewFile::new(file_name, bytes.to_vec()))),
                    _ => {}
                }
            } else {
                let Ok(v) = part.text().await else {
                    break;
                };
                form.pairs.push((name, v));
            }
        }
        form.unreadable = true;
        Ok(form)
    }
}
