//! The demo's accounts: who signs in, with which fictional identity.

use super::{DEMO_PASSWORD, SAMPLE_FILER_ID};
use crate::auth::NewUser;
use crate::App;
use corridor_domain::case::Role;
use sha2::Digest;
use time::Duration;

/// The ID number of the (fictional) person a demo applicant account belongs to. `ent.340100`
/// is the contact person of the sample filing (`11010519491231002X`, as in the test data);
/// the others are derived from the username, so they are the same in every demo.
pub fn demo_resident_id(username: &str) -> String {
    if username == "ent.340100" {
        return SAMPLE_FILER_ID.to_string();
    }
    let h = sha2::Sha256::digest(username.as_bytes());
    let n = u64::from_be_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]]);
    let birth = time::Date::from_calendar_date(1960, time::Month::January, 1)
        .map(|d| d + Duration::days((n % 15_000) as i64))
        .unwrap_or(time::Date::MIN);
    let first17 = format!(
        "310117{:04}{:02}{:02}{:03}",
        birth.year(),
        u8::from(birth.month()),
        birth.day(),
        (n >> 20) % 1000
    );
    corridor_domain::ids::ResidentId::with_check(&first17)
        .map(|id| id.as_str().to_string())
        .unwrap_or_default()
}

/// Demo accounts: an administrator, the joint office, and per city a clerk at the first
/// window and a reviewer at every authority; applicants in four cities.
/// With `city`, only that city's clerk and reviewers (a city's own node).
pub(super) fn demo_accounts(app: &App, city: Option<&str>) -> Vec<NewUser> {
    let r = app.reference();
    let mut out = vec![
        NewUser {
            username: "admin".into(),
            password: DEMO_PASSWORD.into(),
            role: Role::Admin,
            display_name: "系统管理员 Administrator".into(),
            window_id: None,
            authority_id: None,
            city: None,
            resident_id: None,
            enterprise_uscc: None,
        },
        NewUser {
            username: "office".into(),
            password: DEMO_PASSWORD.into(),
            role: Role::JointOffice,
            display_name: "G60联席办 Joint Office".into(),
            window_id: None,
            authority_id: None,
            city: Some("310117".into()),
            resident_id: None,
            enterprise_uscc: None,
        },
    ];
    for j in r
        .jurisdictions
        .iter()
        .filter(|j| j.member && city.is_none_or(|c| c == j.code.as_str()))
    {
        let c = j.code.as_str();
        if let Some(w) = r.windows.values().find(|w| w.city.as_str() == c) {
            out.push(NewUser {
                username: format!("clerk.{c}"),
                password: DEMO_PASSWORD.into(),
                role: Role::Clerk,
                display_name: format!("{}窗口 Clerk {}", j.name_zh, j.name_en),
                window_id: Some(w.id.clone()),
                authority_id: None,
                city: None,
                resident_id: None,
                enterprise_uscc: None,
            });
        }
        // A reviewer at every authority of the city, so that every matter can be decided.
        for a in r.authorities.values().filter(|a| a.city.as_str() == c) {
            out.push(NewUser {
                username: format!("reviewer.{c}.{}", a.kind),
                password: DEMO_PASSWORD.into(),
                role: Role::Reviewer,
                display_name: format!("{} 审核员 Reviewer, {}", a.name_zh, a.name_en),
                window_id: None,
                authority_id: Some(a.id.clone()),
                city: None,
                resident_id: None,
                enterprise_uscc: None,
            });
        }
    }
    for (name, city) in [
        ("ent.340100", "340100"),
        ("ent.320500", "320500"),
        ("person.330400", "330400"),
        ("person.340200", "340200"),
    ] {
        out.push(NewUser {
            username: name.into(),
            password: DEMO_PASSWORD.into(),
            role: Role::Applicant,
            display_name: format!("申请人 Applicant {name}"),
            window_id: None,
            authority_id: None,
            city: Some(city.into()),
            resident_id: Some(demo_resident_id(name)),
            enterprise_uscc: None,
        });
    }
    out
}
