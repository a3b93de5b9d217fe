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
