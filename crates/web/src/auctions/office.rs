//! The auction pages' forms for listing an achievement (enterprises and the joint office) and
//! the joint office's work: reviewing listings, opening a session with its lot, bidders and
//! their deposits.

use super::*;
use crate::Posted;

pub(super) struct ListingLine {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) owner: String,
    pub(super) status: &'static str,
    pub(super) rights: &'static str,
    pub(super) submitted: bool,
    /// Its documents: (id, name).
    pub(super) documents: Vec<(String, String)>,
    /// Documents may be added (waiting for review or approved).
    pub(super) open: bool,
}

struct BidderLine {
    session_id: String,
    session: String,
    uscc: String,
    name: String,
    status: String,
    deposit: String,
    pending: bool,
}

#[derive(Template)]
#[template(path = "auction_office.html")]
struct OfficePage {
    t: &'static Texts,
    l: Lang,
    csrf: String,
    office: bool,
    listings: Vec<ListingLine>,
    approved: Vec<(String, String)>,
    clusters: Vec<(String, String)>,
    cities: Vec<(String, String)>,
    bidders: Vec<BidderLine>,
    form: FormState,
}

impl OfficePage {
    /// The reason a listing's document was refused, if it was.
    fn err_of(&self, listing: &str) -> &str {
        (self.form.errors)
            .get(&format!("file-{listing}"))
            .map_or("", String::as_str)
    }
}

pub(super) fn listing_line(l: Lang, v: &ListingView) -> ListingLine {
    ListingLine {
        id: v.id.clone(),
        title: l.of(&v.doc.title_zh, &v.doc.title_en),
        owner: l.of(&v.owner_name_zh, &v.owner_name_en),
        status: match v.status {
            ListingStatus::Submitted => l.pick("待审核", "Waiting for review"),
            ListingStatus::Approved => l.pick("已通过", "Approved"),
            ListingStatus::Rejected => l.pick("未通过", "Rejected"),
            ListingStatus::Sold => l.pick("已成交", "Sold"),
        },
        rights: rights_text(l, v.doc.rights),
        submitted: v.status == ListingStatus::Submitted,
        documents: (v.files.iter())
            .map(|f| (f.id.clone(), f.file_name.clone()))
            .collect(),
        open: matches!(v.status, ListingStatus::Submitted | ListingStatus::Approved),
    }
}

pub(super) async fn office_page(app: &App, cx: &Cx, p: &Principal, form: FormState) -> Response {
    let l = cx.lang;
    let office = matches!(p.role, Role::JointOffice | Role::Admin);
    if !office && app.my_enterprise(p).await.ok().flatten().is_none() {
        return deny(cx.t(), l, corridor_app::ErrorCode::Forbidden);
    }
    let all = app.listings(Some(p), None).await.unwrap_or_default();
    let mut bidders = Vec::new();
    if office {
        for s in app.sessions().await.unwrap_or_default() {
            for b in app.bidders(p, &s.id).await.unwrap_or_default() {
                bidders.push(BidderLine {
                    session_id: s.id.clone(),
                    session: l.of(&s.doc.title_zh, &s.doc.title_en),
                    uscc: b.uscc.clone(),
                    name: l.of(&b.name_zh, &b.name_en),
                    status: match b.status {
                        corridor_app::auctions::BidderStatus::Invited => {
                            l.pick("已邀请，未报名", "Invited, not applied")
                        }
                        corridor_app::auctions::BidderStatus::Applied => {
                            l.pick("待审核", "Applied")
                        }
                        corridor_app::auctions::BidderStatus::Approved => {
                            l.pick("已批准", "Approved")
                        }
                        corridor_app::auctions::BidderStatus::Refused => {
                            l.pick("未批准", "Refused")
                        }
                    }
                    .into(),
                    deposit: yuan(b.deposit),
                    pending: b.status == corridor_app::auctions::BidderStatus::Applied,
                });
            }
        }
    }
    let pg = OfficePage {
        t: cx.t(),
        l,
        csrf: cx.csrf(),
        office,
        approved: all
            .iter()
            .filter(|v| v.status == ListingStatus::Approved)
            .map(|v| (v.id.clone(), l.of(&v.doc.title_zh, &v.doc.title_en)))
            .collect(),
        listings: all.iter().map(|v| listing_line(l, v)).collect(),
        clusters: Cluster::ALL
            .iter()
            .map(|c| {
                (
                    c.as_str().to_string(),
                    l.of(c.name_zh(), &c.as_str().replace('_', " ")),
                )
            })
            .collect(),
        cities: app
            .reference()
            .jurisdictions
            .iter()
            .filter(|j| j.member)
            .map(|j| (j.code.to_string(), l.of(&j.name_zh, &j.name_en)))
            .collect(),
        bidders,
        form,
    };
    cx.render(&pg, pg.form.status)
}

