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
        let col = self.key_column(map)?;
        let at = self.next_line(self.content_end(map)?);
        Some(self.insert_lines(at, col, lines))
    }

    /// Appends an item to a block sequence, at its dashes' column.
    pub fn append_item(&self, seq: NodeId, lines: &[String]) -> Option<Edit> {
        if self.json {
            return None;
        }
        if self.is_flow(seq) {
            return None;
        }
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
        let span = self.y.span(id);
        let text = match self.byte_at(span.start) {
            Some(q @ (b'"' | b'\'')) => {
                let q = q as char;
                if value.contains(q) || value.contains('\\') {
                    return None;
                }
                format!("{q}{value}{q}")
            }
            Some(b'|' | b'>') => return None,
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
pub fn unified_diff(name: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let ops = diff_lines(&a, &b);
    // git's form, which `git apply` and `patch -p1` take (an absolute path loses its first `/`).
    let name = name.trim_start_matches('/');
    let mut out = format!("--- a/{name}\n+++ b/{name}\n");
    const CONTEXT: usize = 3;
    // Group the changes into hunks.
    let changed: Vec<usize> = ops.iter().enumerate().filter(|(_, o)| !matches!(o, Op::Same(..))).map(|(i, _)| i).collect();
    let mut i = 0;
    while i < changed.len() {
        let first = changed[i];
        let mut last = first;
        while i + 1 < changed.len() && changed[i + 1] <= last + 2 * CONTEXT + 1 {
            i += 1;
            last = changed[i];
        }
        i += 1;
        let from = first.saturating_sub(CONTEXT);
        let to = (last + CONTEXT + 1).min(ops.len());
        let (mut a_start, mut b_start) = (None, None);
        let (mut a_len, mut b_len) = (0, 0);
        let mut body = String::new();
        for op in &ops[from..to] {
            match *op {
                Op::Same(x, y) => {
                    a_start.get_or_insert(x);
                    b_start.get_or_insert(y);
                    a_len += 1;
                    b_len += 1;
                    push_line(&mut body, ' ', a[x]);
                }
                Op::Del(x, y) => {
                    a_start.get_or_insert(x);
                    b_start.get_or_insert(y);
                    a_len += 1;
                    push_line(&mut body, '-', a[x]);
                }
                Op::Ins(x, y) => {
                    a_start.get_or_insert(x);
                    b_start.get_or_insert(y);
                    b_len += 1;
                    push_line(&mut body, '+', b[y]);
                }
            }
        }
        // Line numbers are 1-based; an empty range names the line before it.
        let num = |start: Option<usize>, len: usize| if len == 0 { start.unwrap_or(0) } else { start.unwrap_or(0) + 1 };
        out.push_str(&format!("@@ -{},{} +{},{} @@\n", num(a_start, a_len), a_len, num(b_start, b_len), b_len));
        out.push_str(&body);
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

/// One step of a line diff: (index in old, index in new).
#[derive(Debug, Clone, Copy)]
enum Op {
    Same(usize, usize),
    Del(usize, usize),
    Ins(usize, usize),
}

/// Myers' diff over lines, after trimming the common prefix and suffix (fixes change few lines).
fn diff_lines(a: &[&str], b: &[&str]) -> Vec<Op> {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..].iter().rev().zip(b[pre..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (ma, mb) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let mut ops: Vec<Op> = (0..pre).map(|i| Op::Same(i, i)).collect();
    ops.extend(myers(ma, mb).into_iter().map(|o| match o {
        Op::Same(x, y) => Op::Same(x + pre, y + pre),
        Op::Del(x, y) => Op::Del(x + pre, y + pre),
        Op::Ins(x, y) => Op::Ins(x + pre, y + pre),
    }));
    let (ea, eb) = (a.len() - suf, b.len() - suf);
    ops.extend((0..suf).map(|i| Op::Same(ea + i, eb + i)));
    ops
}

fn myers(a: &[&str], b: &[&str]) -> Vec<Op> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max = (n + m) as usize;
    // Past this many differences "delete all, insert all" is as readable, and bounded.
    let limit = max.min(2000) as isize;
    let off = max as isize + 1;
    let mut v = vec![0isize; 2 * max + 3];
    // trace[d]: the furthest x on diagonals -d..=d before round d (O(D²) memory).
    let mut trace: Vec<Vec<isize>> = Vec::new();
    let mut found = max == 0;
    'outer: for d in 0..=limit {
        if found {
            break;
        }
        trace.push(v[(off - d) as usize..=(off + d) as usize].to_vec());
        let mut k = -d;
        while k <= d {
            let idx = (k + off) as usize;
            let mut x = if k == -d || (k != d && v[idx - 1] < v[idx + 1]) { v[idx + 1] } else { v[idx - 1] + 1 };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[idx] = x;
            if x >= n && y >= m {
                found = true;
                break 'outer;
            }
            k += 2;
        }
    }
    if !found {
        let mut ops: Vec<Op> = (0..a.len()).map(|i| Op::Del(i, 0)).collect();
        ops.extend((0..b.len()).map(|j| Op::Ins(a.len(), j)));
        return ops;
    }
    let mut ops = Vec::new();
    let (mut x, mut y) = (n, m);
    for d in (0..trace.len() as isize).rev() {
        let t = &trace[d as usize];
        let at = |k: isize| t[(k + d) as usize];
        let k = x - y;
        let prev_k = if k == -d || (k != d && at(k - 1) < at(k + 1)) { k + 1 } else { k - 1 };
        let (prev_x, prev_y) = if d == 0 { (0, 0) } else { (at(prev_k), at(prev_k) - prev_k) };
        while x > prev_x && y > prev_y {
            x -= 1;
            y -= 1;
            ops.push(Op::Same(x as usize, y as usize));
        }
        if d > 0 {
            if x == prev_x {
                y -= 1;
                ops.push(Op::Ins(x as usize, y as usize));
            } else {
                x -= 1;
                ops.push(Op::Del(x as usize, y as usize));
            }
        }
    }
    ops.reverse();
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(old: &str, new: &str) {
        let a: Vec<&str> = old.split_inclusive('\n').collect();
        let b: Vec<&str> = new.split_inclusive('\n').collect();
        let ops = diff_lines(&a, &b);
        let mut rebuilt_a = String::new();
        let mut rebuilt_b = String::new();
        for op in ops {
            match op {
                Op::Same(x, y) => {
                    assert_eq!(a[x], b[y]);
                    rebuilt_a.push_str(a[x]);
                    rebuilt_b.push_str(b[y]);
                }
                Op::Del(x, _) => rebuilt_a.push_str(a[x]),
                Op::Ins(_, y) => rebuilt_b.push_str(b[y]),
            }
        }
        assert_eq!(rebuilt_a, old);
        assert_eq!(rebuilt_b, new);
    }

    #[test]
    fn diff_reconstructs_both_sides() {
        check("a\nb\nc\n", "a\nc\n");
        check("a\nb\nc\n", "a\nb\nx\nc\n");
        check("", "a\n");
        check("a\n", "");
        check("a\nb\nc\nd\ne\n", "x\nb\ny\nd\nz\n");
        check("a\nb", "a\nb\n");
    }

    #[test]
    fn unified_diff_hunks() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
        let new = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n";
        assert_eq!(unified_diff("f", old, new), "--- a/f\n+++ b/f\n@@ -8,3 +8,4 @@\n 8\n 9\n 10\n+11\n");
        let new = "1\n3\n4\n5\n6\n7\n8\n9\n10\n";
        assert_eq!(unified_diff("f", old, new), "--- a/f\n+++ b/f\n@@ -1,5 +1,4 @@\n 1\n-2\n 3\n 4\n 5\n");
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
