//! One need's page: its candidates with their explanations, and its pipeline board.

use super::*;
use crate::Posted;

// ---------- one need ----------

pub(crate) struct CandRow {
    pub(crate) rank: usize,
    pub(crate) uscc: String,
    pub(crate) name: String,
    pub(crate) city: String,
    pub(crate) score: String,
    pub(crate) tags: Vec<String>,
    pub(crate) matched: String,
    pub(crate) signals: Vec<(String, String, String, String)>,
    pub(crate) stage: String,
    pub(crate) proposal: bool,
}

pub(crate) struct BoardCol {
    pub(crate) title: String,
    pub(crate) cards: Vec<Card>,
}

pub(crate) struct Card {
    pub(crate) uscc: String,
    pub(crate) name: String,
    pub(crate) city: String,
    pub(crate) meetings: i64,
    pub(crate) history: Vec<String>,
    pub(crate) moves: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "need.html")]
pub(crate) struct NeedPage<'a> {
    pub(crate) t: &'a Texts,
    pub(crate) l: Lang,
    pub(crate) csrf: String,
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) owner: String,
    pub(crate) kind: String,
    pub(crate) status: String,
    pub(crate) deadline: String,
    pub(crate) description: String,
    pub(crate) requirements: Vec<(String, String)>,
    pub(crate) candidates: Vec<CandRow>,
    pub(crate) board: Vec<BoardCol>,
    pub(crate) error: String,
    pub(crate) today: String,
    /// The call it is in: (id, review in words, note).
    pub(crate) call: Option<(String, String, String)>,
    /// Seen by another firm (not its owner, not the office): no candidates nor board.
    pub(crate) viewer: bool,
    /// Whether the need takes proposals.
    pub(crate) takes_proposals: bool,
    /// The proposals (the owner's and the office's view).
    pub(crate) proposals: Vec<ProposalView>,
    /// The viewer's own proposal.
    pub(crate) mine: Option<ProposalView>,
    pub(crate) errors: std::collections::BTreeMap<String, String>,
    pub(crate) form: Vec<(String, String)>,
}

