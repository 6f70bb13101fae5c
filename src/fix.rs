//! Fixes: the YAML-aware text edits rules attach to findings, applying them to a text, and
//! the unified diff `--diff` prints. An edit touches only the bytes it must: comments,
//! quoting and indentation everywhere else stay as the author wrote them.

use crate::yaml::{NodeId, NodeKind, Span, YamlFile};

/// Replace the bytes of `span` (in the finding's file) with `text`; an empty span inserts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edit {
    pub span: Span,
    pub text: String,
}

/// A correction: edits on the original text that leave everything else (comments,
/// indentation, quoting) as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub description: String,
    pub edits: Vec<Edit>,
}

/// Builds edits against one file: its text and its node tree.
///
/// Every edit it builds changes only text that one place of the document reads: it never
/// replaces, removes or inserts into a node that a YAML alias (`*name`) repeats elsewhere, or
/// that sits inside one ([`YamlFile::is_shared`]). Such text belongs to every object and field
/// that uses the alias (a `<<: *defaults` in two workloads, an apiVersion an annotation
/// aliases), and a fix for one finding must not change the others: there is no fix then.
pub struct Editor<'a> {
    pub y: &'a YamlFile,
    pub text: &'a str,
    /// A JSON file: only in-place replacements of scalars, never YAML-styled lines.
    pub json: bool,
}

