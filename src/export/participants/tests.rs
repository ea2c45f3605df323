use std::collections::HashMap;

use super::anonymise::*;

fn rec(code: &str, site: &str, phases: &str, cat: &str) -> Record {
    Record {
        code: code.into(),
        site: site.into(),
        phases: phases.into(),
        role_category: cat.into(),
        category_is_unique_role: false,
    }
}

fn groups_ok(a: &Anonymised, k: usize) -> bool {
    let mut g: HashMap<Vec<Option<String>>, usize> = HashMap::new();
    for r in &a.rows {
        *g.entry(r[1..].to_vec()).or_default() += 1;
    }
    g.values().all(|n| *n >= k)
}

#[test]
fn k_below_three_is_refused() {
    let r: Vec<Record> = (0..10)
        .map(|i| rec(&format!("P{i:04}"), "A", "1", "X"))
        .collect();
    assert!(anonymise(&r, 2).is_err());
    assert!(anonymise(&r, 3).is_ok());
}

#[test]
fn fewer_rows_than_k_is_refused() {
    let r: Vec<Record> = (0..4)
        .map(|i| rec(&format!("P{i:04}"), "A", "1", "X"))
        .collect();
    let e = anonymise(&r, 5).unwrap_err();
    assert!(e.to_string().contains("only 4"), "{e}");
}

#[test]
fn large_groups_keep_categories() {
    let mut r = Vec::new();
    for i in 0..20 {
        let cat = if i % 2 == 0 { "X" } else { "Y" };
        r.push(rec(&format!("P{i:04}"), "A", "1", cat));
    }
    let a = anonymise(&r, 5).unwrap();
    assert_eq!(a.level, Level::LADDER[0]);
    assert_eq!(a.cells_suppressed, 0);
    assert!(groups_ok(&a, 5));
}

#[test]
fn a_lone_outlier_moves_the_table_up_a_level() {
    let mut r: Vec<Record> = (0..30)
        .map(|i| rec(&format!("P{i:04}"), "A", "1", "X"))
        .collect();
    r.push(rec("PZZZZ", "A", "1", "Lonely"));
    // A suppressed cell is a value of its own ("*"), so a single outlier stays alone
    // however many of its cells go: the role column is generalised instead.
    let a = anonymise(&r, 5).unwrap();
    assert_eq!(a.level.role, RoleLevel::AllRoles);
    assert_eq!(a.cells_suppressed, 0);
    assert!(groups_ok(&a, 5));
}

#[test]
fn small_groups_that_merge_are_suppressed_cell_by_cell() {
    let mut r: Vec<Record> = (0..30)
        .map(|i| rec(&format!("P{i:04}"), "A", "1", "X"))
        .collect();
    for i in 0..5 {
        r.push(rec(&format!("PY{i:03}"), "A", "1", &format!("Y{i}")));
    }
    let a = anonymise(&r, 5).unwrap();
    assert_eq!(a.level, Level::LADDER[0]);
    assert_eq!(a.cells_suppressed, 5);
    assert!(a.rows.iter().filter(|r| r[3].is_none()).count() == 5);
    assert!(groups_ok(&a, 5));
}

#[test]
fn many_small_groups_generalise_the_role() {
    let mut r = Vec::new();
    for i in 0..40 {
        let cat = ["V", "W", "X", "Y", "Z"][i % 5];
        let site = ["A", "B"][i / 20];
        // 4 per (site, category): too few for k = 5; 20 per site.
        r.push(rec(&format!("P{i:04}"), site, "1", cat));
    }
    let a = anonymise(&r, 5).unwrap();
    assert_eq!(a.level.role, RoleLevel::AllRoles);
    assert!(a.level.site_shown);
    assert!(a
        .rows
        .iter()
        .all(|row| row[3].as_deref() == Some(ALL_ROLES)));
    assert!(groups_ok(&a, 5));
}

#[test]
fn unique_role_categories_never_sit_next_to_a_site() {
    let mut r: Vec<Record> = (0..30)
        .map(|i| rec(&format!("P{i:04}"), "A", "1", "X"))
        .collect();
    r[0].category_is_unique_role = true;
    let a = anonymise(&r, 5).unwrap();
    assert!(a.level.role == RoleLevel::AllRoles || !a.level.site_shown);
    assert!(!a.notes.is_empty());
}

#[test]
fn hopeless_tables_are_refused_with_reasons() {
    // Every row in its own phase combination and site: nothing short of suppressing
    // almost everything helps.
    let r: Vec<Record> = (0..6)
        .map(|i| rec(&format!("P{i:04}"), &format!("S{i}"), &format!("{i}"), "X"))
        .collect();
    let e = anonymise(&r, 5).unwrap_err().to_string();
    assert!(e.contains("would need more than 10%"), "{e}");
}

#[test]
fn rows_are_ordered_by_export_code() {
    let r: Vec<Record> = ["PZ", "PA", "PM", "PB", "PC"]
        .iter()
        .map(|c| rec(c, "A", "1", "X"))
        .collect();
    let a = anonymise(&r, 5).unwrap();
    let codes: Vec<_> = a.rows.iter().map(|r| r[0].clone().unwrap()).collect();
    assert_eq!(codes, ["PA", "PB", "PC", "PM", "PZ"]);
}
