use expect_test::{expect, Expect};

use super::{diff, normalize, parse_copy_rows, Pair};

fn pairs(raw: &[(u32, u32)]) -> Vec<Pair> {
    raw.iter().map(|&(incident_idx, scope_idx)| Pair { incident_idx, scope_idx }).collect()
}

fn show(pairs: &[Pair]) -> String {
    let shown: Vec<String> = pairs.iter().map(|pair| format!("{}/{}", pair.incident_idx, pair.scope_idx)).collect();
    format!("[{}]", shown.join(" "))
}

#[track_caller]
fn check_diff(left: &[(u32, u32)], right: &[(u32, u32)], expect: Expect) {
    let result = diff(&pairs(left), &pairs(right));
    let actual = format!(
        "both {}, left only {}, right only {}, disagreements {}",
        result.both_count,
        show(&result.left_only),
        show(&result.right_only),
        result.disagreements_count()
    );
    expect.assert_eq(&actual);
}

#[track_caller]
fn check_parse(raw: &str, expect: Expect) {
    let mut out = Vec::new();
    let actual = match parse_copy_rows(raw.as_bytes(), &mut out) {
        Ok(rest) => format!("ok {} rest {:?}", show(&out), String::from_utf8_lossy(rest)),
        Err(err) => format!("err {err} after {}", show(&out)),
    };
    expect.assert_eq(&actual);
}

#[test]
fn equal_pairs_have_no_disagreement() {
    check_diff(
        &[(0, 1), (0, 7), (3, 2)],
        &[(0, 1), (0, 7), (3, 2)],
        expect!["both 3, left only [], right only [], disagreements 0"],
    );
}

#[test]
fn pairs_on_one_side_only_are_listed_by_side() {
    check_diff(
        &[(0, 1), (0, 7), (2, 5), (3, 2)],
        &[(0, 1), (1, 4), (3, 2), (9, 9)],
        expect!["both 2, left only [0/7 2/5], right only [1/4 9/9], disagreements 4"],
    );
}

#[test]
fn an_empty_side_leaves_the_other_whole() {
    check_diff(&[], &[(4, 4), (5, 1)], expect!["both 0, left only [], right only [4/4 5/1], disagreements 2"]);
    check_diff(&[(4, 4)], &[], expect!["both 0, left only [4/4], right only [], disagreements 1"]);
}

#[test]
fn the_same_scope_for_another_incident_is_another_pair() {
    check_diff(&[(1, 3)], &[(2, 3)], expect!["both 0, left only [1/3], right only [2/3], disagreements 2"]);
}

#[test]
fn normalize_sorts_and_counts_duplicates() {
    let mut raw = pairs(&[(3, 1), (0, 2), (3, 1), (0, 1)]);
    let duplicates_count = normalize(&mut raw);
    expect!["1 [0/1 0/2 3/1]"].assert_eq(&format!("{duplicates_count} {}", show(&raw)));
}

#[test]
fn copy_rows_parse_and_a_cut_row_is_left_over() {
    check_parse("0\t12\n4294967295\t3\n17\t", expect![[r#"ok [0/12 4294967295/3] rest "17\t""#]]);
}

#[test]
fn copy_rows_that_are_not_two_u32_are_refused() {
    check_parse("1\t2\n1\t-2\n", expect![[r#"err unexpected COPY row "1\t-2" after [1/2]"#]]);
    check_parse("4294967296\t1\n", expect![[r#"err unexpected COPY row "4294967296\t1" after []"#]]);
    check_parse("1 2\n", expect![[r#"err unexpected COPY row "1 2" after []"#]]);
    check_parse("\t2\n", expect![[r#"err unexpected COPY row "\t2" after []"#]]);
}