impl<'a> Editor<'a> {
    pub fn new(y: &'a YamlFile, text: &'a str, json: bool) -> Editor<'a> {
        Editor { y, text, json }
    }

    /// The file's line ending (`\r\n` when its first line ends so).
    pub fn eol(&self) -> &'static str {
        match self.text.find('\n') {
            Some(i) if i > 0 && self.text.as_bytes().get(i - 1) == Some(&b'\r') => "\r\n",
            _ => "\n",
        }
    }

    fn line_start(&self, off: usize) -> usize {
        self.text.get(..off).and_then(|t| t.rfind('\n')).map(|i| i + 1).unwrap_or(0)
    }

    /// The offset just past the line break that ends the line holding `off` (or the end of the text).
    fn next_line(&self, off: usize) -> usize {
        match self.text.get(off..).and_then(|t| t.find('\n')) {
            Some(i) => off + i + 1,
            None => self.text.len(),
        }
    }

    fn byte_at(&self, off: u32) -> Option<u8> {
        self.text.as_bytes().get(off as usize).copied()
    }

    /// A flow collection (`{...}`, `[...]`), whose span ends at its closing bracket.
    pub fn is_flow(&self, id: NodeId) -> bool {
        let n = self.y.node(id);
        match n.kind {
            NodeKind::Map(_) => self.byte_at(n.span.start) == Some(b'{'),
            NodeKind::Seq(_) => self.byte_at(n.span.start) == Some(b'['),
            NodeKind::Scalar { .. } => false,
        }
    }

    /// A literal or folded block scalar (`|`, `>`), whose span starts at its first line of
    /// content, after the header: quoted in the tree, but not starting with a quote.
    fn is_block_scalar(&self, id: NodeId) -> bool {
        let quoted = matches!(self.y.node(id).kind, NodeKind::Scalar { text, .. } if text.quoted());
        quoted && !matches!(self.byte_at(self.y.span(id).start), Some(b'"' | b'\''))
    }

    /// Some when none of `nodes` is shared through an alias: the edit may change them.
    fn owned(&self, nodes: &[NodeId]) -> Option<()> {
        (!nodes.iter().any(|&n| self.y.is_shared(n))).then_some(())
    }

    fn within(outer: Span, inner: Span) -> bool {
        inner.start >= outer.start && inner.end <= outer.end
    }

    /// Where a node's own text ends (a block collection's span runs on to the next token,
    /// past blank lines and comments). None when the node holds an alias or a merged entry,
    /// whose text is elsewhere: such nodes are not edited.
    pub fn content_end(&self, id: NodeId) -> Option<usize> {
        let n = self.y.node(id);
        match &n.kind {
            NodeKind::Scalar { .. } => {
                let s = self.text.get(n.span.start as usize..n.span.end as usize)?;
                // A block scalar that keeps its final line breaks (`|+`) ends after them: they
                // are part of its value. The end is its last line break, as for other scalars
                // the last line's text.
                if self.is_block_scalar(id) && self.y.scalar(id).is_some_and(|v| v.ends_with("\n\n")) {
                    return Some(n.span.start as usize + s.strip_suffix('\n').map_or(s.len(), str::len));
                }
                Some(n.span.start as usize + s.trim_end().len())
            }
            _ if self.is_flow(id) => Some(n.span.end as usize),
            NodeKind::Map(_) => {
                let mut end = None;
                for (k, v) in self.y.map_entries(id)? {
                    let (ks, vs) = (self.y.span(*k), self.y.span(*v));
                    if !Editor::within(n.span, ks) || !Editor::within(n.span, vs) || vs.start < ks.end {
                        return None;
                    }
                    // An empty value (`key:`) has no text of its own.
                    let ve = if vs.start == vs.end { ks.end as usize } else { self.content_end(*v)? };
                    end = end.max(Some(ve.max(ks.end as usize)));
                }
                end
            }
            NodeKind::Seq(_) => {
                let mut end = None;
                for item in self.y.seq_items(id)? {
                    if !Editor::within(n.span, self.y.span(*item)) {
                        return None;
                    }
                    end = end.max(Some(self.content_end(*item)?));
                }
                end
            }
        }
    }

    /// The column of a node when only indentation (spaces, and the `- ` of list items) is
    /// before it on its line.
    pub fn block_column(&self, id: NodeId) -> Option<usize> {
        let start = self.y.span(id).start as usize;
        let ls = self.line_start(start);
        let prefix = self.text.get(ls..start)?;
        prefix.bytes().all(|b| b == b' ' || b == b'-').then_some(start - ls)
    }

    /// The column of the first key of a block mapping.
    fn key_column(&self, map: NodeId) -> Option<usize> {
        if self.is_flow(map) {
            return None;
        }
        let (k, _) = self.y.map_entries(map)?.first()?;
        self.block_column(*k)
    }

    /// Removes `key: value` of a block mapping: the whole lines it is written on.
    pub fn remove_entry(&self, map: NodeId, key: NodeId, value: NodeId) -> Option<Edit> {
        if self.json {
            return None;
        }
        if self.is_flow(map) || !matches!(self.y.node(value).kind, NodeKind::Scalar { .. }) {
            return None;
        }
        self.owned(&[map, key, value])?;
        let ks = self.y.span(key).start as usize;
        let ls = self.line_start(ks);
        // `- replicas: 1` or `a: {replicas: 1}`: the line holds more than this entry.
        if !self.text.get(ls..ks)?.bytes().all(|b| b == b' ') {
            return None;
        }
        let vs = self.y.span(value);
        let ke = self.y.span(key).end as usize;
        // The value must be written right after its key (`key: value`), not be an alias whose
        // text is the anchor's, elsewhere in the file.
        if vs.start != vs.end && self.text.get(ke..vs.start as usize).map(str::trim) != Some(":") {
            return None;
        }
        let end = if vs.start == vs.end { ke } else { self.content_end(value)? };
        Some(Edit { span: Span::new(ls, self.next_line(end)), text: String::new() })
    }

    /// Appends entries to a block mapping, after its last entry and at its keys' column.
    /// `lines` are relative to that column ("limits:", "  nvidia.com/gpu: 1").
    pub fn append_entry(&self, map: NodeId, lines: &[String]) -> Option<Edit> {
        if self.json {
            return None;
        }
        self.owned(&[map])?;
        let col = self.key_column(map)?;
        let at = self.next_line(self.content_end(map)?);
        Some(self.insert_lines(at, col, lines))
    }

    /// Appends a document (`manifest`, lines ending in `\n`) to the file, after `---`, in the
    /// file's line ending. It changes no node; None for JSON.
    pub fn append_document(&self, manifest: &str) -> Option<Edit> {
        if self.json {
            return None;
        }
        let eol = self.eol();
        let mut add = String::new();
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            add.push_str(eol);
        }
        add.push_str("---");
        add.push_str(eol);
        add.push_str(&manifest.replace('\n', eol));
        Some(Edit { span: Span::at(self.text.len()), text: add })
    }

    /// Appends an item to a block sequence, at its dashes' column.
    pub fn append_item(&self, seq: NodeId, lines: &[String]) -> Option<Edit> {
        if self.json {
            return None;
        }
        if self.is_flow(seq) {
            return None;
        }
        self.owned(&[seq])?;
        let first = *self.y.seq_items(seq)?.first()?;
        let col = self.dash_column(first)?;
        let at = self.next_line(self.content_end(seq)?);
        Some(self.insert_lines(at, col, lines))
    }

    /// Adds an item to a flow sequence, after its last item (or inside `[]`).
    pub fn append_flow_item(&self, seq: NodeId, item: &str) -> Option<Edit> {
        let close = self.flow_close(seq, b']')?;
        let last = self.y.seq_items(seq)?.last().copied();
        self.flow_insert(close, last.map(|l| self.content_end(l)), item)
    }

    /// Adds `key: value` to a flow mapping, after its last entry (or inside `{}`).
    pub fn append_flow_entry(&self, map: NodeId, entry: &str) -> Option<Edit> {
        let close = self.flow_close(map, b'}')?;
        let last = self.y.map_entries(map)?.last().copied();
        let end = |(k, v): (NodeId, NodeId)| {
            // An empty value (`{a: }`) has no text of its own: after its key.
            if self.y.span(v).start == self.y.span(v).end {
                Some(self.y.span(k).end as usize)
            } else {
                self.content_end(v)
            }
        };
        self.flow_insert(close, last.map(end), entry)
    }

    /// The offset of a flow collection's closing bracket; None for block collections and JSON.
    fn flow_close(&self, node: NodeId, bracket: u8) -> Option<usize> {
        if self.json || !self.is_flow(node) {
            return None;
        }
        self.owned(&[node])?;
        let close = (self.y.span(node).end as usize).checked_sub(1)?;
        (self.text.as_bytes().get(close) == Some(&bracket)).then_some(close)
    }

    /// `text` after the last element (`last_end`), or alone before `close` when there is none.
    fn flow_insert(&self, close: usize, last_end: Option<Option<usize>>, text: &str) -> Option<Edit> {
        Some(match last_end {
            Some(end) => Edit { span: Span::at(end?), text: format!(", {text}") },
            None => Edit { span: Span::at(close), text: text.to_string() },
        })
    }

    /// The column of the `-` that introduces a block sequence item.
    fn dash_column(&self, item: NodeId) -> Option<usize> {
        let start = self.y.span(item).start as usize;
        let ls = self.line_start(start);
        let before = self.text.get(ls..start)?;
        let dash = before.trim_end_matches(' ').strip_suffix('-')?;
        dash.bytes().all(|b| b == b' ' || b == b'-').then_some(dash.len())
    }

    /// How this file indents: (mapping step, offset of a list's dashes from its key).
    /// Read from the first block sequence under `near` (a pod spec's containers, usually).
    pub fn style(&self, near: NodeId) -> (usize, usize) {
        let mut step = None;
        let mut dash = None;
        self.walk_style(near, 0, &mut step, &mut dash);
        (step.unwrap_or(2), dash.unwrap_or(0))
    }

    fn walk_style(&self, id: NodeId, depth: usize, step: &mut Option<usize>, dash: &mut Option<usize>) {
        if depth > 6 || (step.is_some() && dash.is_some()) || self.is_flow(id) {
            return;
        }
        let Some(entries) = self.y.map_entries(id) else { return };
        for (k, v) in entries {
            let Some(kc) = self.block_column(*k) else { continue };
            match &self.y.node(*v).kind {
                NodeKind::Map(_) if !self.is_flow(*v) => {
                    if step.is_none() {
                        *step = self.key_column(*v).and_then(|c| c.checked_sub(kc)).filter(|s| *s > 0);
                    }
                    self.walk_style(*v, depth + 1, step, dash);
                }
                NodeKind::Seq(_) if !self.is_flow(*v) => {
                    if dash.is_none() {
                        *dash = self
                            .y
                            .seq_items(*v)
                            .and_then(|i| i.first().copied())
                            .and_then(|i| self.dash_column(i))
                            .and_then(|c| c.checked_sub(kc));
                    }
                    for item in self.y.seq_items(*v).unwrap_or(&[]) {
                        self.walk_style(*item, depth + 1, step, dash);
                    }
                }
                _ => {}
            }
        }
    }

    fn insert_lines(&self, at: usize, col: usize, lines: &[String]) -> Edit {
        let eol = self.eol();
        let mut s = String::new();
        if at == self.text.len() && !self.text.is_empty() && !self.text.ends_with('\n') {
            s.push_str(eol);
        }
        for l in lines {
            s.push_str(&" ".repeat(col));
            s.push_str(l);
            s.push_str(eol);
        }
        Edit { span: Span::at(at), text: s }
    }

    /// Replaces a scalar's value, keeping its quotes when it had them.
    pub fn replace_scalar(&self, id: NodeId, value: &str) -> Option<Edit> {
        self.owned(&[id])?;
        // Its text is the content lines, after a header the edit would leave as it is.
        if self.is_block_scalar(id) {
            return None;
        }
        let span = self.y.span(id);
        let text = match self.byte_at(span.start) {
            Some(q @ (b'"' | b'\'')) => {
                let q = q as char;
                if value.contains(q) || value.contains('\\') {
                    return None;
                }
                format!("{q}{value}{q}")
            }
            _ => plain(value)?,
        };
        Some(Edit { span, text })
    }
}

