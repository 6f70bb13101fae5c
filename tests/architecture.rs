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
    "source",
    "yaml",
    "kustomize",
    "render",
    "model",
    "classify",
    "fix",
    "index",
    "world",
    "rules",
    "origin",
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
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':' || c == '$') {
            continue; // `kshape_crate::`, `$crate::` (a macro's own crate)
        }
        let rest = &code[i + "crate::".len()..];
        match rest.strip_prefix('{') {
            Some(group) => group_items(group).iter().for_each(|item| name(item)),
            None => name(rest),
        }
    }
    out
}

/// The top-level items of a `{...}` use group (the text after its `{`), nested groups skipped:
/// `yaml::{P, Q}, model}` gives `yaml::{P, Q}` and `model`.
fn group_items(group: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&group[start..i]);
                return items;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&group[start..]);
    items
}

/// The top-level modules reached through `super::` chains that climb to the crate root: a
/// file at `src/a/b.rs` (module `a::b`) reaches `x` of the root with `super::super::x`.
fn super_uses(code: &str, depth: usize, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("super::") {
        if code[..i].ends_with("super::") || code[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // counted from the first `super::` of the chain
        }
        let mut rest = &code[i..];
        let mut ups = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            ups += 1;
            rest = r;
        }
        // Only a top-level module's name counts: an inline module (`mod tests { use super::*; }`)
        // adds a level this reader does not track, and its `super::` names the file's own items.
        let first: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if ups >= depth && modules.contains(&first) {
            out.insert(first);
        }
    }
    out
}

/// How deep a file's module is: `src/index.rs` and `src/rules/mod.rs` 1, `src/rules/gpu/x.rs` 3.
fn depth_of(src: &Path, file: &Path) -> usize {
    let rel = file.strip_prefix(src).unwrap();
    let n = rel.components().count();
    if rel.file_name().is_some_and(|f| f == "mod.rs") {
        n - 1
    } else {
        n
    }
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
        assert!(!code.contains("crate as "), "{}: an alias of the crate would hide its edges", f.display());
        let mut used = uses(&code, &modules, &macros);
        used.extend(super_uses(&code, depth_of(&src, f), &modules));
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
    let nested = code_of("use crate::{yaml::{P, Q}, model, index::{self, Index}};");
    let got: Vec<String> = uses(&nested, &modules, &macros).into_iter().collect();
    assert_eq!(got, ["index", "model", "yaml"]);
    // `super::` from src/index.rs (depth 1) reaches the root; from src/rules/gpu/x.rs (depth 3)
    // two levels stay inside rules, three reach the root.
    let sup = code_of("use super::rules::X; use super::super::shape;");
    assert_eq!(super_uses(&sup, 1, &modules).into_iter().collect::<Vec<_>>(), ["rules"]);
    let sup3 = code_of("use super::super::super::config::Y; use super::super::super::index::Z;");
    assert_eq!(super_uses(&sup3, 3, &modules).into_iter().collect::<Vec<_>>(), ["index"]);
    assert!(super_uses(&code_of("mod tests { use super::*; }"), 1, &modules).is_empty());
    assert_eq!(depth_of(Path::new("src"), Path::new("src/rules/gpu/x.rs")), 3);
    assert_eq!(depth_of(Path::new("src"), Path::new("src/rules/mod.rs")), 1);
}
