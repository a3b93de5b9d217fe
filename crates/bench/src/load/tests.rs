use super::*;

#[test]
fn mixes_parse_and_bad_ones_say_why() {
    let m = parse_mix(CASES_MIX).unwrap();
    assert_eq!(m.iter().map(|x| x.1).sum::<u32>(), 100);
    assert_eq!(m[0], (Kind::Login, 2));
    let all = parse_mix("corridor").unwrap();
    assert_eq!(all.iter().map(|x| x.1).sum::<u32>(), 100);
    assert_eq!(
        all.len(),
        Kind::ALL.len(),
        "the corridor mix has every kind"
    );
    assert_eq!(parse_mix(" cases ").unwrap(), m);
    assert_eq!(
        parse_mix(" file = 1 , act=4 ").unwrap(),
        vec![(Kind::File, 1), (Kind::Act, 4)]
    );
    for (bad, why) in [
        ("", "add up to 0"),
        ("file=0", "add up to 0"),
        ("file", "not kind=weight"),
        ("fly=3", "unknown kind `fly`"),
        ("file=-1", "whole number"),
        ("file=1001", "whole number"),
        ("file=1,file=2", "given twice"),
    ] {
        let e = parse_mix(bad).unwrap_err().to_string();
        assert!(e.contains(why), "{bad}: {e}");
    }
}