/// `s` as a plain YAML scalar when it reads back as that string, else None.
pub fn plain(s: &str) -> Option<String> {
    let special = |c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c);
    let ok = !s.is_empty()
        && s.trim() == s
        && !s.starts_with(special)
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && !s.contains(['\n', '\r', '\t', '{', '}', '[', ']', ','])
        && matches!(crate::yaml::scalar::resolve_plain(s), crate::yaml::scalar::Resolved::Str);
    ok.then(|| s.to_string())
}

/// `s` as a YAML scalar that reads back as the string `s`: plain when it can be, else quoted.
pub fn scalar(s: &str) -> String {
    plain(s).unwrap_or_else(|| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()))
}

/// Applies edits to a text. None when edits overlap, fall outside the text or split a character.
/// Identical edits count once.
pub fn apply(text: &str, edits: &[Edit]) -> Option<String> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut out = String::with_capacity(text.len() + 256);
    let mut pos = 0usize;
    let mut last_insert: Option<usize> = None;
    for e in sorted {
        let (s, t) = (e.span.start as usize, e.span.end as usize);
        if s < pos || t > text.len() || !text.is_char_boundary(s) || !text.is_char_boundary(t) {
            return None;
        }
        // Two different insertions at one place: their order would be a guess.
        if s == t && last_insert == Some(s) {
            return None;
        }
        out.push_str(&text[pos..s]);
        out.push_str(&e.text);
        pos = t;
        last_insert = (s == t).then_some(s);
    }
    out.push_str(&text[pos..]);
    Some(out)
}

