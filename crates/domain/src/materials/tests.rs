use super::*;

fn jpeg() -> Vec<u8> {
    // SOI, an APP0 segment, a start of scan with two bytes of data, EOI.
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x06, b'J', b'F', b'I', b'F'];
    j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x04, 0x01, 0x00, 0x12, 0x34, 0xFF, 0xD9]);
    j
}

#[test]
fn whole_files_are_recognised_by_content() {
    assert_eq!(detect(&sample::pdf("Hefei", 0)), Ok(FileKind::Pdf));
    assert_eq!(detect(&sample::png(3, 2, [10, 20, 30])), Ok(FileKind::Png));
    assert_eq!(detect(&jpeg()), Ok(FileKind::Jpeg));
    // Trailing padding is tolerated.
    let mut p = sample::pdf("x", 0);
    p.extend_from_slice(b"\r\n\0\0");
    assert_eq!(detect(&p), Ok(FileKind::Pdf));
    // A large PDF is as large as asked.
    assert!(sample::pdf("x", 1_000_000).len() >= 1_000_000);
    assert_eq!(detect(&sample::pdf("x", 1_000_000)), Ok(FileKind::Pdf));
}

#[test]
fn empty_unknown_truncated_and_corrupt_files_are_refused() {
    assert_eq!(detect(b""), Err(FileError::Empty));
    assert_eq!(detect(b"GIF89a...."), Err(FileError::UnknownType));
    assert_eq!(detect(b"MZ\x90\x00"), Err(FileError::UnknownType));
    for whole in [sample::pdf("x", 0), sample::png(4, 4, [1, 2, 3]), jpeg()] {
        for cut in [2, 9, whole.len() / 2] {
            let r = detect(&whole[..whole.len() - cut]);
            assert!(
                matches!(r, Err(FileError::Damaged(_))),
                "cut {cut} of {}: {r:?}",
                whole.len()
            );
        }
    }
    // One flipped bit inside a PNG chunk breaks its checksum.
    let mut png = sample::png(4, 4, [1, 2, 3]);
    let n = png.len();
    png[n - 20] ^= 1;
    assert!(matches!(detect(&png), Err(FileError::Damaged(_))));
}

#[test]
fn names_are_plain_and_agree_with_the_content() {
    assert_eq!(
        file_name(" 营业执照.PDF ", FileKind::Pdf).unwrap(),
        "营业执照.PDF"
    );
    assert_eq!(file_name("scan.jpeg", FileKind::Jpeg).unwrap(), "scan.jpeg");
    for bad in [
        "",
        "../etc/passwd.pdf",
        "a/b.pdf",
        "C:\\x.pdf",
        ".hidden.pdf",
        "a\u{0}.pdf",
        "noext",
        "x.exe",
    ] {
        let e = file_name(bad, FileKind::Pdf).unwrap_err();
        assert_eq!(e.code(), "file_name_invalid", "{bad:?}");
        assert!(!e.zh().is_empty());
    }
    let e = file_name("photo.png", FileKind::Pdf).unwrap_err();
    assert_eq!(e.code(), "file_type_mismatch");
    assert_eq!(
        e.to_string(),
        "the content is pdf but the name ends in .png"
    );
    assert!(file_name(&format!("{}.pdf", "a".repeat(200)), FileKind::Pdf).is_err());
}

#[test]
fn limits_count_the_file_the_case_and_the_number() {
    let l = Limits {
        file_bytes: 10,
        case_bytes: 25,
        case_files: 3,
    };
    assert!(l.admit(10, 0, 0).is_ok());
    assert_eq!(l.admit(11, 0, 0).unwrap_err().code(), "file_too_large");
    assert_eq!(
        l.admit(10, 2, 20).unwrap_err().code(),
        "case_files_too_large"
    );
    assert_eq!(l.admit(1, 3, 3).unwrap_err().code(), "too_many_files");
    assert_eq!(Limits::default().file_bytes, 20_000_000);
}

