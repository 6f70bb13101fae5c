//! Spanned YAML: granit-parser events -> a small arena of nodes that know their byte span.
//!
//! Every node keeps the byte range it came from; lines and columns are computed from a
//! [`LineIndex`] only when a finding is reported. Aliases resolve to the anchored node
//! (a finding inside an anchored block points at the anchor's definition), and `<<` merge
//! keys are applied the way go-yaml v2 (and so kubectl) applies them.

pub mod de;
pub mod path;
pub mod scalar;

pub use path::{FieldPath, Step};

use granit_parser::{Event, Parser, ScalarStyle, ScanError};
use scalar::Resolved;
use std::collections::HashMap;

pub type NodeId = u32;

/// A byte range in the source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// A byte offset as the arena stores it: spans, comments, errors and document starts are u32,
/// which keeps a node at 32 bytes (see the size test). An offset past 4 GiB cannot be
/// represented, so it saturates at `u32::MAX`: that never panics, and never wraps around to a
/// wrong, earlier position. Files are far smaller (`--max-file-size` defaults to 32 MiB).
pub(crate) fn offset_u32(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// Where `len` more entries go in a pool (scalar text, mapping pairs or list items) that holds
/// `used`: the start and the length, as u32 like the nodes that point into it. Unlike an offset,
/// a pool index must not saturate (it would read the wrong entries): a pool that outgrows u32
/// stops reading the file like too many nodes do. Only merge keys or escapes that expand (`\L`)
/// could get there from a file under 4 GiB.
fn pool_range(used: usize, len: usize) -> Result<(u32, u32), Stop> {
    match (u32::try_from(used), u32::try_from(used.saturating_add(len))) {
        (Ok(start), Ok(end)) => Ok((start, end - start)),
        _ => Err(Stop::Limit(format!(
            "the file holds more than {} bytes of scalar text or more than as many mapping or list entries (merge keys included)",
            crate::util::thousands(u64::from(u32::MAX))
        ))),
    }
}

/// Why reading a document stopped.
enum Stop {
    /// It is not valid YAML (or not YAML kubectl reads: an unknown anchor, a bad merge key): a
    /// syntax error, and the next document is read.
    Invalid(String),
    /// A size limit of the node arena (not a syntax error): the rest of the file is not read.
    Limit(String),
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start: offset_u32(start), end: offset_u32(end.max(start)) }
    }
    pub fn at(offset: usize) -> Span {
        Span::new(offset, offset)
    }
}

/// A scalar's text: a range of the file's string buffer (one allocation per file, not per
/// scalar), and whether it was quoted (or a block scalar) in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Str {
    start: u32,
    /// Length in bytes; the top bit says "quoted".
    len_quoted: u32,
}

impl Str {
    const QUOTED: u32 = 1 << 31;

    fn len(self) -> u32 {
        self.len_quoted & !Str::QUOTED
    }

    /// Quoted (`"..."`, `'...'`) or a block scalar (`|`, `>`): always a string.
    pub fn quoted(self) -> bool {
        self.len_quoted & Str::QUOTED != 0
    }
}

/// A range of one of the file's pools (mapping pairs or list items).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Range {
    start: u32,
    len: u32,
}

/// 24 bytes: nodes are the bulk of a run's memory.
#[derive(Debug, Clone)]
pub enum NodeKind {
    Scalar {
        text: Str,
        resolved: Resolved,
    },
    /// Entries (in the file's pair pool) in source order, merge-key entries after explicit ones.
    Map(Range),
    /// Items (in the file's item pool).
    Seq(Range),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Document {
    /// None for an empty document.
    pub root: Option<NodeId>,
    /// Byte offset where the document's content starts.
    pub start: u32,
    /// The template a rendered document came from (`# Source: chart/templates/x.yaml`).
    pub source: Option<String>,
}

/// A YAML comment: byte offset of its `#`, and its text after the `#`.
#[derive(Debug, Clone)]
pub struct Comment {
    pub offset: u32,
    pub text: String,
}

/// A syntax error, or where reading stopped at a size limit ([`YamlFile::limit`]).
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub offset: u32,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct DuplicateKey {
    pub first: NodeId,
    pub second: NodeId,
    pub key: String,
}

/// One parsed file: all its documents share one node arena.
#[derive(Debug, Default)]
pub struct YamlFile {
    pub nodes: Vec<Node>,
    pub docs: Vec<Document>,
    pub errors: Vec<SyntaxError>,
    /// Where reading stopped at a size limit of the node arena (too many nodes, or a pool past
    /// u32): at the start of the document that was not read, with what limit. That document and
    /// the rest of the file are not read. Not a syntax error: the YAML may be valid.
    pub limit: Option<SyntaxError>,
    pub duplicate_keys: Vec<DuplicateKey>,
    /// Comments, when the file was parsed with them (see [`parse_with_comments`]).
    pub comments: Vec<Comment>,
    /// The text of every scalar, one after the other.
    strings: String,
    /// Every mapping's (key, value) pairs, one mapping after the other.
    pairs: Vec<(NodeId, NodeId)>,
    /// Every list's items, one list after the other.
    items: Vec<NodeId>,
    /// The nodes an alias (`*name`) names, once per alias.
    aliased: Vec<NodeId>,
    /// One bit per node: reachable from an aliased node, so the same text is read in two or
    /// more places (see [`YamlFile::is_shared`]). Empty when the file has no alias.
    shared: Vec<u64>,
}

/// A collection being read: its entries so far are the tail of the builder's `open_pairs` (or
/// `open_items`) from `from` on, so that reading a collection allocates nothing of its own.
enum Open {
    Map { id: NodeId, from: usize, key: Option<NodeId> },
    Seq { id: NodeId, from: usize },
}

/// Most nodes a single file may hold: reading stops at the document that would pass it.
pub const MAX_NODES: usize = 5_000_000;

impl YamlFile {
    pub fn node(&self, id: NodeId) -> &Node {
        // Ids are only ever created by this arena; an out-of-range id is a bug, not input.
        &self.nodes[id as usize]
    }