/// Whether two fixes touch overlapping bytes (or insert at the same place).
pub fn overlaps(a: &Fix, b: &Fix) -> bool {
    a.edits.iter().any(|x| {
        b.edits.iter().any(|y| {
            let (xs, xe, ys, ye) = (x.span.start, x.span.end, y.span.start, y.span.end);
            (xs < ye && ys < xe) || xs == ys || (xs == xe && xs > ys && xs < ye) || (ys == ye && ys > xs && ys < xe)
        })
    })
}

/// A unified diff of two texts (`--- a/NAME`, `+++ b/NAME`, hunks with 3 lines of context).
/// `similar` finds the changed lines (Myers); the text is written here, in git's form, because
/// `similar`'s own writer shortens a one-line range to `-8` where git and the snapshots write `-8,1`.
pub fn unified_diff(name: &str, old: &str, new: &str) -> String {
    use similar::DiffOp;
    if old == new {
        return String::new();
    }
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    // Not `capture_diff_slices`: its compaction step can leave wrong indices on the other side
    // of an op (mitsuhiko/similar#78, #80), which would put wrong numbers in hunk headers.
    let mut d = similar::algorithms::Replace::new(similar::algorithms::Capture::new());
    let _ = similar::algorithms::diff_slices(similar::Algorithm::Myers, &mut d, &a, &b);
    let ops = d.into_inner().into_ops();
    // git's form, which `git apply` and `patch -p1` take (an absolute path loses its first `/`).
    let name = name.trim_start_matches('/');
    let mut out = format!("--- a/{name}\n+++ b/{name}\n");
    const CONTEXT: usize = 3;
    for hunk in similar::group_diff_ops(ops, CONTEXT) {
        let (Some(first), Some(last)) = (hunk.first(), hunk.last()) else { continue };
        let (a_start, b_start) = (first.old_range().start, first.new_range().start);
        let (a_len, b_len) = (last.old_range().end.saturating_sub(a_start), last.new_range().end.saturating_sub(b_start));
        // Line numbers are 1-based; an empty range names the line before it.
        let num = |start: usize, len: usize| if len == 0 { start } else { start + 1 };
        out.push_str(&format!("@@ -{},{} +{},{} @@\n", num(a_start, a_len), a_len, num(b_start, b_len), b_len));
        for op in &hunk {
            let (old_lines, new_lines) = (a.get(op.old_range()).unwrap_or_default(), b.get(op.new_range()).unwrap_or_default());
            if let DiffOp::Equal { .. } = op {
                old_lines.iter().for_each(|l| push_line(&mut out, ' ', l));
            } else {
                old_lines.iter().for_each(|l| push_line(&mut out, '-', l));
                new_lines.iter().for_each(|l| push_line(&mut out, '+', l));
            }
        }
    }
    out
}

