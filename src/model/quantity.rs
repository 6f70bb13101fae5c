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

/// Units of 10^-9: every Kubernetes quantity is a whole number of nano-units.
pub const NANO: i128 = 1_000_000_000;

/// The exact value of a quantity in nano-units (`500m` = 500_000_000, `1Ki` = 1024 * 10^9),
/// or None when it does not parse or does not fit (beyond ~10^29).
pub fn parse_nanos(s: &str) -> Option<i128> {
    let s = s.trim();
    if !is_valid(s) {
        return None;
    }
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let num_end = body.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(body.len());
    let (num, suffix) = body.split_at(num_end);
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    // The number as a whole mantissa and a power of ten.
    let digits = format!("{int}{frac}");
    let mut mantissa: i128 = 0;
    for d in digits.bytes() {
        mantissa = mantissa.checked_mul(10)?.checked_add(i128::from(d - b'0'))?;
    }
    let mut exp10: i32 = -(frac.len() as i32) + 9;
    let mut factor: i128 = 1;
    match suffix {
        "" => {}
        "n" => exp10 -= 9,
        "u" => exp10 -= 6,
        "m" => exp10 -= 3,
        "k" => exp10 += 3,
        "M" => exp10 += 6,
        "G" => exp10 += 9,
        "T" => exp10 += 12,
        "P" => exp10 += 15,
        "E" => exp10 += 18,
        "Ki" => factor = 1 << 10,
        "Mi" => factor = 1 << 20,
        "Gi" => factor = 1 << 30,
        "Ti" => factor = 1 << 40,
        "Pi" => factor = 1 << 50,
        "Ei" => factor = 1 << 60,
        e => exp10 += e[1..].parse::<i32>().ok()?,
    }
    let mut v = mantissa.checked_mul(factor)?;
    if exp10 >= 0 {
        for _ in 0..exp10 {
            v = v.checked_mul(10)?;
        }
    } else {
        // Below a nano-unit: Kubernetes rounds up.
        let mut div: i128 = 1;
        for _ in 0..(-exp10) {
            div = div.checked_mul(10)?;
        }
        v = (v + div - 1) / div;
    }
    Some(if neg { -v } else { v })
}

/// A readable form of a nano-unit amount for a resource (`8Gi`, `1.5`, `500m`).
pub fn display(nanos: i128, resource: &str) -> String {
    let bytes = matches!(resource, "memory" | "ephemeral-storage" | "storage") || resource.starts_with("hugepages-");
    if bytes && nanos % NANO == 0 {
        let b = nanos / NANO;
        for (unit, size) in [("Ti", 1i128 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] {
            if b >= size && b % size == 0 {
                return format!("{}{unit}", b / size);
            }
        }
        for (unit, size) in [("Ti", 1i128 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20)] {
            if b >= size {
                return format!("{:.1}{unit}", b as f64 / size as f64);
            }
        }
        return b.to_string();
    }
    if nanos % NANO == 0 {
        (nanos / NANO).to_string()
    } else if nanos % 1_000_000 == 0 {
        format!("{}m", nanos / 1_000_000)
    } else {
        format!("{}", nanos as f64 / NANO as f64)
    }
}

#[cfg(test)]
mod arithmetic {
    use super::*;

    #[test]
    fn exact_values() {
        assert_eq!(parse_nanos("1"), Some(NANO));
        assert_eq!(parse_nanos("500m"), Some(NANO / 2));
        assert_eq!(parse_nanos("0.5"), Some(NANO / 2));
        assert_eq!(parse_nanos("1Ki"), Some(1024 * NANO));
        assert_eq!(parse_nanos("1.5Gi"), Some(3 * (1 << 29) * NANO));
        assert_eq!(parse_nanos("2k"), Some(2000 * NANO));
        assert_eq!(parse_nanos("1e3"), Some(1000 * NANO));
        assert_eq!(parse_nanos("1E-3"), Some(NANO / 1000));
        assert_eq!(parse_nanos("129e6"), Some(129_000_000 * NANO));
        assert_eq!(parse_nanos("1n"), Some(1));
        assert_eq!(parse_nanos("-1"), Some(-NANO));
        assert_eq!(parse_nanos("8Gi").map(|v| display(v, "memory")).as_deref(), Some("8Gi"));
        assert_eq!(parse_nanos("250m").map(|v| display(v, "cpu")).as_deref(), Some("250m"));
        assert_eq!(parse_nanos("512MB"), None);
        assert_eq!(parse_nanos("1e400"), None);
    }
}
