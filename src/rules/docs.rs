//! Rule documentation: `kshape explain` and the generated docs/rules/*.md.

use super::Meta;
use std::io::Write;
use std::path::Path;

pub fn markdown(m: &Meta) -> String {
    let mut s = String::new();
    s.push_str(&format!("# {}\n\n", m.id));
    let when = match (&m.severity_with_target, &m.severity_with_nodes) {
        (Some(t), _) => format!(" (**{t}** when a target Kubernetes version is set)"),
        (_, Some(n)) => format!(" (**{n}** with a node inventory, `--nodes`)"),
        _ => String::new(),
    };
    s.push_str(&format!("Severity: **{}**{when} · Category: **{}**\n\n", m.severity, m.category));
    s.push_str(&format!("{}\n\n", m.summary.trim()));
    s.push_str(&format!("## Why is this bad?\n\n{}\n\n", m.why.trim()));
    s.push_str(&format!("## How to fix it\n\n{}\n\n", m.fix.trim()));
    s.push_str(&format!("## Example\n\n```yaml\n{}\n```\n\n", m.bad.trim_end()));
    s.push_str(&format!("## Use instead\n\n```yaml\n{}\n```\n", m.good.trim_end()));
    if let Some(a) = &m.autofix {
        s.push_str(&format!("\n## Automatic fix\n\n{}\n", a.trim()));
    }
    if !m.references.is_empty() {
        s.push_str("\n## References\n\n");
        for r in &m.references {
            s.push_str(&format!("- {r}\n"));
        }
    }
    s
}

/// The index page, docs/rules/README.md.
pub fn index() -> String {
    let mut s = String::from("# Rules\n\nGenerated from `rules/*.yaml` by `cargo run -- generate-docs`; do not edit by hand.\n\n| Rule | Severity | Category | Summary |\n|---|---|---|---|\n");
    for m in super::metas() {
        s.push_str(&format!("| [{}]({}.md) | {} | {} | {} |\n", m.id, m.id, m.severity, m.category, m.summary.trim()));
    }
    s
}

/// Every file docs/rules/ should hold: (file name, content).
pub fn expected() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = super::metas().iter().map(|m| (format!("{}.md", m.id), markdown(m))).collect();
    v.push(("README.md".into(), index()));
    v
}

pub fn generate(dir: &str, check: bool, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let dir = Path::new(dir);
    let mut stale = Vec::new();
    for (name, content) in expected() {
        let path = dir.join(&name);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == content {
            continue;
        }
        if check {
            stale.push(name);
            continue;
        }
        if let Err(e) = std::fs::create_dir_all(dir).and_then(|_| std::fs::write(&path, content)) {
            let _ = writeln!(err, "error: cannot write {}: {e}", path.display());
            return 2;
        }
        let _ = writeln!(out, "wrote {}", path.display());
    }
    if stale.is_empty() {
        0
    } else {
        let _ = writeln!(err, "docs are stale: {}; run `cargo run -- generate-docs`", stale.join(", "));
        1
    }
}
