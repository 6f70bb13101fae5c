//! Bytes -> lint -> every fix applied, round after round (`kshape --fix`). Any panic is a bug;
//! so is a fixed text that parses with more YAML errors than the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file = kshape::source::SourceFile { name: "fuzz.yaml".into(), text: text.to_string(), is_json: false, context: false, invalid_utf8_at: None, kustomize: false };
    // One thread: the parallel path's threads would only add glibc's thread-exit allocations,
    // which LeakSanitizer reports as leaks.
    let settings = kshape::index::Settings { threads: 1, ..Default::default() };
    let fixed = kshape::fix_full(vec![file], "default", None, &settings, &Default::default());
    let out = &fixed.lint.index.files[0].source.text;
    if out != text {
        assert!(kshape::yaml::parse(out).errors.len() <= kshape::yaml::parse(text).errors.len(), "a fix broke the YAML");
        let _ = kshape::fix::unified_diff("fuzz.yaml", text, out);
    }
});
