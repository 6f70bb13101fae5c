//! Scalar typing as `kubectl apply` sees it.
//!
//! kubectl converts YAML to JSON with go-yaml v2, which follows YAML 1.1 for plain
//! (unquoted) scalars: `yes`/`no`/`on`/`off`/`y`/`n` are booleans, `0x1F` and `010`
//! are integers, `~` is null. A quoted or block scalar is always a string.

/// What a scalar resolves to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resolved {
    Null,
    Bool(bool),
    /// An integer that fits in i64 (larger ones resolve as floats, as no Kubernetes field is
    /// an unsigned 64-bit integer).
    Int(i64),
    Float(f64),
    Str,
}

impl Resolved {
    /// A short description for messages ("the number 4", "the boolean true").
    pub fn describe(&self, text: &str) -> String {
        match self {
            Resolved::Null => "null".to_string(),
            Resolved::Bool(_) => format!("the boolean `{text}`"),
            Resolved::Int(_) | Resolved::Float(_) => format!("the number `{text}`"),
            Resolved::Str => format!("the string `{}`", crate::util::ellipsize(text, 40)),
        }
    }
}

/// Resolves a plain scalar by go-yaml v2's (YAML 1.1) rules.
pub fn resolve_plain(s: &str) -> Resolved {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => return Resolved::Bool(true),
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => return Resolved::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        _ => {}
    }
    let first = match s.as_bytes().first() {
        Some(b) => *b,
        None => return Resolved::Null,
    };
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return Resolved::Str;
    }
    if let Some(i) = parse_int(s) {
        return Resolved::Int(i);
    }
    if is_float(s) {
        let cleaned: String = s.chars().filter(|c| *c != '_').collect();
        if let Ok(f) = cleaned.parse::<f64>() {
            return Resolved::Float(f);
        }
    }
    Resolved::Str
}

/// go-yaml v2: strconv.ParseInt(s, 0, 64) after removing `_`, then ParseUint.
fn parse_int(s: &str) -> Option<i64> {
    let cleaned: String = s.chars().filter(|c| *c != '_').collect();
    let (neg, body) = match cleaned.as_bytes().first() {
        Some(b'-') => (true, &cleaned[1..]),
        Some(b'+') => (false, &cleaned[1..]),
        _ => (false, cleaned.as_str()),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits) = if let Some(rest) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        (16, rest)
    } else if let Some(rest) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        (2, rest)
    } else if let Some(rest) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
        (8, rest)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = i128::from(u64::from_str_radix(digits, radix).ok()?);
    let v = if neg { -v } else { v };
    i64::try_from(v).ok()
}

/// The YAML 1.1 float pattern go-yaml v2 uses: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-') | Some(b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && (b[*i].is_ascii_digit() || b[*i] == b'_') {
            *i += 1;
        }
        *i > start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    } else {
        if !digits(&mut i) {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e') | Some(b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-') | Some(b'+')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_rules() {
        assert_eq!(resolve_plain("yes"), Resolved::Bool(true));
        assert_eq!(resolve_plain("off"), Resolved::Bool(false));
        assert_eq!(resolve_plain("~"), Resolved::Null);
        assert_eq!(resolve_plain("0x1F"), Resolved::Int(31));
        assert_eq!(resolve_plain("010"), Resolved::Int(8));
        assert_eq!(resolve_plain("1_000"), Resolved::Int(1000));
        assert_eq!(resolve_plain("-3"), Resolved::Int(-3));
        assert_eq!(resolve_plain("1.5"), Resolved::Float(1.5));
        assert_eq!(resolve_plain("1e3"), Resolved::Float(1000.0));
        assert_eq!(resolve_plain("99999999999999999999"), Resolved::Float(1e20));
        assert_eq!(resolve_plain("1.2.3"), Resolved::Str);
        assert_eq!(resolve_plain("512Mi"), Resolved::Str);
        assert_eq!(resolve_plain("09"), Resolved::Float(9.0));
        assert_eq!(resolve_plain("2024-01-01"), Resolved::Str);
        assert_eq!(resolve_plain("-"), Resolved::Str);
        assert_eq!(resolve_plain("."), Resolved::Str);
    }
}
