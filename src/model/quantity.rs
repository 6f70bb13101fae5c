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

/// The largest magnitude kept exactly: 10^29 units, in nano-units. A larger quantity is valid by
/// the grammar (`1e2147483647`, `9e18Ei`) and is clamped here rather than ignored: it is more than
/// any node holds, so the fit checks must still see it as "too large", not as "no request". The
/// limit is a whole number of units (a clamped GPU count is not "fractional") and leaves room
/// below `i128::MAX` for [`add`].
pub const LIMIT: i128 = 100_000_000_000_000_000_000_000_000_000 * NANO;

/// The exact value of a quantity in nano-units (`500m` = 500_000_000, `1Ki` = 1024 * 10^9),
/// clamped to `-LIMIT..=LIMIT`; None when it does not parse. An amount below one nano-unit
/// rounds up to one, as Kubernetes rounds it.
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
    let mut exp10: i64 = 9i64.saturating_sub(i64::try_from(frac.len()).unwrap_or(i64::MAX));
    let mut factor: u64 = 1;
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
        e => {
            // `e<int>` (is_valid checked the digits); an exponent beyond i64 saturates, which
            // clamps or rounds the value exactly as a merely huge one would.
            let (sign, exp) = match e.as_bytes().get(1) {
                Some(b'-') => (-1, &e[2..]),
                Some(b'+') => (1, &e[2..]),
                _ => (1, &e[1..]),
            };
            let n = exp.bytes().fold(0i64, |n, d| n.saturating_mul(10).saturating_add(i64::from(d - b'0')));
            exp10 = exp10.saturating_add(sign * n);
        }
    }
    let v = whole_nanos(int, frac, exp10, factor).unwrap_or_else(|| exact_nanos(int, frac, exp10, factor));
    Some(if neg { -v } else { v })
}

/// The usual quantity (`250m`, `8Gi`, `4`) in machine integers: a whole number of at most 18
/// digits whose value in nano-units is below [`LIMIT`]; None for any other (see
/// [`exact_nanos`], which gives the same value for these).
fn whole_nanos(int: &str, frac: &str, exp10: i64, factor: u64) -> Option<i128> {
    if !frac.is_empty() || int.is_empty() || int.len() > 18 {
        return None;
    }
    let exp = u32::try_from(exp10).ok().filter(|e| *e <= 38)?;
    // At most 18 digits: below 10^18, so none of this overflows.
    let n = int.bytes().fold(0i128, |n, d| n * 10 + i128::from(d - b'0'));
    let v = n.checked_mul(i128::from(factor))?.checked_mul(10i128.checked_pow(exp)?)?;
    (v <= LIMIT).then_some(v)
}

/// A quantity's magnitude in nano-units, clamped to [`LIMIT`], for any length of digits and
/// any exponent: `int.frac` * `factor` * 10^`exp10`.
fn exact_nanos(int: &str, frac: &str, exp10: i64, factor: u64) -> i128 {
    // The value is digits * factor * 10^exp10 nano-units. The digits are kept as decimal digits
    // and the exponent as a saturating i64, so no length of input or exponent overflows.
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).map(|d| d - b'0').collect();
    if factor > 1 {
        // digits *= factor, in decimal, least significant digit first.
        let mut carry: u128 = 0;
        for d in digits.iter_mut().rev() {
            let v = u128::from(*d) * u128::from(factor) + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        let mut high = Vec::new();
        while carry > 0 {
            high.push((carry % 10) as u8);
            carry /= 10;
        }
        high.reverse();
        high.extend(digits);
        digits = high;
    }
    let digits = &digits[digits.iter().position(|d| *d != 0).unwrap_or(digits.len())..];
    if digits.is_empty() {
        return 0;
    }
    // 10^29 units is 39 digits of nano-units: more digits than that are clamped.
    const MAX_DIGITS: usize = 39;
    let whole = |ds: &[u8]| -> i128 {
        if ds.len() > MAX_DIGITS {
            return LIMIT;
        }
        ds.iter().fold(0i128, |v, d| v.saturating_mul(10).saturating_add(i128::from(*d))).min(LIMIT)
    };
    if exp10 >= 0 {
        // exp10 >= 0 here; one past usize is past MAX_DIGITS anyway.
        let exp = usize::try_from(exp10).unwrap_or(usize::MAX);
        if digits.len().saturating_add(exp) > MAX_DIGITS {
            LIMIT
        } else {
            (0..exp10).fold(whole(digits), |v, _| v.saturating_mul(10)).min(LIMIT)
        }
    } else {
        // Below a nano-unit: Kubernetes rounds up (a non-zero amount is at least 1n).
        let drop = usize::try_from(exp10.unsigned_abs()).unwrap_or(usize::MAX);
        let keep = digits.len().saturating_sub(drop);
        let (high, low) = digits.split_at(keep);
        let up = low.iter().any(|d| *d != 0);
        whole(high).saturating_add(i128::from(up)).min(LIMIT)
    }
}

