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

/// Levenshtein distance, bounded: returns None when above `limit`.
pub fn edit_distance(a: &str, b: &str, limit: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(!ca.eq_ignore_ascii_case(cb));
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
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
    }
}

/// Maps `f` over `items` on `threads` threads; results keep the input order, so the output is
/// the same whatever the thread count.
pub fn par_map<T: Send, R: Send>(items: Vec<T>, threads: usize, f: impl Fn(usize, T) -> R + Sync) -> Vec<R> {
    let n = items.len();
    if threads <= 1 || n < 2 {
        return items.into_iter().enumerate().map(|(i, t)| f(i, t)).collect();
    }
    let slots: Vec<std::sync::Mutex<Option<T>>> = items.into_iter().map(|t| std::sync::Mutex::new(Some(t))).collect();
    let results: Vec<std::sync::Mutex<Option<R>>> = (0..n).map(|_| std::sync::Mutex::new(None)).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.min(n) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let item = slots[i].lock().ok().and_then(|mut s| s.take());
                if let Some(item) = item {
                    let r = f(i, item);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(r);
                    }
                }
            });
        }
    });
    results.into_iter().filter_map(|m| m.into_inner().ok().flatten()).collect()
}

/// Threads to use: `KSHAPE_THREADS`/`--threads`, else the available cores.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}