#[test]
fn who_attaches_and_who_sees() {
    use crate::case::{CaseScope, Principal, Role, Status};
    use uuid::Uuid;
    let owner = Uuid::now_v7();
    let p = |role, window: Option<&str>, authority: Option<&str>, id| Principal {
        user_id: id,
        username: "u".into(),
        role,
        city: None,
        window_id: window.map(String::from),
        authority_id: authority.map(String::from),
        resident_id: None,
    };
    let scope = CaseScope {
        applicant_user: Some(owner),
        receiving_window: Some("340100-W01"),
        competent_authority: "310117-market",
    };
    let applicant = p(Role::Applicant, None, None, owner);
    let stranger = p(Role::Applicant, None, None, Uuid::now_v7());
    let clerk = p(Role::Clerk, Some("340100-W01"), None, Uuid::now_v7());
    let other_clerk = p(Role::Clerk, Some("340100-W02"), None, Uuid::now_v7());
    let reviewer = p(Role::Reviewer, None, Some("310117-market"), Uuid::now_v7());
    let other_reviewer = p(Role::Reviewer, None, Some("340100-market"), Uuid::now_v7());
    let office = p(Role::JointOffice, None, None, Uuid::now_v7());
    let admin = p(Role::Admin, None, None, Uuid::now_v7());
    assert!(applicant.may_attach(&scope, Status::Submitted));
    assert!(applicant.may_attach(&scope, Status::CorrectionRequested));
    assert!(!applicant.may_attach(&scope, Status::Accepted));
    assert!(!stranger.may_attach(&scope, Status::Submitted));
    assert!(clerk.may_attach(&scope, Status::Received));
    assert!(!clerk.may_attach(&scope, Status::Forwarded));
    assert!(!other_clerk.may_attach(&scope, Status::Received));
    assert!(!reviewer.may_attach(&scope, Status::Accepted));
    assert!(clerk.may_check_materials(&scope, Status::Received));
    assert!(!clerk.may_check_materials(&scope, Status::Forwarded));
    assert!(!applicant.may_check_materials(&scope, Status::Submitted));
    assert!(!other_clerk.may_check_materials(&scope, Status::Received));
    for (who, sees) in [
        (&applicant, true),
        (&stranger, false),
        (&clerk, true),
        (&other_clerk, false),
        (&reviewer, true),
        (&other_reviewer, false),
        (&office, false),
        (&admin, false),
    ] {
        assert_eq!(who.sees_materials(&scope), sees, "{:?}", who.role);
    }
}

#[test]
fn a_case_is_complete_when_every_required_material_is_in_and_checked() {
    use crate::catalogue::Material;
    let mat = |name: &str, required, original| Material {
        name_zh: name.into(),
        name_en: name.into(),
        required,
        copies: 1,
        original,
        licence_type: None,
    };
    let list = [
        mat("form", true, false),
        mat("id card", true, true),
        mat("power of attorney", false, false),
    ];
    let none = |_| Check::default();
    // Nothing handed in: both required materials lack a file; the optional one is no gap.
    assert_eq!(
        gaps(&list, true, |_| false, none),
        vec![(0, Gap::NoFile), (1, Gap::NoFile)]
    );
    // Files in, nothing checked: online, complete; at a window, not received.
    assert!(gaps(&list, false, |_| true, none).is_empty());
    assert_eq!(
        gaps(&list, true, |_| true, none),
        vec![(0, Gap::NotReceived), (1, Gap::NotReceived)]
    );
    // Received, but the identity card's original not seen.
    let received = |_| Check {
        received: true,
        original_seen: false,
    };
    assert_eq!(
        gaps(&list, true, |_| true, received),
        vec![(1, Gap::OriginalNotSeen)]
    );
    let all = |_| Check {
        received: true,
        original_seen: true,
    };
    assert!(gaps(&list, true, |_| true, all).is_empty());
    let (en, zh) = Gap::OriginalNotSeen.why(&list[1]);
    assert!(en.contains("id card") && zh.contains("原件"), "{en} / {zh}");
}

#[test]
fn completeness_is_checked_before_forwarding_or_accepting_online() {
    use crate::case::Action;
    assert!(complete_before(Action::Forward, true));
    assert!(complete_before(Action::Accept, false));
    assert!(!complete_before(Action::Accept, true)); // checked at the window already
    assert!(!complete_before(Action::Receive, true));
    assert!(!complete_before(Action::Approve, false));
}
