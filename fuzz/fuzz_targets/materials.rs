//! Any bytes as an uploaded file, with any name: type detection and name checks never panic;
//! a detected file is one of the three types and starts with its signature; an accepted name
//! has no path or control characters and ends in an extension of the detected type.
#![no_main]

use corridor_domain::materials::{detect, file_name, FileKind, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (name, file) = match data.split_first() {
        Some((n, rest)) => {
            let n = (*n as usize).min(rest.len());
            (String::from_utf8_lossy(&rest[..n]).into_owned(), &rest[n..])
        }
        None => (String::new(), data),
    };
    let Ok(kind) = detect(file) else { return };
    let sig: &[u8] = match kind {
        FileKind::Pdf => b"%PDF-",
        FileKind::Jpeg => &[0xFF, 0xD8, 0xFF],
        FileKind::Png => &[0x89, b'P', b'N', b'G'],
        // Never detected: an e-licence is given by reference, not uploaded.
        FileKind::Licence => panic!("an upload detected as a licence"),
    };
    assert!(file.starts_with(sig));
    if let Ok(n) = file_name(&name, kind) {
        assert!(!n.is_empty() && n.chars().count() <= 200);
        assert!(!n.contains(['/', '\\', ':']) && !n.starts_with('.'));
        assert!(!n.chars().any(char::is_control));
        let ext = n.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        assert!(kind.extensions().contains(&ext.as_str()));
    }
    let l = Limits::default();
    let _ = l.admit(file.len() as u64, u64::from(data[0]), u64::MAX - 1);
});