    /// The text of a scalar.
    pub fn text(&self, s: Str) -> &str {
        self.strings.get(s.start as usize..(s.start + s.len()) as usize).unwrap_or("")
    }

    fn intern(&mut self, value: &str, quoted: bool) -> Result<Str, Stop> {
        let (start, len) = pool_range(self.strings.len(), value.len())?;
        self.strings.push_str(value);
        let len = len.min(!Str::QUOTED);
        Ok(Str { start, len_quoted: if quoted { len | Str::QUOTED } else { len } })
    }

    fn add_pairs(&mut self, pairs: &[(NodeId, NodeId)]) -> Result<Range, Stop> {
        let (start, len) = pool_range(self.pairs.len(), pairs.len())?;
        self.pairs.extend_from_slice(pairs);
        Ok(Range { start, len })
    }

    fn add_items(&mut self, items: &[NodeId]) -> Result<Range, Stop> {
        let (start, len) = pool_range(self.items.len(), items.len())?;
        self.items.extend_from_slice(items);
        Ok(Range { start, len })
    }

    /// The text of a scalar node, None for collections.
    pub fn scalar(&self, id: NodeId) -> Option<&str> {
        match &self.node(id).kind {
            NodeKind::Scalar { text, .. } => Some(self.text(*text)),
            _ => None,
        }
    }

    /// A string-typed scalar: quoted, or plain that does not resolve to null/bool/number.
    pub fn str_value(&self, id: NodeId) -> Option<&str> {
        match &self.node(id).kind {
            NodeKind::Scalar { text, resolved: Resolved::Str, .. } => Some(self.text(*text)),
            _ => None,
        }
    }

    pub fn is_null(&self, id: NodeId) -> bool {
        matches!(self.node(id).kind, NodeKind::Scalar { resolved: Resolved::Null, .. })
    }

    pub fn map_entries(&self, id: NodeId) -> Option<&[(NodeId, NodeId)]> {
        match &self.node(id).kind {
            NodeKind::Map(r) => self.pairs.get(r.start as usize..(r.start + r.len) as usize),
            _ => None,
        }
    }

    pub fn seq_items(&self, id: NodeId) -> Option<&[NodeId]> {
        match &self.node(id).kind {
            NodeKind::Seq(r) => self.items.get(r.start as usize..(r.start + r.len) as usize),
            _ => None,
        }
    }

    /// The (key, value) entry for `key` in a mapping; the last one when a key repeats.
    pub fn get_entry(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        // Lengths first, then bytes: the rules look keys up by name on every object, and most
        // keys of a mapping differ in length from the one sought.
        let is_key = |k: NodeId| match &self.node(k).kind {
            NodeKind::Scalar { text, .. } => {
                text.len() as usize == key.len()
                    && self.strings.as_bytes().get(text.start as usize..).is_some_and(|b| b.starts_with(key.as_bytes()))
            }
            _ => false,
        };
        self.map_entries(map)?.iter().rev().find(|(k, _)| is_key(*k)).copied()
    }

    /// The text of every scalar (keys too) one after the other, with nothing between them: a
    /// text no scalar of the file holds is not in it (a search over all scalars can look here
    /// first, once per file).
    pub fn scalar_texts(&self) -> &str {
        &self.strings
    }

    pub fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.get_entry(map, key).map(|(_, v)| v)
    }