impl NeedPage<'_> {
    fn err(&self, k: &str) -> Option<&String> {
        self.errors.get(k)
    }
    fn f(&self, k: &str) -> String {
        crate::materials::field(&self.form, k).to_string()
    }
    fn stage_name(&self, s: &Option<Stage>) -> String {
        s.map(|s| s.name(self.l == Lang::Zh).to_string())
            .unwrap_or_default()
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn need_page(
    app: &App,
    cx: &Cx,
    p: &corridor_domain::case::Principal,
    id: &str,
    error: String,
    errors: std::collections::BTreeMap<String, String>,
    form: Vec<(String, String)>,
    status: StatusCode,
) -> Response {
    let lang = cx.lang;
    let t = lang.texts();
    let n = match app.need(p, id).await {
        Ok(n) => n,
        Err(e) => return deny(t, lang, e.code),
    };
    // The owner and the office work the need; another firm reads a published one and answers.
    let (ranked, board, proposals, viewer): (Vec<CandidateView>, Vec<MatchView>, _, bool) =
        match app.rank_need(p, id, 20).await {
            Ok(r) => match (
                app.pipeline(p, id).await,
                app.proposals_of_need(p, id).await,
            ) {
                (Ok(b), Ok(pr)) => (r, b, pr, false),
                (Err(e), _) | (_, Err(e)) => return deny(t, lang, e.code),
            },
            Err(e) if e.code == corridor_app::ErrorCode::Forbidden => {
                (Vec::new(), Vec::new(), Vec::new(), true)
            }
            Err(e) => return deny(t, lang, e.code),
        };
    let mine = match viewer {
        true => {
            (app.my_proposals(p).await.unwrap_or_default().into_iter()).find(|x| x.need_id == id)
        }
        false => None,
    };
    let zh = lang == Lang::Zh;
    let candidates = ranked
        .iter()
        .map(|c| CandRow {
            rank: c.rank,
            uscc: c.hit.uscc.clone(),
            name: lang.of(&c.hit.name_zh, &c.hit.name_en),
            city: city_name(app, lang, &c.hit.city),
            score: format!("{:.3}", c.hit.score),
            tags: tags(lang, &c.hit.flags, &c.hit.certifications),
            matched: matched_line(&c.hit.matched),
            signals: signal_rows(lang, &c.signals),
            stage: c.stage.map(|s| s.name(zh).to_string()).unwrap_or_default(),
            proposal: c.proposal.is_some(),
        })
        .collect();
    let board = Stage::ALL
        .iter()
        .map(|st| BoardCol {
            title: st.name(zh).to_string(),
            cards: board
                .iter()
                .filter(|m| m.stage == *st)
                .map(|m| Card {
                    uscc: m.uscc.clone(),
                    name: lang.of(&m.name_zh, &m.name_en),
                    city: city_name(app, lang, &m.city),
                    meetings: m.meetings,
                    history: m
                        .events
                        .iter()
                        .map(|e| format!("{} {}", e.on, e.stage.name(zh)))
                        .collect(),
                    moves: Stage::ALL
                        .iter()
                        .filter(|to| m.stage.can_move_to(**to))
                        .map(|to| (to.as_str().to_string(), to.name(zh).to_string()))
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let s = &n.spec;
    let mut requirements = Vec::new();
    if !s.certifications.is_empty() {
        requirements.push((
            lang.texts().required_certifications.to_string(),
            s.certifications.join(", "),
        ));
    }
    if !s.clusters.is_empty() {
        requirements.push((
            lang.texts().clusters.to_string(),
            s.clusters
                .iter()
                .map(|c| cluster_name(lang, c.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    if !s.industries.is_empty() {
        requirements.push((
            lang.texts().industry_classes.to_string(),
            s.industries.join(", "),
        ));
    }
    if !s.cities.is_empty() {
        requirements.push((
            lang.texts().preferred_cities.to_string(),
            s.cities
                .iter()
                .map(|c| city_name(app, lang, c))
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    let csrf = cx.csrf();
    let np = NeedPage {
        t,
        l: lang,
        csrf: csrf.clone(),
        id: n.id.clone(),
        title: need_title(lang, s),
        owner: lang.of(&n.owner_name_zh, &n.owner_name_en),
        kind: s.kind.name(zh).into(),
        status: n.status.name(zh).into(),
        deadline: n.deadline.clone().unwrap_or_else(|| "—".into()),
        description: lang.of(&s.description_zh, &s.description_en),
        requirements,
        candidates,
        board,
        error,
        today: corridor_store::date_str(app.today()),
        call: n.call.as_ref().map(|c| {
            (
                c.call_id.clone(),
                c.review.name(zh).to_string(),
                c.note.clone(),
            )
        }),
        takes_proposals: n
            .call
            .as_ref()
            .is_some_and(|c| c.review == Review::Approved)
            && n.status == corridor_industry::matching::NeedStatus::Open
            && n.deadline
                .as_ref()
                .is_none_or(|d| *d >= corridor_store::date_str(app.today())),
        viewer,
        proposals,
        mine,
        errors,
        form,
    };
    cx.render(&np, status)
}

pub(crate) async fn need(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let (e, f) = (Default::default(), Vec::new());
    need_page(&app, &cx, &p, &id, String::new(), e, f, StatusCode::OK).await
}

pub(crate) async fn move_stage(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Posted { cx, p, form: pairs }: Posted,
) -> Response {
    let lang = cx.lang;
    let get = |k: &str| form_value(&pairs, k);
    let Some(stage) = Stage::parse(&get("stage")) else {
        let e = lang.texts().choose_a_stage.to_string();
        let st = StatusCode::UNPROCESSABLE_ENTITY;
        return need_page(&app, &cx, &p, &id, e, Default::default(), Vec::new(), st).await;
    };
    let m = StageMove {
        uscc: get("uscc"),
        stage,
        on: Some(get("on")).filter(|s| !s.is_empty()),
        note: Some(get("note")).filter(|s| !s.is_empty()),
    };
    match app.move_match(&p, &id, m).await {
        Ok(_) => redirect(&format!("/needs/{}#board", enc(&id))),
        Err(e) => {
            let (msg, status) = (error_text(lang, &e), error_status(&e));
            need_page(
                &app,
                &cx,
                &p,
                &id,
                msg,
                Default::default(),
                Vec::new(),
                status,
            )
            .await
        }
    }
}
