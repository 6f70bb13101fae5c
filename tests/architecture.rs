//! The pipeline's stage order, read from the code: a module of `src/` may use only modules of
//! earlier stages (`crate::<module>` paths, outside comments), and no two modules use each
//! other. docs/architecture.md draws the same order.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every top-level module of `src/`, earliest stage first. `lib` is the crate root (`lib.rs`:
/// the library's entry points), used by the two drivers on top. A new module must be placed
/// here.
const STAGES: &[&str] = &[
    "util",
    "yaml",
    "source",
    "kustomize",
    "model",
    "classify",
    "fix",
    "index",
    "rules",
    "suppress",
    "config",
    "report",
    "lib",
    "lsp",
    "cli",
];

/// Code without comments: line comments and doc comments are dropped (they may link to any
/// item), string contents are kept (they never hold `crate::` paths by accident here).
fn code_of(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut in_str = false;
        let mut cut = line.len();
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\\' if in_str => i += 1,
                b'"' => in_str = !in_str,
                b'/' if !in_str && b.get(i + 1) == Some(&b'/') => {
                    cut = i;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

/// The top-level modules a text uses: `crate::x::...`, `crate::x` and `crate::{x, y::z}`;
/// `crate::item` of the crate root counts as `lib`, except a `#[macro_export]` macro, which
/// counts as the module that defines it (`macros`: name -> module).
fn uses(code: &str, modules: &BTreeSet<String>, macros: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut name = |n: &str| {
        let n = n.trim();
        let first: String = n.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if first.is_empty() || first == "self" {
            return;
        }
        let module = if modules.contains(&first) { first } else { macros.get(&first).cloned().unwrap_or_else(|| "lib".to_string()) };
        out.insert(module);
    };
    for (i, _) in code.match_indices("crate::") {
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue; // `kshape_crate::` or `$crate::`
        }
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                name(item);
            }
        } else {
            name(rest);
        }
    }
    out
}

/// The modules the crate root names directly (`cli::Format`, `rules::run`).
fn root_uses(code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for m in modules {
        let pat = format!("{m}::");
        for (i, _) in code.match_indices(&pat) {
            if !code[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                out.insert(m.clone());
            }
        }
    }
    out
}

fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.strip_suffix(".rs").map(str::to_string).unwrap_or(first)
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn edges() -> BTreeMap<String, BTreeSet<String>> {
    let src = common::root().join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let modules: BTreeSet<String> = all.iter().map(|f| module_of(&src, f)).filter(|m| m != "lib" && m != "main").collect();
    let mut macros = BTreeMap::new();
    for f in &all {
        let code = code_of(&std::fs::read_to_string(f).unwrap());
        for (i, _) in code.match_indices("#[macro_export]") {
            let rest = &code[i..];
            if let Some(name) = rest
                .split("macro_rules!")
                .nth(1)
                .and_then(|r| r.split(|c: char| !(c.is_alphanumeric() || c == '_')).find(|w| !w.is_empty()))
            {
                macros.insert(name.to_string(), module_of(&src, f));
            }
        }
    }
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &all {
        let m = module_of(&src, f);
        if m == "main" {
            continue; // the binary: calls the library's cli
        }
        let code = code_of(&std::fs::read_to_string(f).unwrap());
        let mut used = uses(&code, &modules, &macros);
        if m == "lib" {
            used.extend(root_uses(&code, &modules)); // the crate root names its modules directly
        }
        edges.entry(m.clone()).or_default().extend(used.into_iter().filter(|u| *u != m));
    }
    edges
}

#[test]
fn every_module_has_a_stage() {
    for m in edges().keys() {
        assert!(STAGES.contains(&m.as_str()), "src/{m} is not placed in STAGES (tests/architecture.rs)");
    }
}

#[test]
fn modules_use_only_earlier_stages() {
    let rank = |m: &str| STAGES.iter().position(|s| *s == m);
    let mut wrong = Vec::new();
    for (m, used) in edges() {
        for u in used {
            if let (Some(a), Some(b)) = (rank(&m), rank(&u)) {
                if b >= a {
                    wrong.push(format!("{m} -> {u}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "modules using a later stage: {wrong:#?}");
}

#[test]
fn no_two_modules_use_each_other() {
    let e = edges();
    let mut cycles = Vec::new();
    for (a, used) in &e {
        for b in used {
            if a < b && e.get(b).is_some_and(|u| u.contains(a)) {
                cycles.push(format!("{a} <-> {b}"));
            }
        }
    }
    assert!(cycles.is_empty(), "{cycles:?}");
}

#[test]
fn the_reader_finds_what_it_should() {
    let modules: BTreeSet<String> = ["yaml", "model", "rules", "index"].iter().map(|s| s.to_string()).collect();
    let code = code_of(
        "use crate::{yaml::P, model};\n// crate::rules in a comment\nlet x = crate::lint(); let s = \"a//b\"; crate::rules::run();\n",
    );
    let macros = BTreeMap::from([("path".to_string(), "yaml".to_string())]);
    let got: Vec<String> = uses(&code, &modules, &macros).into_iter().collect();
    assert_eq!(got, ["lib", "model", "rules", "yaml"]);
}