    /// A string value at `key`; None when missing, null or not a string.
    pub fn get_str(&self, map: NodeId, key: &str) -> Option<&str> {
        self.get(map, key).and_then(|v| self.scalar(v).filter(|_| !self.is_null(v)))
    }

    pub fn span(&self, id: NodeId) -> Span {
        self.node(id).span
    }

    /// Whether a node's text is read in more than one place: it is, or is inside (through
    /// mappings, lists and merge keys), a node an alias names. Editing its text changes every
    /// place that uses it.
    pub fn is_shared(&self, id: NodeId) -> bool {
        self.shared.get(id as usize / 64).is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    /// Marks every node reachable from an aliased node (each node once: linear, and alias
    /// cycles end).
    fn mark_shared(&mut self) {
        if self.aliased.is_empty() {
            return;
        }
        let mut shared = vec![0u64; self.nodes.len().div_ceil(64)];
        let mut stack = std::mem::take(&mut self.aliased);
        while let Some(id) = stack.pop() {
            let Some(word) = shared.get_mut(id as usize / 64) else { continue };
            if *word & (1 << (id % 64)) != 0 {
                continue;
            }
            *word |= 1 << (id % 64);
            if let Some(entries) = self.map_entries(id) {
                stack.extend(entries.iter().flat_map(|&(k, v)| [k, v]));
            }
            stack.extend_from_slice(self.seq_items(id).unwrap_or(&[]));
        }
        self.shared = shared;
    }
}

/// Parses a whole file. Never fails: syntax errors are recorded and the next document is tried.
pub fn parse(text: &str) -> YamlFile {
    parse_opts(text, false)
}

/// Parses and keeps comments (for suppressions and `# Source:` provenance).
pub fn parse_with_comments(text: &str) -> YamlFile {
    parse_opts(text, true)
}

fn parse_opts(text: &str, comments: bool) -> YamlFile {
    parse_limited(text, comments, MAX_NODES)
}

/// [`parse`] with another node limit than [`MAX_NODES`] (tests reach it with a small file).
pub(crate) fn parse_limited(text: &str, comments: bool, max_nodes: usize) -> YamlFile {
    let (body, base) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, 3usize),
        None => (text, 0usize),
    };
    // About one node per 12 bytes of YAML, and most of the text is scalars: reserving that
    // avoids regrowing the arena while parsing; what is left over is given back at the end.
    let mut file = YamlFile::default();
    file.nodes.reserve(body.len() / 12 + 8);
    file.strings.reserve(body.len() / 2 + 8);
    let mut b = Builder {
        file,
        base,
        text: body,
        anchors: HashMap::new(),
        stack: Vec::new(),
        open_pairs: Vec::new(),
        open_items: Vec::new(),
        doc_start: 0,
        doc_root: None,
        in_doc: false,
        source: None,
        max_nodes,
    };
    let options = granit_parser::options! { emit_comments: comments };
    let mut parser = Parser::new_from_str_with_options(body, options);
    loop {
        match parser.next_event() {
            None => break,
            Some(Ok((event, span))) => match b.event(event, span) {
                Ok(()) => {}
                Err(Stop::Invalid(message)) => {
                    let offset = b.offset(&span.start);
                    b.error(offset, message);
                    b.abandon();
                    match parser.proceed_next_document() {
                        Ok(true) => continue,
                        _ => break,
                    }
                }
                Err(Stop::Limit(message)) => {
                    // Every later document would stop at the same limit: the rest is not read.
                    let offset = offset_u32(b.doc_start);
                    b.file.limit =
                        Some(SyntaxError { offset, message: format!("{message}: this document and the rest of the file are not read") });
                    b.abandon();
                    break;
                }
            },
            Some(Err(e)) => {
                b.scan_error(&e);
                match parser.proceed_next_document() {
                    Ok(true) => continue,
                    _ => break,
                }
            }
        }
    }
    b.file.mark_shared();
    b.file.nodes.shrink_to_fit();
    b.file.strings.shrink_to_fit();
    b.file.pairs.shrink_to_fit();
    b.file.items.shrink_to_fit();
    b.file
}

struct Builder<'t> {
    file: YamlFile,
    base: usize,
    text: &'t str,
    anchors: HashMap<usize, NodeId>,
    stack: Vec<Open>,
    /// The entries of the open mappings and the items of the open lists, innermost last.
    open_pairs: Vec<(NodeId, NodeId)>,
    open_items: Vec<NodeId>,
    doc_start: usize,
    doc_root: Option<NodeId>,
    in_doc: bool,
    /// The last `# Source:` comment since the previous document ended.
    source: Option<String>,
    /// [`MAX_NODES`] (smaller in tests).
    max_nodes: usize,
}

