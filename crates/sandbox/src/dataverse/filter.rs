//! `$filter` and `$orderby`: the OData subset Dataverse documents (webapi/query/filter-rows.md):
//! `eq ne gt ge lt le`, `and or not`, parentheses, `contains startswith endswith`, literals
//! (quoted strings with `''` escapes, numbers, `true false null`, unquoted GUIDs and date-times,
//! namespaced enum members), property paths through a lookup (`primarycontactid/fullname`).
//! String comparison is case-insensitive. Evaluation is generic over what a path resolves to, so the
//! same parser serves rows and metadata.

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate};
use uuid::Uuid;

use super::errors::{ApiError, ApiResult};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    Null,
    Bool(bool),
    Int(i64),
    Num(f64),
    Str(String),
    Guid(Uuid),
    /// Seconds since the epoch.
    Time(i64),
    /// `Namespace.Type'Member'`: compared as the member's name.
    Enum(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    Path(Vec<String>),
    Lit(Lit),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Cmp {
    pub(crate) fn kind(self) -> &'static str {
        match self {
            Cmp::Eq => "Equal",
            Cmp::Ne => "NotEqual",
            Cmp::Gt => "GreaterThan",
            Cmp::Ge => "GreaterThanOrEqual",
            Cmp::Lt => "LessThan",
            Cmp::Le => "LessThanOrEqual",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare(Cmp, Operand, Operand),
    Call(Func, Operand, Operand),
}

impl Expr {
    /// Every property path the expression reads, with the literal it is compared to, if any.
    pub(crate) fn paths(&self) -> Vec<(&[String], Option<&Lit>, &'static str)> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<(&'a [String], Option<&'a Lit>, &'static str)>) {
        match self {
            Expr::Or(a, b) | Expr::And(a, b) => {
                a.collect(out);
                b.collect(out);
            }
            Expr::Not(a) => a.collect(out),
            Expr::Compare(cmp, l, r) => pair(l, r, cmp.kind(), out),
            Expr::Call(_, l, r) => pair(l, r, "Call", out),
        }
    }
}

fn pair<'a>(
    l: &'a Operand,
    r: &'a Operand,
    kind: &'static str,
    out: &mut Vec<(&'a [String], Option<&'a Lit>, &'static str)>,
) {
    match (l, r) {
        (Operand::Path(p), Operand::Lit(lit)) | (Operand::Lit(lit), Operand::Path(p)) => {
            out.push((p, Some(lit), kind));
        }
        (Operand::Path(a), Operand::Path(b)) => {
            out.push((a, None, kind));
            out.push((b, None, kind));
        }
        (Operand::Lit(_), Operand::Lit(_)) => {}
    }
}

/// A resolved value to compare.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Num(f64),
    Str(Cow<'a, str>),
    Guid(Uuid),
    Time(i64),
}

impl Val<'_> {
    fn from_lit(lit: &Lit) -> Val<'_> {
        match lit {
            Lit::Null => Val::Null,
            Lit::Bool(b) => Val::Bool(*b),
            Lit::Int(i) => Val::Int(*i),
            Lit::Num(n) => Val::Num(*n),
            Lit::Str(s) | Lit::Enum(s) => Val::Str(Cow::Borrowed(s)),
            Lit::Guid(g) => Val::Guid(*g),
            Lit::Time(t) => Val::Time(*t),
        }
    }

    /// Orders two values of the same kind; strings ignore case. `None` when they cannot be
    /// compared (different kinds, or a null).
    pub(crate) fn order(&self, other: &Val<'_>) -> Option<Ordering> {
        match (self, other) {
            (Val::Bool(a), Val::Bool(b)) => Some(a.cmp(b)),
            (Val::Int(a), Val::Int(b)) => Some(a.cmp(b)),
            (Val::Int(a), Val::Num(b)) => (*a as f64).partial_cmp(b),
            (Val::Num(a), Val::Int(b)) => a.partial_cmp(&(*b as f64)),
            (Val::Num(a), Val::Num(b)) => a.partial_cmp(b),
            (Val::Str(a), Val::Str(b)) => Some(compare_ignoring_case(a, b)),
            (Val::Guid(a), Val::Guid(b)) => Some(a.cmp(b)),
            (Val::Time(a), Val::Time(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

fn compare_ignoring_case(a: &str, b: &str) -> Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

/// Evaluates `expr`, resolving each property path with `resolve`. Like the SQL Dataverse runs on,
/// a comparison with a null (other than `eq null` / `ne null`) is unknown, and only rows for which
/// the whole filter is true match.
pub(crate) fn eval<'a>(expr: &Expr, resolve: &mut dyn FnMut(&[String]) -> Val<'a>) -> bool {
    truth(expr, resolve) == Some(true)
}

fn truth<'a>(expr: &Expr, resolve: &mut dyn FnMut(&[String]) -> Val<'a>) -> Option<bool> {
    match expr {
        Expr::Or(a, b) => match (truth(a, resolve), truth(b, resolve)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        Expr::And(a, b) => match (truth(a, resolve), truth(b, resolve)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        Expr::Not(a) => truth(a, resolve).map(|t| !t),
        Expr::Compare(cmp, l, r) => {
            let null_check =
                matches!(l, Operand::Lit(Lit::Null)) || matches!(r, Operand::Lit(Lit::Null));
            let (l, r) = (operand(l, resolve), operand(r, resolve));
            if null_check {
                let both_null = l == Val::Null && r == Val::Null;
                return match cmp {
                    Cmp::Eq => Some(both_null),
                    Cmp::Ne => Some(!both_null),
                    _ => None,
                };
            }
            let o = l.order(&r)?;
            Some(match cmp {
                Cmp::Eq => o.is_eq(),
                Cmp::Ne => o.is_ne(),
                Cmp::Gt => o.is_gt(),
                Cmp::Ge => o.is_ge(),
                Cmp::Lt => o.is_lt(),
                Cmp::Le => o.is_le(),
            })
        }
        Expr::Call(func, l, r) => {
            let (Val::Str(hay), Val::Str(needle)) = (operand(l, resolve), operand(r, resolve))
            else {
                return None;
            };
            let (hay, needle) = (hay.to_lowercase(), needle.to_lowercase());
            Some(match func {
                Func::Contains => hay.contains(&needle),
                Func::StartsWith => hay.starts_with(&needle),
                Func::EndsWith => hay.ends_with(&needle),
            })
        }
    }
}

fn operand<'a>(op: &Operand, resolve: &mut dyn FnMut(&[String]) -> Val<'a>) -> Val<'a> {
    match op {
        Operand::Path(p) => resolve(p),
        Operand::Lit(l) => match Val::from_lit(l) {
            Val::Str(s) => Val::Str(Cow::Owned(s.into_owned())),
            other => other.into_owned(),
        },
    }
}

impl Val<'_> {
    fn into_owned<'b>(self) -> Val<'b> {
        match self {
            Val::Null => Val::Null,
            Val::Bool(b) => Val::Bool(b),
            Val::Int(i) => Val::Int(i),
            Val::Num(n) => Val::Num(n),
            Val::Str(s) => Val::Str(Cow::Owned(s.into_owned())),
            Val::Guid(g) => Val::Guid(g),
            Val::Time(t) => Val::Time(t),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Comma,
    Slash,
    Str(String),
    Word(String),
    Enum(String),
}

fn tokenize(text: &str) -> ApiResult<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\r' | '\n' => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            '/' => {
                tokens.push(Token::Slash);
                i += 1;
            }
            '\'' => {
                let (s, next) = quoted(&chars, i)?;
                tokens.push(Token::Str(s));
                i = next;
            }
            _ if is_word(c) => {
                let start = i;
                while i < chars.len() && is_word(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if i < chars.len() && chars[i] == '\'' {
                    let (member, next) = quoted(&chars, i)?;
                    tokens.push(Token::Enum(member));
                    i = next;
                } else {
                    tokens.push(Token::Word(word));
                }
            }
            _ => {
                return Err(ApiError::bad_query(format!(
                    "Syntax error: character '{c}' is not valid at position {i} in '{text}'."
                )));
            }
        }
    }
    Ok(tokens)
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | ':' | '-' | '+' | '@' | '$')
}

