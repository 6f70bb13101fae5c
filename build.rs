//! Types each rule's `severity`, `category` and optional `severity-with-target` and
//! `severity-with-nodes` from its `rules/<id>.yaml` at build time.
//!
//! For every metadata file this writes `$OUT_DIR/rule-kinds/<id>.rs`, a single expression such as
//! `(Severity::Warning, Category::Shape, None, None)`, which the rule declaration in `src/rules/mod.rs`
//! includes. A misspelt severity or category therefore names an enum variant that does not exist,
//! and the build fails at that rule, instead of a new category silently appearing at run time.
//! Only these top-level scalar lines are read: the files are the project's own, trusted data;
//! the rest of the metadata is parsed at run time.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=rules");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    let dir = Path::new(&out).join("rule-kinds");
    std::fs::create_dir_all(&dir).expect("create OUT_DIR/rule-kinds");
    let mut entries: Vec<_> = std::fs::read_dir("rules").expect("read rules/").filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let Some(id) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".yaml")) else { continue };
        // Data files beside the rules' metadata: the classifier's signatures, the custom
        // resources that own pods.
        if id == "signatures" || id == "custom-workloads" || id == "crd-schemas" {
            continue;
        }
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).expect("read rule metadata");
        let field = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(':')).map(|v| v.trim().trim_matches('"').to_string()))
                .unwrap_or_else(|| panic!("rules/{id}.yaml: no top-level `{key}:`"))
        };
        let declared = field("id");
        assert!(declared == id, "rules/{id}.yaml declares id `{declared}`: the id must be the file's name");
        // Optional: the severity when the run names its target Kubernetes version, and when it
        // has a node inventory.
        let optional = |key: &str| {
            text.lines()
                .find_map(|l| {
                    l.strip_prefix(key)
                        .and_then(|r| r.strip_prefix(':'))
                        .map(|v| format!("Some(Severity::{})", camel(v.trim().trim_matches('"'))))
                })
                .unwrap_or_else(|| "None::<Severity>".to_string())
        };
        let mut expr = String::new();
        write!(
            expr,
            "(Severity::{}, Category::{}, {}, {})",
            camel(&field("severity")),
            camel(&field("category")),
            optional("severity-with-target"),
            optional("severity-with-nodes")
        )
        .expect("write to a String");
        std::fs::write(dir.join(format!("{id}.rs")), expr).expect("write rule kind");
    }
}

/// `warning` -> `Warning`, `node-agent` -> `NodeAgent`; anything else stays as written, so that
/// the compiler names it.
fn camel(s: &str) -> String {
    s.split(['-', '_'])
        .map(|w| w.chars().next().map(|c| c.to_ascii_uppercase().to_string() + &w[c.len_utf8()..]).unwrap_or_default())
        .collect()
}