fn push_line(out: &mut String, mark: char, line: &str) {
    out.push(mark);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_diff_hunks() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
        let new = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n";
        assert_eq!(unified_diff("f", old, new), "--- a/f\n+++ b/f\n@@ -8,3 +8,4 @@\n 8\n 9\n 10\n+11\n");
        let new = "1\n3\n4\n5\n6\n7\n8\n9\n10\n";
        assert_eq!(unified_diff("f", old, new), "--- a/f\n+++ b/f\n@@ -1,5 +1,4 @@\n 1\n-2\n 3\n 4\n 5\n");

        // The same text as the hand-written Myers diff this replaced gave.
        let d = |old, new| unified_diff("f", old, new).strip_prefix("--- a/f\n+++ b/f\n").map(str::to_string);
        assert_eq!(d("", "a\n").as_deref(), Some("@@ -0,0 +1,1 @@\n+a\n"));
        assert_eq!(d("a\n", "").as_deref(), Some("@@ -1,1 +0,0 @@\n-a\n"));
        assert_eq!(d("a\nb\nc\nd\ne\n", "x\nb\ny\nd\nz\n").as_deref(), Some("@@ -1,5 +1,5 @@\n-a\n+x\n b\n-c\n+y\n d\n-e\n+z\n"));
        assert_eq!(d("a\nb", "a\nb\n").as_deref(), Some("@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"));
        // similar's compaction gives this a wrong `+` start (mitsuhiko/similar#78); it is not used.
        assert_eq!(d("1\n1\n0\n2\n", "2\n1\n0\n0\n0\n0\n").as_deref(), Some("@@ -1,4 +1,6 @@\n+2\n 1\n-1\n+0\n+0\n 0\n-2\n+0\n"));
        assert_eq!(unified_diff("f", "a\n", "a\n"), "");
    }

    #[test]
    fn apply_rejects_overlaps_and_keeps_order() {
        let e = |s: usize, t: usize, x: &str| Edit { span: Span::new(s, t), text: x.into() };
        assert_eq!(apply("abcdef", &[e(4, 5, "E"), e(0, 1, "A")]).as_deref(), Some("AbcdEf"));
        assert_eq!(apply("abcdef", &[e(0, 3, ""), e(2, 4, "")]), None);
        assert_eq!(apply("abc", &[e(1, 1, "x"), e(1, 1, "x")]).as_deref(), Some("axbc"));
        assert_eq!(apply("abc", &[e(1, 1, "x"), e(1, 1, "y")]), None);
        assert_eq!(apply("abc", &[e(2, 9, "")]), None);
    }

    #[test]
    fn scalars_read_back_as_strings() {
        assert_eq!(scalar("trainer"), "trainer");
        assert_eq!(scalar("true"), "\"true\"");
        assert_eq!(scalar("0"), "\"0\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("*x"), "\"*x\"");
        assert_eq!(scalar("app.kubernetes.io/name"), "app.kubernetes.io/name");
    }
}