fn quoted(chars: &[char], start: usize) -> ApiResult<(String, usize)> {
    let mut out = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => {
                return Err(ApiError::bad_query(format!(
                    "There is an unterminated string literal at position {start}."
                )));
            }
            Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                out.push('\'');
                i += 2;
            }
            Some('\'') => return Ok((out, i + 1)),
            Some(c) => {
                out.push(*c);
                i += 1;
            }
        }
    }
}

/// Parses a `$filter` expression.
pub(crate) fn parse(text: &str) -> ApiResult<Expr> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        text,
    };
    let expr = parser.or()?;
    if parser.at != parser.tokens.len() {
        return Err(parser.error());
    }
    Ok(expr)
}

struct Parser<'t> {
    tokens: Vec<Token>,
    at: usize,
    text: &'t str,
}

impl Parser<'_> {
    fn error(&self) -> ApiError {
        ApiError::bad_query(format!(
            "Syntax error at position {} in '{}'.",
            self.at, self.text
        ))
    }

    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Word(w)) if w == word)
    }

    fn or(&mut self) -> ApiResult<Expr> {
        let mut left = self.and()?;
        while self.peek_word("or") {
            self.at += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> ApiResult<Expr> {
        let mut left = self.unary()?;
        while self.peek_word("and") {
            self.at += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> ApiResult<Expr> {
        if self.peek_word("not") {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.tokens.get(self.at) == Some(&Token::Open) {
            self.at += 1;
            let inner = self.or()?;
            self.expect(&Token::Close)?;
            return Ok(inner);
        }
        if let Some(Token::Word(w)) = self.tokens.get(self.at) {
            let func = match w.as_str() {
                "contains" => Some(Func::Contains),
                "startswith" => Some(Func::StartsWith),
                "endswith" => Some(Func::EndsWith),
                _ => None,
            };
            if let Some(func) = func
                && self.tokens.get(self.at + 1) == Some(&Token::Open)
            {
                self.at += 2;
                let a = self.operand()?;
                self.expect(&Token::Comma)?;
                let b = self.operand()?;
                self.expect(&Token::Close)?;
                return Ok(Expr::Call(func, a, b));
            }
        }
        let left = self.operand()?;
        let cmp = match self.tokens.get(self.at) {
            Some(Token::Word(w)) => match w.as_str() {
                "eq" => Cmp::Eq,
                "ne" => Cmp::Ne,
                "gt" => Cmp::Gt,
                "ge" => Cmp::Ge,
                "lt" => Cmp::Lt,
                "le" => Cmp::Le,
                _ => return Err(self.error()),
            },
            _ => return Err(self.error()),
        };
        self.at += 1;
        let right = self.operand()?;
        Ok(Expr::Compare(cmp, left, right))
    }

    fn expect(&mut self, token: &Token) -> ApiResult<()> {
        if self.tokens.get(self.at) == Some(token) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn operand(&mut self) -> ApiResult<Operand> {
        let token = self
            .tokens
            .get(self.at)
            .cloned()
            .ok_or_else(|| self.error())?;
        self.at += 1;
        match token {
            Token::Str(s) => Ok(Operand::Lit(Lit::Str(s))),
            Token::Enum(member) => Ok(Operand::Lit(Lit::Enum(member))),
            Token::Word(w) => {
                if let Some(lit) = literal(&w) {
                    return Ok(Operand::Lit(lit));
                }
                let mut path = vec![w];
                while self.tokens.get(self.at) == Some(&Token::Slash) {
                    match self.tokens.get(self.at + 1) {
                        Some(Token::Word(next)) => {
                            path.push(next.clone());
                            self.at += 2;
                        }
                        _ => return Err(self.error()),
                    }
                }
                Ok(Operand::Path(path))
            }
            _ => Err(self.error()),
        }
    }
}

fn literal(word: &str) -> Option<Lit> {
    match word {
        "null" => return Some(Lit::Null),
        "true" => return Some(Lit::Bool(true)),
        "false" => return Some(Lit::Bool(false)),
        _ => {}
    }
    if word.len() == 36
        && let Ok(guid) = Uuid::parse_str(word)
    {
        return Some(Lit::Guid(guid));
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(word) {
        return Some(Lit::Time(at.timestamp()));
    }
    if let Ok(day) = NaiveDate::parse_from_str(word, "%Y-%m-%d") {
        return Some(Lit::Time(day.and_hms_opt(0, 0, 0)?.and_utc().timestamp()));
    }
    let first = word.chars().next()?;
    if first.is_ascii_digit() || first == '-' {
        let trimmed = word.trim_end_matches(['m', 'M', 'd', 'D', 'L', 'l']);
        if let Ok(i) = trimmed.parse::<i64>() {
            return Some(Lit::Int(i));
        }
        if let Ok(n) = trimmed.parse::<f64>() {
            return Some(Lit::Num(n));
        }
    }
    None
}

/// One `$orderby` key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OrderKey {
    pub(crate) path: Vec<String>,
    pub(crate) descending: bool,
}

pub(crate) fn parse_order(text: &str) -> ApiResult<Vec<OrderKey>> {
    text.split(',')
        .map(|part| {
            let mut words = part.split_whitespace();
            let path = words.next().ok_or_else(|| {
                ApiError::bad_query(format!("Syntax error in $orderby '{text}'."))
            })?;
            let descending = match words.next() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(other) => {
                    return Err(ApiError::bad_query(format!(
                        "Syntax error in $orderby '{text}': '{other}' is neither asc nor desc."
                    )));
                }
            };
            Ok(OrderKey {
                path: path.split('/').map(str::to_owned).collect(),
                descending,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(filter: &str, props: &[(&str, Val<'static>)]) -> bool {
        let expr = parse(filter).unwrap();
        eval(&expr, &mut |path| {
            let name = path.join("/");
            props
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or(Val::Null)
        })
    }

    #[test]
    fn string_comparison_ignores_case_and_quotes_are_doubled() {
        let props = [("lastname", Val::Str("O'Bryan".into()))];
        assert!(run("lastname eq 'o''bryan'", &props));
        assert!(run(
            "startswith(lastname,'O''B') and not endswith(lastname,'x')",
            &props
        ));
        assert!(run("contains(lastname,'BRY')", &props));
    }

    #[test]
    fn precedence_binds_and_before_or() {
        let props = [("a", Val::Int(1)), ("b", Val::Int(2))];
        assert!(run("a eq 5 and b eq 5 or a eq 1", &props));
        assert!(!run("a eq 5 and (b eq 5 or a eq 1)", &props));
    }

    #[test]
    fn unquoted_dates_guids_and_enum_members_are_literals() {
        let id = Uuid::from_u128(42);
        let props = [
            ("modifiedon", Val::Time(1_700_000_000)),
            ("_ownerid_value", Val::Guid(id)),
            ("AttributeType", Val::Str("Picklist".into())),
        ];
        assert!(run("modifiedon gt 2023-01-01T00:00:00Z", &props));
        assert!(run("modifiedon lt 2024-01-01", &props));
        assert!(run(&format!("_ownerid_value eq {id}"), &props));
        assert!(run(
            "AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'",
            &props
        ));
    }

    #[test]
    fn null_equals_only_null_and_is_unknown_to_everything_else() {
        let props = [("a", Val::Null), ("b", Val::Int(1))];
        assert!(run("a eq null", &props));
        assert!(!run("a ne null", &props));
        assert!(!run("a gt 3", &props), "null is not greater than anything");
        assert!(
            !run("not (a gt 3)", &props),
            "nor is it not greater: the comparison is unknown"
        );
        assert!(!run("not contains(a,'x')", &props));
        assert!(
            run("not contains(a,'x') or b eq 1", &props),
            "unknown or true is true"
        );
        assert!(!run("a ne 3", &props), "ne does not match nulls, as in SQL");
    }

    #[test]
    fn malformed_filters_are_refused() {
        for bad in [
            "name eq",
            "name eqq 'x'",
            "(name eq 'x'",
            "contains(name)",
            "name eq 'open",
        ] {
            assert!(parse(bad).is_err(), "{bad} must not parse");
        }
    }
}