/// The sum of two nano-unit amounts, clamped like [`parse_nanos`]: sums of requests from a
/// manifest must not overflow, and a clamped request stays "too large".
pub fn add(a: i128, b: i128) -> i128 {
    a.saturating_add(b).clamp(-LIMIT, LIMIT)
}

/// A readable form of a nano-unit amount for a resource (`8Gi`, `1.5`, `500m`).
pub fn display(nanos: i128, resource: &str) -> String {
    // A clamped amount is not its exact value: say so rather than print the limit as if it were.
    if nanos >= LIMIT {
        return "1e29 or more".into();
    }
    if nanos <= -LIMIT {
        return "-1e29 or less".into();
    }
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
                return format!("{:.1}{unit}", display_ratio(b, size));
            }
        }
        return b.to_string();
    }
    if nanos % NANO == 0 {
        (nanos / NANO).to_string()
    } else if nanos % 1_000_000 == 0 {
        format!("{}m", nanos / 1_000_000)
    } else {
        format!("{}", display_ratio(nanos, NANO))
    }
}

/// `a / b` as a float, only to print it.
// Rounding is intended: past 2^53 an f64 is not exact, and the result is only displayed.
#[allow(clippy::cast_precision_loss)]
fn display_ratio(a: i128, b: i128) -> f64 {
    a as f64 / b as f64
}

#[cfg(test)]
mod arithmetic {
    use super::*;

    /// The machine-integer path gives what the decimal one does, wherever it gives a value.
    #[test]
    fn whole_numbers_the_short_way() {
        let ints = ["0", "1", "7", "10", "250", "999", "1024", "123456789012345678", "999999999999999999", "000000000000000001"];
        let mut short = 0;
        for int in ints {
            for exp10 in -10..=45 {
                for factor in [1u64, 1 << 10, 1 << 20, 1 << 30, 1 << 40, 1 << 50, 1 << 60] {
                    if let Some(v) = whole_nanos(int, "", exp10, factor) {
                        assert_eq!(v, exact_nanos(int, "", exp10, factor), "{int} * {factor} * 10^{exp10}");
                        short += 1;
                    }
                }
            }
            for suffix in ["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Gi", "Ei", "e3", "e-2", "e40"] {
                let q = format!("{int}{suffix}");
                assert_eq!(parse_nanos(&format!("-{q}")), parse_nanos(&q).map(|v| -v), "-{q}");
            }
        }
        assert!(short > 100, "the short way was taken {short} times");
        assert_eq!(whole_nanos("1", "5", 8, 1), None, "a fraction takes the decimal way");
        assert_eq!(whole_nanos("1234567890123456789", "", 9, 1), None, "so do more than 18 digits");
    }

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
        // Too large for any integer: clamped, whole, never an overflow.
        assert_eq!(parse_nanos("1e400"), Some(LIMIT));
        assert_eq!(parse_nanos("1e2147483647"), Some(LIMIT));
        assert_eq!(parse_nanos("1e99999999999999999999999"), Some(LIMIT));
        assert_eq!(parse_nanos("-1e2147483647"), Some(-LIMIT));
        assert_eq!(parse_nanos("9000000000000000000Ei"), Some(LIMIT));
        // An exponent and a suffix together are no quantity ([`InvalidFieldValue`](crate::rules::RuleId::InvalidFieldValue) reports it).
        assert_eq!(parse_nanos("9e18Ei"), None);
        assert_eq!(parse_nanos(&format!("{}Ei", "9".repeat(60))), Some(LIMIT));
        assert_eq!(parse_nanos("1e29"), Some(LIMIT));
        assert_eq!(parse_nanos("99999999999999999999999999999"), Some(LIMIT - NANO));
        assert_eq!(LIMIT % NANO, 0);
        assert_eq!(display(LIMIT, "nvidia.com/gpu"), "1e29 or more");
        assert_eq!(add(LIMIT, LIMIT), LIMIT);
        assert_eq!(add(LIMIT, -LIMIT), 0);
        // Zero stays zero however it is written; below a nano-unit rounds up to one.
        assert_eq!(parse_nanos("0e2147483647"), Some(0));
        assert_eq!(parse_nanos("0.000Ei"), Some(0));
        assert_eq!(parse_nanos("1e-2147483648"), Some(1));
        assert_eq!(parse_nanos("1e-99999999999999999999999"), Some(1));
        assert_eq!(parse_nanos("0.0000000001Ki"), Some(103));
        assert_eq!(parse_nanos("1.5n"), Some(2));
        assert_eq!(parse_nanos(&format!("1.{}1", "0".repeat(60))), Some(NANO + 1));
        assert_eq!(parse_nanos(&format!("0.{}5Mi", "0".repeat(60))), Some(1));
        // Long mantissas that are exact after the suffix.
        assert_eq!(parse_nanos(&format!("{}1e-40", "0".repeat(50))), Some(1));
        assert_eq!(parse_nanos(&format!("1{}e-40", "0".repeat(40))), Some(NANO));
    }
}