pub(crate) async fn office(State(app): State<Arc<App>>, SignedIn { cx, p }: SignedIn) -> Response {
    office_page(&app, &cx, &p, FormState::blank()).await
}

/// `POST /auctions/office/{what}`: a listing, a review, a session with its first lot, a
/// bidder's approval.
pub(crate) async fn office_post(
    State(app): State<Arc<App>>,
    Path(what): Path<String>,
    Posted { cx, p, form: f }: Posted,
) -> Response {
    let l = cx.lang;
    let r: Result<String, AppError> = match what.as_str() {
        "listing" => {
            let n = NewListing {
                owner_uscc: Some(f.val("owner_uscc")).filter(|s| !s.is_empty()),
                title_zh: f.val("title_zh"),
                title_en: f.val("title_en"),
                description_zh: f.val("description_zh"),
                description_en: f.val("description_en"),
                field: f.val("field"),
                cluster: Cluster::parse(&f.val("cluster")).unwrap_or(Cluster::NewMaterials),
                patents: f
                    .val("patents")
                    .split([',', '，', ' ', '\n'])
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                rights: Rights::parse(&f.val("rights")).unwrap_or(Rights::Assignment),
            };
            app.create_listing(&p, &n)
                .await
                .map(|_| "/auctions/office".into())
        }
        "review" => {
            let r = ListingReview {
                approve: f.val("decision") == "approve",
                note: Some(f.val("note")).filter(|s| !s.is_empty()),
            };
            app.review_listing(&p, &f.val("listing"), &r)
                .await
                .map(|_| "/auctions/office".into())
        }
        "session" => {
            let kind = LotKind::parse(&f.val("kind")).unwrap_or(LotKind::Ascending);
            let raise = if f.val("raise_kind") == "percent" {
                Raise::Percent {
                    percent: num(&f, "raise"),
                }
            } else {
                Raise::Amount {
                    yuan: num(&f, "raise"),
                }
            };
            let lot = NewLot {
                listing_id: f.val("listing_id"),
                kind,
                start: num(&f, "start"),
                raise,
                extend_s: num(&f, "extend_s").max(0),
                extend_cap_s: num(&f, "extend_cap_s").max(0),
                opens_at: local_input(&f.val("opens_at")),
                closes_at: local_input(&f.val("closes_at")),
                reveal_until: Some(local_input(&f.val("reveal_until")))
                    .filter(|s| !s.is_empty() && kind == LotKind::Sealed),
                deposit: num(&f, "deposit").max(0),
                confirm_hours: num(&f, "confirm_hours"),
                reserve: num(&f, "reserve").max(0),
            };
            let n = NewSession {
                title_zh: f.val("title_zh"),
                title_en: f.val("title_en"),
                city: f.val("city"),
                place: Some(f.val("place")).filter(|s| !s.is_empty()),
                online: f.val("online") == "on",
                starts_at: local_input(&f.val("opens_at")),
                lots: vec![lot],
            };
            app.create_session(&p, &n).await.map(|s| {
                s.lots
                    .first()
                    .map(|l| format!("/auctions/lots/{}", l.id))
                    .unwrap_or("/auctions".into())
            })
        }
        "bidder" => {
            let d = BidderDecision {
                approve: f.val("decision") == "approve",
                deposit: num(&f, "deposit").max(0),
            };
            app.decide_bidder(&p, &f.val("session"), &f.val("uscc"), &d)
                .await
                .map(|_| "/auctions/office".into())
        }
        _ => return deny(cx.t(), l, corridor_app::ErrorCode::NotFound),
    };
    match r {
        Ok(to) => redirect(&to),
        Err(e) => office_page(&app, &cx, &p, FormState::refused(l, &e, f)).await,
    }
}
