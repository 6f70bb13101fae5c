//! Bytes -> the whole pipeline -> diagnostics in every format. Any panic is a bug.
#![no_main]

use kshape::report::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (text, bad) = match std::str::from_utf8(data) {
        Ok(t) => (t.to_string(), None),
        Err(e) => (String::from_utf8_lossy(data).into_owned(), Some(e.valid_up_to())),
    };
    let file = kshape::source::SourceFile { name: "fuzz.yaml".into(), text, is_json: false, context: false, invalid_utf8_at: bad, kustomize: false };
    let lint = kshape::lint_with(vec![file], "default", None);
    for format in [Format::Compact, Format::Json, Format::Sarif, Format::Github, Format::Human] {
        let _ = lint.render_with(format, false, true);
    }
    for d in &lint.diagnostics {
        assert!(d.span.start <= d.span.end);
    }
});