impl Builder<'_> {
    fn offset(&self, m: &granit_parser::Marker) -> usize {
        let local = match m.byte_offset() {
            Some(b) => b,
            // Fall back to converting the character index.
            None => self.text.char_indices().nth(m.index()).map(|(b, _)| b).unwrap_or(self.text.len()),
        };
        local.min(self.text.len()) + self.base
    }

    fn error(&mut self, offset: usize, message: String) {
        self.file.errors.push(SyntaxError { offset: offset_u32(offset), message });
    }

    fn scan_error(&mut self, e: &ScanError) {
        let offset = self.offset(e.marker());
        let mut message = e.info();
        if message.is_empty() {
            message = "invalid YAML".to_string();
        }
        self.error(offset, message);
        self.abandon();
    }

    /// Drops the partial document after an error.
    fn abandon(&mut self) {
        self.stack.clear();
        self.open_pairs.clear();
        self.open_items.clear();
        self.doc_root = None;
        self.in_doc = false;
        self.anchors.clear();
    }

    fn alloc(&mut self, kind: NodeKind, span: Span) -> Result<NodeId, Stop> {
        let id = match NodeId::try_from(self.file.nodes.len()) {
            Ok(id) if self.file.nodes.len() < self.max_nodes => id,
            _ => {
                return Err(Stop::Limit(format!(
                    "the file has more than {} YAML nodes",
                    crate::util::thousands(u64::try_from(self.max_nodes).unwrap_or(u64::MAX))
                )))
            }
        };
        self.file.nodes.push(Node { kind, span });
        Ok(id)
    }

    fn event(&mut self, event: Event<'_>, span: granit_parser::Span) -> Result<(), Stop> {
        let start = self.offset(&span.start);
        let end = self.offset(&span.end);
        match event {
            Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(..) => {
                self.in_doc = true;
                self.doc_start = start;
                self.doc_root = None;
                self.stack.clear();
                self.open_pairs.clear();
                self.open_items.clear();
            }
            Event::DocumentEnd => {
                if self.in_doc {
                    let start = self.doc_root.map(|r| self.file.span(r).start).unwrap_or(offset_u32(self.doc_start));
                    self.file.docs.push(Document { root: self.doc_root, start, source: self.source.take() });
                }
                self.in_doc = false;
                self.doc_root = None;
                self.anchors.clear();
            }
            Event::Comment(text, _) => {
                if let Some(src) = text.trim().strip_prefix("Source:") {
                    self.source = Some(src.trim().to_string());
                }
                self.file.comments.push(Comment { offset: offset_u32(start), text: text.into_owned() });
            }
            Event::Alias(id) => {
                let target = *self.anchors.get(&id).ok_or_else(|| Stop::Invalid("unknown anchor".into()))?;
                self.file.aliased.push(target);
                self.add(target);
            }
            Event::Scalar(value, style, anchor, tag) => {
                let quoted = !matches!(style, ScalarStyle::Plain);
                let resolved = match tag.as_deref() {
                    Some(t) if t.is_yaml_core_schema() => match t.suffix() {
                        "str" | "binary" => Resolved::Str,
                        "null" => Resolved::Null,
                        "bool" | "int" | "float" => {
                            let r = scalar::resolve_plain(&value);
                            if matches!(r, Resolved::Str | Resolved::Null) {
                                return Err(Stop::Invalid(format!("cannot decode `{value}` as !!{}", t.suffix())));
                            }
                            r
                        }
                        _ => Resolved::Str,
                    },
                    Some(_) => Resolved::Str,
                    None if quoted => Resolved::Str,
                    None => scalar::resolve_plain(&value),
                };
                let text = self.file.intern(&value, quoted)?;
                let id = self.alloc(NodeKind::Scalar { text, resolved }, Span::new(start, end))?;
                if anchor != 0 {
                    self.anchors.insert(anchor, id);
                }
                self.add(id);
            }
            Event::SequenceStart(_, anchor, _) => {
                let id = self.alloc(NodeKind::Seq(Range::default()), Span::new(start, end))?;
                if anchor != 0 {
                    self.anchors.insert(anchor, id);
                }
                self.stack.push(Open::Seq { id, from: self.open_items.len() });
            }
            Event::MappingStart(_, anchor, _) => {
                let id = self.alloc(NodeKind::Map(Range::default()), Span::new(start, end))?;
                if anchor != 0 {
                    self.anchors.insert(anchor, id);
                }
                self.stack.push(Open::Map { id, from: self.open_pairs.len(), key: None });
            }
            Event::SequenceEnd => {
                if let Some(Open::Seq { id, from }) = self.stack.pop() {
                    let range = self.file.add_items(self.open_items.get(from..).unwrap_or_default())?;
                    self.open_items.truncate(from);
                    let node = &mut self.file.nodes[id as usize];
                    node.span.end = offset_u32(end);
                    node.kind = NodeKind::Seq(range);
                    self.add(id);
                }
            }
            Event::MappingEnd => {
                if let Some(Open::Map { id, from, .. }) = self.stack.pop() {
                    let range = self.finish_map(from)?;
                    self.open_pairs.truncate(from);
                    let node = &mut self.file.nodes[id as usize];
                    node.span.end = offset_u32(end);
                    node.kind = NodeKind::Map(range);
                    self.add(id);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Attaches a finished node to its parent (or makes it the document root).
    fn add(&mut self, id: NodeId) {
        match self.stack.last_mut() {
            None => self.doc_root = Some(id),
            Some(Open::Seq { .. }) => self.open_items.push(id),
            Some(Open::Map { key, .. }) => match key.take() {
                None => *key = Some(id),
                Some(k) => self.open_pairs.push((k, id)),
            },
        }
    }

    /// Stores the entries of the mapping whose entries start at `from` in `open_pairs`:
    /// records duplicate keys and applies `<<` merge keys (explicit keys win; earlier merged
    /// maps win).
    fn finish_map(&mut self, from: usize) -> Result<Range, Stop> {
        let entries = self.open_pairs.get(from..).unwrap_or_default();
        let is_merge = |k: NodeId| matches!(&self.file.nodes[k as usize].kind, NodeKind::Scalar { text, .. } if !text.quoted() && self.file.text(*text) == "<<");
        if !entries.iter().any(|&(k, _)| is_merge(k)) {
            // No merge key (almost every mapping): stored as read.
            let dups = find_duplicates(&self.file, entries);
            self.file.duplicate_keys.extend(dups);
            return self.file.add_pairs(entries);
        }
        let entries = entries.to_vec();
        let out = self.merged(&entries)?;
        self.file.add_pairs(&out)
    }

    /// A mapping's entries with its `<<` merge keys applied.
    fn merged(&mut self, entries: &[(NodeId, NodeId)]) -> Result<Vec<(NodeId, NodeId)>, Stop> {
        let mut merges = Vec::new();
        let mut out = Vec::with_capacity(entries.len());
        for &(k, v) in entries {
            if let NodeKind::Scalar { text, .. } = &self.file.nodes[k as usize].kind {
                if !text.quoted() && self.file.text(*text) == "<<" {
                    merges.push(v);
                    continue;
                }
            }
            out.push((k, v));
        }
        let dups = find_duplicates(&self.file, &out);
        self.file.duplicate_keys.extend(dups);
        let mut known: std::collections::HashSet<String> =
            out.iter().filter_map(|(k, _)| self.file.scalar(*k)).map(str::to_string).collect();
        for m in merges {
            let sources: Vec<NodeId> = match &self.file.nodes[m as usize].kind {
                NodeKind::Map(_) => vec![m],
                NodeKind::Seq(_) => self.file.seq_items(m).map(<[NodeId]>::to_vec).unwrap_or_default(),
                NodeKind::Scalar { .. } => return Err(Stop::Invalid("merge key `<<` needs a mapping or a list of mappings".into())),
            };
            for src in sources {
                let src_entries = match self.file.map_entries(src) {
                    Some(e) => e.to_vec(),
                    None => return Err(Stop::Invalid("merge key `<<` needs a mapping or a list of mappings".into())),
                };
                for (k, v) in src_entries {
                    if let Some(t) = self.file.scalar(k) {
                        if known.insert(t.to_string()) {
                            out.push((k, v));
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

/// The repeated keys of a mapping's entries. Mappings are small: comparing pairs beats hashing
/// below ~24 keys.
fn find_duplicates(f: &YamlFile, entries: &[(NodeId, NodeId)]) -> Vec<DuplicateKey> {
    let key = |k: NodeId| f.scalar(k);
    let mut dups = Vec::new();
    if entries.len() <= 24 {
        for (i, &(k, _)) in entries.iter().enumerate() {
            let Some(t) = key(k) else { continue };
            if let Some(&(first, _)) = entries[..i].iter().find(|(p, _)| key(*p) == Some(t)) {
                dups.push(DuplicateKey { first, second: k, key: t.to_string() });
            }
        }
    } else {
        let mut seen: HashMap<&str, NodeId> = HashMap::with_capacity(entries.len());
        for &(k, _) in entries {
            let Some(t) = key(k) else { continue };
            match seen.get(t) {
                Some(&first) => dups.push(DuplicateKey { first, second: k, key: t.to_string() }),
                None => {
                    seen.insert(t, k);
                }
            }
        }
    }
    dups
}

/// Byte offset -> 1-based line and column (columns counted in characters), for every report
/// format; and the Language Server Protocol's 0-based UTF-16 positions, both ways.
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    /// Line breaks are YAML's (1.2, b-break): `\n`, `\r\n` and a lone `\r` (classic Mac OS)
    /// each end a line, as granit-parser reads them.
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        // Manifests' lines run 15 to 40 bytes: room for most without growing.
        let mut starts = Vec::with_capacity(bytes.len() / 16 + 1);
        starts.push(0u32);
        if memchr::memchr(b'\r', bytes).is_none() {
            starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| offset_u32(i + 1)));
            return LineIndex { starts };
        }
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            if bytes.get(i) == Some(&b'\n') || bytes.get(i + 1) != Some(&b'\n') {
                starts.push(offset_u32(i + 1));
            }
        }
        LineIndex { starts }
    }

    /// [`LineIndex::line_col`] for an ASCII text of `len` bytes that is no longer at hand
    /// (a column is then a byte count).
    pub fn line_col_ascii(&self, len: usize, offset: u32) -> (u32, u32) {
        let offset = (offset as usize).min(len);
        let line = self.line_of(offset);
        let start = self.starts.get(line).map_or(0, |&s| s as usize).min(offset);
        (offset_u32(line).saturating_add(1), offset_u32(offset - start).saturating_add(1))
    }

    /// Gives back what the table does not use (it is kept after the text is let go).
    pub fn shrink_to_fit(&mut self) {
        self.starts.shrink_to_fit();
    }

    /// Where each line starts (the first at 0).
    pub fn starts(&self) -> &[u32] {
        &self.starts
    }

    /// (line, column), both 1-based. A BOM at the start of the file is not counted as a column.
    pub fn line_col(&self, text: &str, offset: u32) -> (u32, u32) {
        let offset = (offset as usize).min(text.len());
        let line = match self.starts.binary_search(&offset_u32(offset)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0) as usize;
        let mut from = start.min(offset);
        if from == 0 && text.starts_with('\u{feff}') && offset >= 3 {
            from = 3;
        }
        // An offset inside a character (the end of a span that covers part of one, such as the
        // first bad byte of a file that is not UTF-8, shown as U+FFFD) counts that character.
        let mut to = offset;
        while !text.is_char_boundary(to) {
            to += 1;
        }
        let col = text.get(from..to).map(|s| s.chars().count()).unwrap_or(offset - from);
        // Neither can pass the offset, which came as a u32.
        (offset_u32(line).saturating_add(1), offset_u32(col).saturating_add(1))
    }

    /// The 0-based line that holds a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s as usize <= offset).saturating_sub(1)
    }

    /// The byte range of the line that holds `offset`, without its `\n` or lone `\r` (the `\r`
    /// of a `\r\n` stays).
    pub fn line_bounds(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.line_of(offset);
        let start = self.starts.get(line).map_or(0, |&s| s as usize);
        let end = self.starts.get(line + 1).map_or(text.len(), |&s| (s as usize).saturating_sub(1));
        (start, end)
    }

    /// (line, character), both 0-based, the character in UTF-16 code units as the Language
    /// Server Protocol counts them. An offset inside a character counts from its start; a BOM is
    /// a character here.
    pub fn utf16_position(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut off = offset.min(text.len());
        while !text.is_char_boundary(off) {
            off -= 1;
        }
        let line = self.line_of(off);
        let start = self.starts.get(line).map_or(0, |&s| s as usize);
        (line, text.get(start..off).map_or(0, |s| s.encode_utf16().count()))
    }

    /// The byte offset of a 0-based line and UTF-16 character, clamped to the line (before its
    /// line break); past the last line, the end of the text.
    pub fn utf16_offset(&self, text: &str, line: usize, character: usize) -> usize {
        let Some(start) = self.starts.get(line).map(|&s| s as usize) else { return text.len() };
        let end = self.starts.get(line + 1).map_or(text.len(), |&s| s as usize);
        let mut units = 0;
        for (i, c) in text.get(start..end).unwrap_or_default().char_indices() {
            if units >= character || c == '\n' || c == '\r' {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_merge() {
        let text = "\u{feff}a: &x\n  b: 1\nc:\n  <<: *x\n  d: 2\n---\n# empty\n---\n[1, 2]\r\n";
        let f = parse(text);
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert_eq!(f.docs.len(), 3);
        let root = f.docs[0].root.unwrap();
        let c = f.get(root, "c").unwrap();
        assert!(f.get(c, "b").is_some());
        let (k, _) = f.get_entry(root, "c").unwrap();
        let li = LineIndex::new(text);
        assert_eq!(li.line_col(text, f.span(k).start), (3, 1));
        assert_eq!(li.line_col(text, f.span(root).start), (1, 1));
        assert!(f.docs[1].root.is_none() || f.is_null(f.docs[1].root.unwrap()));
    }

    #[test]
    fn line_index_counts_characters_or_utf16_units() {
        let text = "\u{feff}a: é😀x\r\nb: 1\n";
        let li = LineIndex::new(text);
        let x = text.find('x').unwrap();
        // Report formats: 1-based, characters, the BOM not counted.
        assert_eq!(li.line_col(text, u32::try_from(x).unwrap()), (1, 6));
        // The language server: 0-based, UTF-16 units (😀 is two), the BOM counted.
        assert_eq!(li.utf16_position(text, x), (0, 7));
        assert_eq!(li.utf16_position(text, x - 1), (0, 5), "inside 😀: from its start");
        assert_eq!(li.utf16_offset(text, 0, 7), x);
        assert_eq!(li.utf16_offset(text, 0, 99), text.find('\r').unwrap(), "clamped before the line break");
        assert_eq!(li.utf16_offset(text, 9, 0), text.len());
        assert_eq!(li.line_bounds(text, x), (0, text.find('\n').unwrap()));
        assert_eq!(li.line_bounds(text, text.len() + 5), (text.len(), text.len()));
    }

    #[test]
    fn line_starts_of_a_text_without_carriage_returns() {
        // (Found by one scan for `\n` alone.) Short and long texts, a `\n` at each place, and
        // bytes next to `\n` in value.
        let mut texts: Vec<String> = vec![String::new(), "\n".into(), "\n\n\n\n\n\n\n\n\n".into(), "\u{8a}\n\u{0b}\n\u{8a}".into()];
        for len in 0..20 {
            for at in 0..len {
                let mut t: Vec<u8> = (0..len).map(|i| if i % 3 == 0 { 0x0b } else { b'a' }).collect();
                t[at] = b'\n';
                texts.push(String::from_utf8(t).unwrap());
            }
        }
        texts.push("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: é😀\n\n".repeat(7));
        for t in texts {
            let byte_by_byte: Vec<u32> = std::iter::once(0)
                .chain(t.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| u32::try_from(i + 1).unwrap()))
                .collect();
            assert_eq!(LineIndex::new(&t).starts(), byte_by_byte.as_slice(), "{t:?}");
        }
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        // YAML 1.2 line breaks: LF, CRLF and a lone CR (classic Mac OS); the parser agrees.
        let text = "a: 1\rb: x\r\nc: 2\nd: y\r";
        let f = parse(text);
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        let root = f.docs[0].root.unwrap();
        let li = LineIndex::new(text);
        let at = |key: &str| f.span(f.get_entry(root, key).unwrap().0).start;
        assert_eq!(li.line_col(text, at("b")), (2, 1));
        assert_eq!(li.line_col(text, at("c")), (3, 1));
        assert_eq!(li.line_col(text, at("d")), (4, 1));
        assert_eq!(li.line_col(text, f.span(f.get(root, "d").unwrap()).start), (4, 4));
        // The end of the file, after the last lone CR, starts a fifth (empty) line.
        assert_eq!(li.line_col(text, u32::try_from(text.len()).unwrap()), (5, 1));
        assert_eq!(li.line_bounds(text, 1), (0, 4), "without the lone CR");
        assert_eq!(li.line_bounds(text, 6), (5, 10), "the CR of a CRLF stays");
        let d = at("d") as usize;
        assert_eq!(li.utf16_position(text, d), (3, 0));
        assert_eq!(li.utf16_offset(text, 3, 0), d);
        assert_eq!(li.utf16_offset(text, 0, 99), 4, "clamped before the lone CR");
    }

    #[test]
    fn a_size_limit_stops_reading_and_is_not_a_syntax_error() {
        let text = "a: [1, 2]\n---\nb: [1, 2, 3, 4, 5, 6, 7, 8]\n---\nc: 1\n---\nd: [\n";
        let f = parse_limited(text, false, 10);
        assert!(f.errors.is_empty(), "valid YAML up to the limit: {:?}", f.errors);
        assert_eq!(f.docs.len(), 1, "the document past the limit and the rest are not read");
        let limit = f.limit.expect("the limit is recorded");
        assert_eq!(limit.offset as usize, text.find("---").unwrap(), "at the start of the document not read");
        assert_eq!(limit.message, "the file has more than 10 YAML nodes: this document and the rest of the file are not read");
        // Under the limit, nothing is recorded.
        assert!(parse_limited(text, false, 100).limit.is_none());
        assert!(parse(text).limit.is_none());
    }

    #[test]
    fn duplicate_keys_and_errors() {
        let f = parse("a: 1\na: 2\n---\nb: [\n---\nc: 3\n");
        assert_eq!(f.duplicate_keys.len(), 1);
        assert_eq!(f.errors.len(), 1);
        assert!(f.docs.iter().any(|d| d.root.map(|r| f.get(r, "c").is_some()).unwrap_or(false)));
    }
}

/// Whether a scalar is a template placeholder (`${VAR}`, `{{ .Values.x }}`, a whole `$VAR` as
/// envsubst fills it, `__NUM_NODES__`, `PLACEHOLDER_GPUS`) that a tool substitutes before
/// kubectl sees it: its type and value are not known yet.
pub fn is_placeholder(text: &str) -> bool {
    // Every form below holds `{`, `$`, `_` or `P`: most values hold none and stop here.
    if !text.bytes().any(|b| matches!(b, b'{' | b'$' | b'_' | b'P')) {
        return false;
    }
    let t = text.trim();
    let env_var = t.strip_prefix('$').is_some_and(|v| {
        v.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    // `__NUM_NODES__`, filled in by `sed` before the apply.
    let dunder = t.len() > 4
        && t.starts_with("__")
        && t.ends_with("__")
        && t[2..t.len() - 2].chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    text.contains("${") || text.contains("{{") || env_var || dunder || t.starts_with("PLACEHOLDER")
}

impl YamlFile {
    /// The node at `path` below `root`.
    pub fn lookup(&self, root: NodeId, path: &[Step]) -> Option<NodeId> {
        let mut cur = root;
        for p in path {
            cur = match p {
                Step::Key(k) => self.get(cur, k)?,
                Step::Index(i) => *self.seq_items(cur)?.get(*i)?,
            };
        }
        Some(cur)
    }

    /// The key node of the last step of `path` (the value's node for a list index).
    pub fn lookup_key(&self, root: NodeId, path: &[Step]) -> Option<NodeId> {
        let (last, parent) = path.split_last()?;
        let parent = self.lookup(root, parent)?;
        match last {
            Step::Key(k) => self.get_entry(parent, k).map(|(k, _)| k),
            Step::Index(i) => self.seq_items(parent)?.get(*i).copied(),
        }
    }

    /// Where to point for something missing at `path`: the key of the deepest mapping on the
    /// path that exists (the one that should hold it), or the start of `root`.
    pub fn missing_span(&self, root: NodeId, path: &[Step]) -> Span {
        let mut n = path.len().saturating_sub(1);
        loop {
            if n == 0 {
                return Span::at(self.span(root).start as usize);
            }
            if let Some(k) = self.lookup_key(root, &path[..n]) {
                if self.lookup(root, &path[..n]).map(|v| self.map_entries(v).is_some() || self.is_null(v)).unwrap_or(false) {
                    return self.span(k);
                }
            }
            n -= 1;
        }
    }
}

impl YamlFile {
    /// A canonical text of a subtree (mapping keys sorted, scalars by their typed value), to
    /// compare two definitions regardless of key order, quoting or flow style. Bounded: past
    /// `budget` nodes the text ends with `…` (two huge subtrees then compare by their start).
    pub fn canonical(&self, node: NodeId, budget: &mut usize) -> String {
        let mut out = String::new();
        self.canon(node, budget, &mut out);
        out
    }

    fn canon(&self, node: NodeId, budget: &mut usize, out: &mut String) {
        if *budget == 0 {
            out.push('…');
            return;
        }
        *budget -= 1;
        match &self.node(node).kind {
            NodeKind::Scalar { text, resolved, .. } => match resolved {
                scalar::Resolved::Str => {
                    out.push('"');
                    out.push_str(self.text(*text));
                    out.push('"');
                }
                scalar::Resolved::Null => out.push_str("null"),
                other => out.push_str(&format!("{other:?}")),
            },
            NodeKind::Seq(_) => {
                out.push('[');
                for &i in self.seq_items(node).unwrap_or(&[]) {
                    self.canon(i, budget, out);
                    out.push(',');
                }
                out.push(']');
            }
            NodeKind::Map(_) => {
                let entries = self.map_entries(node).unwrap_or(&[]);
                let mut sorted: Vec<(&str, NodeId)> = entries.iter().map(|(k, v)| (self.scalar(*k).unwrap_or(""), *v)).collect();
                sorted.sort_by(|a, b| a.0.cmp(b.0));
                out.push('{');
                for (k, v) in sorted {
                    out.push_str(k);
                    out.push(':');
                    self.canon(v, budget, out);
                    out.push(',');
                }
                out.push('}');
            }
        }
    }
}

#[cfg(test)]
mod size {
    #[test]
    fn nodes_stay_small() {
        // Nodes are most of a run's memory; a bigger node shows up in the benchmark at once.
        assert_eq!(std::mem::size_of::<super::Node>(), 32);
    }
}
