//! [`DuplicateKey`](crate::rules::RuleId::DuplicateKey): a mapping key repeated; kubectl rejects the file.

use crate::index::Index;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for (fi, f) in ix.numbered_files() {
        if f.yaml().duplicate_keys.is_empty() {
            continue;
        }
        // Only documents that are Kubernetes objects: other YAML is not ours to judge.
        let objects: Vec<_> = ix.objects.iter().filter(|o| o.file == fi).collect();
        for d in &f.yaml().duplicate_keys {
            let second = f.yaml().span(d.second);
            let Some(o) = objects.iter().find(|o| {
                let s = f.yaml().span(o.root);
                s.start <= second.start && second.start < s.end.max(s.start + 1)
            }) else {
                continue;
            };
            let first = f.yaml().span(d.first);
            let (line, _) = f.line_col(first.start);
            out.report(fi, second, format!("key `{}` appears twice in the same mapping (first on line {line})", d.key))
                .help(
                    "keep one of them: kubectl rejects a mapping with a repeated key, and other tools silently keep only one of the values",
                )
                .object(o)
                .related(fi, first, "first occurrence");
        }
    }
}
