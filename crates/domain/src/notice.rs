//! What the applicant is told, and when: a case received, a correction asked for, a decision
//! made, a licence ready, a licence revoked, a case transferred to another city's authority. One notice per such
//! change, in the applicant's language (Chinese or English), shown on their pages and sent by
//! e-mail where their account has an address.

use crate::case::{Action, Status};
use serde::{Deserialize, Serialize};

crate::codes! {
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum NoticeKind {
        Received,
        CorrectionAsked,
        Decided,
        LicenceReady,
        Transferred,
        /// A joint filing ended as a whole (all parts approved, refused, withdrawn).
        JointEnded,
        /// The issuing authority revoked the case's licence (the notice quotes why).
        LicenceRevoked,
    }
}

/// The notice an action gives the applicant, if any (`next`: the case's status after it).
/// Acceptance, forwarding and the applicant's own steps tell them nothing new; a decision does,
/// and so does the licence (its own notice, since it is collected later).
pub fn notice_for(action: Action, next: Status) -> Option<NoticeKind> {
    Some(match action {
        Action::Receive => NoticeKind::Received,
        Action::RequestCorrection => NoticeKind::CorrectionAsked,
        Action::Approve | Action::Reject | Action::Refuse => NoticeKind::Decided,
        Action::IssueLicence if next == Status::LicenceIssued => NoticeKind::LicenceReady,
        Action::Transfer => NoticeKind::Transferred,
        _ => return None,
    })
}

/// The notice a filing gives its applicant's account: "received" when the filing is received
/// (filed online with the authority, or by a clerk at the window); none when the applicant
/// filed for a window (`submitted` there): they are told when the window receives it.
pub fn notice_at_filing(status: Status, via_window: bool) -> Option<NoticeKind> {
    match (status, via_window) {
        (Status::Received, true) | (Status::Submitted, false) => Some(NoticeKind::Received),
        _ => None,
    }
}

/// Whether a notice quotes the case's reason: the request of a correction, the reason of a
/// transfer, of a rejection or a refusal — not an approval (the reason a case still holds may
/// be an earlier correction's).
pub fn quotes_reason(kind: NoticeKind, status: Status) -> bool {
    match kind {
        NoticeKind::CorrectionAsked
        | NoticeKind::Transferred
        | NoticeKind::JointEnded
        | NoticeKind::LicenceRevoked => true,
        NoticeKind::Decided => matches!(status, Status::Rejected | Status::Refused),
        NoticeKind::Received | NoticeKind::LicenceReady => false,
    }
}

/// What a notice is about: the case as the applicant knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct About<'a> {
    pub receipt_no: &'a str,
    pub matter_zh: &'a str,
    pub matter_en: &'a str,
    /// The status after the change, in Chinese and English (a decision's outcome).
    pub status_zh: &'a str,
    pub status_en: &'a str,
    /// The reviewer's reason or request, as written (correction, refusal, rejection, transfer).
    pub reason: Option<&'a str>,
    /// The authority that decides now (a transfer), in Chinese and English.
    pub authority_zh: &'a str,
    pub authority_en: &'a str,
    /// The amount a decision granted or charged, in a sentence (`Computed::summary`); empty
    /// when the matter computes none.
    pub amount_zh: &'a str,
    pub amount_en: &'a str,
}

/// A notice's subject and body in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeText {
    pub subject: String,
    pub body: String,
}

/// The longest reason quoted in a notice (the rest is on the case page).
const QUOTE_CHARS: usize = 500;

fn quote(reason: Option<&str>) -> String {
    let r = reason.unwrap_or("").trim();
    let mut s: String = r.chars().take(QUOTE_CHARS).collect();
    if r.chars().count() > QUOTE_CHARS {
        s.push('…');
    }
    s
}

