//! The editor snippets of docs/editors.md, applied to kshape's real output.

mod common;

use regex::Regex;

fn docs() -> String {
    std::fs::read_to_string(common::root().join("docs/editors.md")).expect("docs/editors.md")
}

fn compact_output() -> String {
    let l = common::lint_file(&common::root().join("testdata/examples/inference.yaml"));
    common::compact(&l)
}

#[test]
fn vscode_problem_matcher_matches_compact_lines() {
    let docs = docs();
    let line = docs.lines().find(|l| l.trim_start().starts_with("\"regexp\":")).expect("regexp in docs");
    let json = format!("{{{}}}", line.trim().trim_end_matches(','));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let re = Regex::new(v["regexp"].as_str().unwrap()).unwrap();
    let out = compact_output();
    assert!(out.lines().count() >= 3);
    for l in out.lines() {
        let c = re.captures(l).unwrap_or_else(|| panic!("no match: {l}"));
        assert!(c[1].ends_with(".yaml") && c[2].parse::<u32>().unwrap() >= 1 && c[3].parse::<u32>().unwrap() >= 1);
        assert!(kshape::rules::meta(&c[5]).is_some(), "code is a rule id: {}", &c[5]);
        assert!(!c[6].is_empty());
    }
}

#[test]
fn ale_pattern_matches_compact_lines() {
    let docs = docs();
    let line = docs.lines().find(|l| l.contains("let l:pattern =")).expect("ALE pattern");
    let pat = line.split('\'').nth(1).unwrap().trim_start_matches("\\v");
    let re = Regex::new(pat).unwrap();
    for l in compact_output().lines() {
        let c = re.captures(l).unwrap_or_else(|| panic!("no match: {l}"));
        assert!(["error", "warning", "info"].contains(&&c[4]));
    }
}

#[test]
fn efm_formats_cover_every_severity() {
    // errorformat: `%t` takes the first letter (e, w, i) and the rest of the word is literal.
    let docs = docs();
    let formats: Vec<&str> = docs.lines().filter_map(|l| l.trim().strip_prefix("- \"%f:%l:%c: ")).collect();
    assert_eq!(formats.len(), 3);
    for l in compact_output().lines() {
        let sev = l.split(':').nth(3).unwrap().trim().split(' ').next().unwrap();
        let rest = &sev[1..];
        assert!(formats.iter().any(|f| f.starts_with(&format!("%t{rest} %m"))), "no format for {sev}");
    }
}

#[test]
fn nvim_lint_parser_reads_fields_the_json_has() {
    let docs = docs();
    let l = common::lint_file(&common::root().join("testdata/examples/inference.yaml"));
    let v: serde_json::Value = serde_json::from_str(&l.render(kshape::report::Format::Json, false)).unwrap();
    let d = &v["diagnostics"][0];
    let field = Regex::new(r#"\bd\.([a-z]+)((?:\.[a-z]+|\["[a-z]+"\])*)"#).unwrap();
    let part_of = Regex::new(r#"\.([a-z]+)|\["([a-z]+)"\]"#).unwrap();
    let mut seen = 0;
    for c in field.captures_iter(&docs) {
        let mut cur = &d[&c[1]];
        for part in part_of.captures_iter(&c[2]) {
            let key = part.get(1).or(part.get(2)).unwrap().as_str();
            cur = &cur[key];
        }
        assert!(!cur.is_null(), "the snippet reads d.{}{}, which the JSON lacks", &c[1], &c[2]);
        seen += 1;
    }
    assert!(seen >= 8, "{seen}");
    assert!(["error", "warning", "info"].contains(&d["severity"].as_str().unwrap()));
}
