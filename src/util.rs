//! Small helpers shared by several stages.

/// Shortens `s` to at most `max` characters, adding `…` when cut.
pub fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Levenshtein distance (`strsim`), ignoring ASCII case, bounded: returns None when above `limit`.
pub fn edit_distance(a: &str, b: &str, limit: usize) -> Option<usize> {
    if a.chars().count().abs_diff(b.chars().count()) > limit {
        return None;
    }
    let d = strsim::levenshtein(&a.to_ascii_lowercase(), &b.to_ascii_lowercase());
    (d <= limit).then_some(d)
}

/// The closest candidate within edit distance 2, if exactly one is closest.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &'a str)> = None;
    let mut tie = false;
    for c in candidates {
        if let Some(d) = edit_distance(word, c, 2) {
            match best {
                Some((bd, _)) if d > bd => {}
                Some((bd, _)) if d == bd => tie = true,
                _ => {
                    best = Some((d, c));
                    tie = false;
                }
            }
        }
    }
    match best {
        Some((_, c)) if !tie => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("replica", "replicas", 2), Some(1));
        assert_eq!(edit_distance("contianers", "containers", 2), Some(2));
        assert_eq!(edit_distance("foo", "barbaz", 2), None);
        assert_eq!(did_you_mean("replica", ["replicas", "selector"]), Some("replicas"));
        assert_eq!(did_you_mean("xyz", ["replicas"]), None);
        // ASCII case is not a difference; other characters count once each.
        assert_eq!(edit_distance("ContainerPort", "containerport", 0), Some(0));
        assert_eq!(edit_distance("naïve", "naive", 2), Some(1));
        assert_eq!(did_you_mean("imagepullpolicy", ["imagePullPolicy", "imagePullSecrets"]), Some("imagePullPolicy"));
        // Two candidates equally close: no suggestion.
        assert_eq!(did_you_mean("cat", ["bat", "hat"]), None);
    }
}