/// The notice's text in Chinese (`zh`) or English.
pub fn text(kind: NoticeKind, a: &About<'_>, zh: bool) -> NoticeText {
    let r = quote(a.reason);
    let (subject, body) = if zh {
        let head = format!("您的办件 {}（{}）", a.receipt_no, a.matter_zh);
        match kind {
            NoticeKind::Received => (
                format!("办件已收件：{}", a.receipt_no),
                format!("{head}已收件。可凭办件编号查询进度。"),
            ),
            NoticeKind::CorrectionAsked => (
                format!("请补正材料：{}", a.receipt_no),
                format!(
                    "{head}需要补正：{r}\n请登录查看须补正的材料和内容，补正后审批时限继续计算。"
                ),
            ),
            NoticeKind::Decided => (
                format!("办件已办结：{}（{}）", a.receipt_no, a.status_zh),
                match (r.is_empty(), a.amount_zh.is_empty()) {
                    (true, true) => format!("{head}审批结果：{}。", a.status_zh),
                    (true, false) => format!(
                        "{head}审批结果：{}。核定{}，计算过程见办件页面。",
                        a.status_zh, a.amount_zh
                    ),
                    (false, _) => format!("{head}审批结果：{}。理由：{r}", a.status_zh),
                },
            ),
            NoticeKind::LicenceReady => (
                format!("证照已签发：{}", a.receipt_no),
                format!("{head}的证照已签发，可在收件窗口领取或登录下载电子证照。"),
            ),
            NoticeKind::LicenceRevoked => (
                format!("证照已吊销：{}", a.receipt_no),
                format!("{head}的证照已被发证部门吊销，不再有效。理由：{r}"),
            ),
            NoticeKind::JointEnded => (
                format!("联办申请已办结：{}", a.status_zh),
                match r.is_empty() {
                    true => format!("您的联办申请（{}）已办结：{}。", a.matter_zh, a.status_zh),
                    false => format!(
                        "您的联办申请（{}）已办结：{}。{} 的理由：{r}",
                        a.matter_zh, a.status_zh, a.receipt_no
                    ),
                },
            ),
            NoticeKind::Transferred => (
                format!("办件已移送：{}", a.receipt_no),
                format!(
                    "{head}已移送至{}办理，审批时限自其受理之日起重新计算。理由：{r}",
                    a.authority_zh
                ),
            ),
        }
    } else {
        let head = format!("Your case {} ({})", a.receipt_no, a.matter_en);
        match kind {
            NoticeKind::Received => (
                format!("Case received: {}", a.receipt_no),
                format!("{head} has been received. Its receipt number tracks its progress."),
            ),
            NoticeKind::CorrectionAsked => (
                format!("Correction needed: {}", a.receipt_no),
                format!(
                    "{head} needs a correction: {r}\nSign in to see the materials and fields to \
                     correct; the time limit runs on once you resubmit."
                ),
            ),
            NoticeKind::Decided => (
                format!("Case decided: {} ({})", a.receipt_no, a.status_en),
                match (r.is_empty(), a.amount_en.is_empty()) {
                    (true, true) => format!("{head} has been decided: {}.", a.status_en),
                    (true, false) => format!(
                        "{head} has been decided: {}. Granted: {}; the case page shows how it \
                         was computed.",
                        a.status_en, a.amount_en
                    ),
                    (false, _) => {
                        format!("{head} has been decided: {}. Reason: {r}", a.status_en)
                    }
                },
            ),
            NoticeKind::LicenceRevoked => (
                format!("Licence revoked: {}", a.receipt_no),
                format!(
                    "The licence of {head} has been revoked by the issuing authority and is no \
                     longer valid. Reason: {r}"
                ),
            ),
            NoticeKind::LicenceReady => (
                format!("Licence issued: {}", a.receipt_no),
                format!(
                    "The licence of {head} has been issued: collect it at the window where you \
                     filed, or sign in to download the e-licence."
                ),
            ),
            NoticeKind::JointEnded => (
                format!("Joint filing decided: {}", a.status_en),
                match r.is_empty() {
                    true => format!(
                        "Your joint filing ({}) is decided: {}.",
                        a.matter_en, a.status_en
                    ),
                    false => format!(
                        "Your joint filing ({}) is decided: {}. The reason of {}: {r}",
                        a.matter_en, a.status_en, a.receipt_no
                    ),
                },
            ),
            NoticeKind::Transferred => (
                format!("Case transferred: {}", a.receipt_no),
                format!(
                    "{head} has been transferred to {}; its time limit starts again when that \
                     authority accepts it. Reason: {r}",
                    a.authority_en
                ),
            ),
        }
    };
    NoticeText { subject, body }
}

