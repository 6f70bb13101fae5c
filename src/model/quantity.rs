//! Kubernetes resource quantities (`500m`, `1.5Gi`, `2e3`): k8s-openapi accepts any string,
//! the API server does not.

/// Whether `s` parses as a Kubernetes quantity (apimachinery's ParseQuantity grammar):
/// `<sign><digits>[.<digits>]<suffix>` with suffix one of the binary SI (`Ki` .. `Ei`),
/// decimal SI (`n u m "" k M G T P E`) or a decimal exponent (`e3`, `E-2`).
pub fn is_valid(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+') | Some(b'-')) {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - int_start;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return false;
    }
    let suffix = &s[i..];
    match suffix {
        "" | "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => true,
        _ => {
            let Some(exp) = suffix.strip_prefix('e').or_else(|| suffix.strip_prefix('E')) else {
                return false;
            };
            let exp = exp.strip_prefix('+').or_else(|| exp.strip_prefix('-')).unwrap_or(exp);
            !exp.is_empty() && exp.bytes().all(|c| c.is_ascii_digit())
        }
    }
}

/// A hint for a common mistake (`512MB` -> `512M`, `1.5 Gi` -> `1.5Gi`).
pub fn suggestion(s: &str) -> Option<String> {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if t != s && is_valid(&t) {
        return Some(t);
    }
    for (bad, good) in [
        ("KB", "k"),
        ("MB", "M"),
        ("GB", "G"),
        ("TB", "T"),
        ("KiB", "Ki"),
        ("MiB", "Mi"),
        ("GiB", "Gi"),
        ("TiB", "Ti"),
        ("K", "k"),
        ("kb", "k"),
        ("mb", "M"),
        ("gb", "G"),
        ("gi", "Gi"),
        ("mi", "Mi"),
        ("ki", "Ki"),
    ] {
        if let Some(n) = t.strip_suffix(bad) {
            let cand = format!("{n}{good}");
            if is_valid(&cand) {
                return Some(cand);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        for ok in ["1", "500m", "1.5Gi", "2e3", "0.5", ".5", "1E-2", "+1", "128974848", "129e6", "123Mi", "1k"] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in ["512MB", "1.5 Gi", "two", "", "Gi", "1K", "1e", "1.2.3", "-", "1mi"] {
            assert!(!is_valid(bad), "{bad}");
        }
        assert_eq!(suggestion("512MB").as_deref(), Some("512M"));
        assert_eq!(suggestion("1.5 Gi").as_deref(), Some("1.5Gi"));
    }
}
