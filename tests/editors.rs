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

/// The fields a snippet reads from a finding (`prefix` + `.a.b` or `["b"]`) all exist in the JSON.
fn reads_fields_the_json_has(docs: &str, prefix: &str) -> usize {
    let l = common::lint_file(&common::root().join("testdata/examples/inference.yaml"));
    let v: serde_json::Value = serde_json::from_str(&l.render(kshape::report::Format::Json, false)).unwrap();
    let d = &v["diagnostics"][0];
    let field = Regex::new(&format!(r#"{}\.([a-zA-Z]+)((?:\.[a-zA-Z]+|\["[a-z]+"\])*)"#, regex::escape(prefix))).unwrap();
    let part_of = Regex::new(r#"\.([a-zA-Z]+)|\["([a-z]+)"\]"#).unwrap();
    let mut seen = 0;
    for c in field.captures_iter(docs) {
        let mut cur = &d[&c[1]];
        for part in part_of.captures_iter(&c[2]) {
            let key = part.get(1).or(part.get(2)).unwrap().as_str();
            cur = &cur[key];
        }
        assert!(!cur.is_null(), "the snippet reads {prefix}.{}{}, which the JSON lacks", &c[1], &c[2]);
        seen += 1;
    }
    seen
}

#[test]
fn ale_handler_reads_fields_the_json_has() {
    let docs = docs();
    let ale = &docs[docs.find("## Vim: ALE").unwrap()..];
    assert!(reads_fields_the_json_has(ale, "l:d") >= 8);
}

/// After non-ASCII text on a line, the byte column the Vim and Neovim snippets read is where
/// the finding is in bytes, and every format gives the same character column.
#[test]
fn columns_after_non_ascii_text() {
    let line = "metadata: {annotations: {note: \"déploiement-🚀\"}, name: web, lables: {a: b}}";
    let text = format!("apiVersion: v1\nkind: ConfigMap\n{line}\n");
    let l = kshape::lint_str("u.yaml", &text);
    let bytes = line.find("lables").unwrap() + 1;
    let chars = line[..bytes - 1].chars().count() + 1;
    assert_ne!(bytes, chars);
    let v: serde_json::Value = serde_json::from_str(&l.render(kshape::report::Format::Json, false)).unwrap();
    let start = &v["diagnostics"][0]["range"]["start"];
    assert_eq!(
        (start["line"].as_u64(), start["column"].as_u64(), start["byteColumn"].as_u64()),
        (Some(3), Some(chars as u64), Some(bytes as u64))
    );
    let at = format!("u.yaml:3:{chars}");
    assert!(l.render(kshape::report::Format::Compact, false).starts_with(&format!("{at}:")));
    assert!(
        l.render(kshape::report::Format::Human, false).contains(&format!("[{at}]")),
        "{}",
        l.render(kshape::report::Format::Human, false)
    );
    assert!(l.render(kshape::report::Format::Github, false).contains(&format!("line=3,col={chars},")));
    let sarif: serde_json::Value = serde_json::from_str(&l.render(kshape::report::Format::Sarif, false)).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"], chars as u64);
    assert!(l.render(kshape::report::Format::Junit, false).contains(&format!("{at}: error [unknown-field]")));
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
    let nvim = &docs[docs.find("## Neovim: nvim-lint").unwrap()..docs.find("## Neovim or any LSP client").unwrap()];
    assert!(reads_fields_the_json_has(nvim, "d") >= 8);
    assert!(nvim.contains("byteColumn - 1"), "Neovim counts bytes");
}