/// A text with every e-mail address in it masked (`w***@example.com`), so that what a mail
/// server answers is logged and kept without the applicant's address.
pub fn mask_addresses(s: &str) -> String {
    fn flush(token: &mut String, out: &mut String) {
        match token.find('@').filter(|&i| i > 0 && i + 1 < token.len()) {
            Some(at) => {
                out.extend(token.chars().next());
                out.push_str("***");
                out.push_str(&token[at..]);
            }
            None => out.push_str(token),
        }
        token.clear();
    }
    let (mut out, mut token) = (String::with_capacity(s.len()), String::new());
    for ch in s.chars() {
        if ch.is_whitespace() || "<>()[],;:\"'".contains(ch) {
            flush(&mut token, &mut out);
            out.push(ch);
        } else {
            token.push(ch);
        }
    }
    flush(&mut token, &mut out);
    out
}

/// An e-mail address as accounts hold it: trimmed, at most 254 characters, one `@` with a
/// local part and a domain with a dot, no spaces or control characters. (Whether the mailbox
/// exists is the mail server's to say.)
pub fn check_email(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    if s.is_empty() || s.len() > 254 {
        return Err("an e-mail address of 1 to 254 characters");
    }
    if s.chars()
        .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"()[]\\".contains(c))
    {
        return Err("an e-mail address without spaces or <>,;\"()[]\\");
    }
    match s.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && local.len() <= 64
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.') =>
        {
            Ok(s.to_string())
        }
        _ => Err("an e-mail address such as name@example.org"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_in_a_mail_servers_answer_are_masked() {
        assert_eq!(
            mask_addresses("550 5.1.1 <wang.wei@example.com>: mailbox unavailable"),
            "550 5.1.1 <w***@example.com>: mailbox unavailable"
        );
        assert_eq!(
            mask_addresses("to 王伟@例子.cn and x@y.z"),
            "to 王***@例子.cn and x***@y.z"
        );
        assert_eq!(mask_addresses("no address @ here"), "no address @ here");
    }

    #[test]
    fn which_changes_tell_the_applicant() {
        assert_eq!(
            notice_for(Action::RequestCorrection, Status::CorrectionRequested),
            Some(NoticeKind::CorrectionAsked)
        );
        assert_eq!(
            notice_for(Action::Approve, Status::Approved),
            Some(NoticeKind::Decided)
        );
        assert_eq!(
            notice_for(Action::IssueLicence, Status::LicenceIssued),
            Some(NoticeKind::LicenceReady)
        );
        assert!(quotes_reason(NoticeKind::Decided, Status::Rejected));
        assert!(!quotes_reason(NoticeKind::Decided, Status::Approved));
        assert!(quotes_reason(
            NoticeKind::CorrectionAsked,
            Status::CorrectionRequested
        ));
        assert_eq!(notice_at_filing(Status::Submitted, true), None);
        assert_eq!(
            notice_at_filing(Status::Received, true),
            Some(NoticeKind::Received)
        );
        assert_eq!(
            notice_at_filing(Status::Submitted, false),
            Some(NoticeKind::Received)
        );
        for a in [
            Action::Accept,
            Action::Forward,
            Action::Resubmit,
            Action::Withdraw,
        ] {
            assert_eq!(notice_for(a, Status::Accepted), None, "{a:?}");
        }
    }

    #[test]
    fn texts_in_both_languages_quote_the_request() {
        let a = About {
            receipt_no: "340100-20261102-000001",
            matter_zh: "分支机构设立登记",
            matter_en: "Establishment registration of a branch",
            reason: Some("请补充场所证明"),
            ..Default::default()
        };
        let zh = text(NoticeKind::CorrectionAsked, &a, true);
        assert!(zh.subject.contains("340100-20261102-000001"));
        assert!(zh.body.contains("请补充场所证明") && zh.body.contains("分支机构"));
        let en = text(NoticeKind::CorrectionAsked, &a, false);
        assert!(en.subject.starts_with("Correction needed"));
        assert!(en.body.contains("Establishment registration"));
        let long = "长".repeat(2000);
        let a = About {
            reason: Some(&long),
            ..a
        };
        assert!(text(NoticeKind::Decided, &a, true).body.chars().count() < 600);
    }

    #[test]
    fn email_addresses() {
        assert_eq!(check_email(" a.b@example.org ").unwrap(), "a.b@example.org");
        for bad in [
            "",
            "a",
            "a@b",
            "@example.org",
            "a@@example.org",
            "a b@example.org",
            "a@example.org.",
            "<a@example.org>",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
        assert!(check_email(&format!("{}@example.org", "a".repeat(250))).is_err());
    }
}
