#[test]
fn deterministic_valid_and_unique() {
    let a = super::enterprises(2000, 7);
    assert_eq!(a, super::enterprises(2000, 7));
    assert_ne!(a, super::enterprises(2000, 8));
    for h in super::demo_heads() {
        h.validate().unwrap_or_else(|x| panic!("{h:?}: {x}"));
        assert!(h.flags.head);
    }
    for (i, n) in super::demo_needs() {
        assert!(i < super::demo_heads().len());
        n.validate().unwrap();
    }
    let mut ids = std::collections::HashSet::new();
    for e in &a {
        e.validate().unwrap_or_else(|x| panic!("{e:?}: {x}"));
        assert!(ids.insert(e.uscc.clone()), "duplicate {}", e.uscc);
    }
}

/// The embedded tables read, every record is valid, and the heads are heads.
#[test]
fn fixed_tables_are_valid() {
    use corridor_domain::ids::Uscc;
    let (marks, heads) = (super::landmarks(), super::demo_heads());
    assert_eq!((marks.len(), heads.len()), (3, 3));
    for e in marks.iter().chain(&heads) {
        e.validate().unwrap();
        assert!(Uscc::parse(&e.uscc).is_ok(), "{}", e.uscc);
    }
    assert!(heads.iter().all(|h| h.flags.head) && !marks.iter().any(|m| m.flags.head));
}
