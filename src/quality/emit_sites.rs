//! Test-only: finds every issue code `src/` raises, so the catalogue can be compared with the
//! code both ways.
//!
//! An issue code is a `&'static str`, so each one is a string literal somewhere in `src/`. The
//! scanner splits each file into tokens (skipping comments and `#[cfg(test)]` items) and reads
//! the literals where codes are written:
//! - the code argument of `Issue::new` and of the helpers that build issues or cell problems
//!   ([`HELPERS`]);
//! - tuples `(Severity::X, "code", ...)` that a `match` hands on to `Issue::new`;
//! - `("code", "message")` pairs, in the files [`FORWARDERS`] says are fed by them.
//!
//! A call whose code argument is not a literal passes on a code chosen elsewhere. Each such
//! call is listed in [`FORWARDERS`] with where its codes come from; a new one fails the test
//! until it is listed, so a new way of passing codes cannot hide codes from the scan.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::catalogue::{rule, rules};
use super::Severity;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
    /// Numbers, char literals and lifetimes.
    Other,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

/// Splits Rust source into tokens, dropping comments and whitespace.
fn tokenise(src: &str) -> Vec<Token> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0usize, 1usize);
    let ident_char = |ch: char| ch.is_alphanumeric() || ch == '_';
    while i < c.len() {
        let ch = c[i];
        let start_line = line;
        let mut push = |tok: Tok| out.push(Token { tok, line: start_line });
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(c[i] == '\n');
                    i += 1;
                }
            }
        } else if ch == '"' {
            let (text, next) = quoted(&c, i + 1, &mut line);
            push(Tok::Str(text));
            i = next;
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && ident_char(c[i]) {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            let raw = matches!(word.as_str(), "r" | "br" | "cr");
            if raw && i < c.len() && (c[i] == '"' || c[i] == '#') {
                let hashes = c[i..].iter().take_while(|&&h| h == '#').count();
                let open = i + hashes;
                let mut j = open + 1;
                while j < c.len() && !(c[j] == '"' && c[j + 1..].iter().take(hashes).filter(|&&h| h == '#').count() == hashes) {
                    line += usize::from(c[j] == '\n');
                    j += 1;
                }
                push(Tok::Str(c[open + 1..j.min(c.len())].iter().collect()));
                i = j + 1 + hashes;
            } else if matches!(word.as_str(), "b" | "c") && c.get(i) == Some(&'"') {
                let (text, next) = quoted(&c, i + 1, &mut line);
                push(Tok::Str(text));
                i = next;
            } else {
                push(Tok::Ident(word));
            }
        } else if ch.is_ascii_digit() {
            while i < c.len() && ident_char(c[i]) {
                i += 1;
            }
            push(Tok::Other);
        } else if ch == '\'' {
            if c.get(i + 1) == Some(&'\\') {
                // An escaped char literal: skip the escaped character, then to the closing quote.
                i += 3;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
                while i < c.len() && ident_char(c[i]) {
                    i += 1;
                }
            }
            push(Tok::Other);
        } else {
            push(Tok::Punct(ch));
            i += 1;
        }
    }
    out
}

/// A string literal's text from `i` (just after the opening quote); returns it, unescaped only
/// as far as codes need, and the position after the closing quote.
fn quoted(c: &[char], mut i: usize, line: &mut usize) -> (String, usize) {
    let mut text = String::new();
    while i < c.len() && c[i] != '"' {
        if c[i] == '\\' {
            text.push(c[i]);
            i += 1;
        }
        if i < c.len() {
            *line += usize::from(c[i] == '\n');
            text.push(c[i]);
            i += 1;
        }
    }
    (text, i + 1)
}

fn is(t: &Token, tok: &Tok) -> bool {
    t.tok == *tok
}

fn ident(s: &str) -> Tok {
    Tok::Ident(s.to_string())
}

/// Whether the tokens at `at` are exactly `pattern`.
fn matches_at(toks: &[Token], at: usize, pattern: &[Tok]) -> bool {
    toks.len() >= at + pattern.len() && pattern.iter().enumerate().all(|(k, p)| is(&toks[at + k], p))
}

/// The tokens without `#[cfg(test)]` items (test modules and test-only declarations).
fn without_test_items(toks: Vec<Token>) -> Vec<Token> {
    let cfg_test = [Tok::Punct('#'), Tok::Punct('['), ident("cfg"), Tok::Punct('('), ident("test"), Tok::Punct(')'), Tok::Punct(']')];
    let mut out = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        if !matches_at(&toks, i, &cfg_test) {
            out.push(toks[i].clone());
            i += 1;
            continue;
        }
        i += cfg_test.len();
        let mut depth = 0;
        while i < toks.len() {
            let t = &toks[i].tok;
            i += 1;
            match t {
                Tok::Punct('{') => depth += 1,
                Tok::Punct('}') => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                Tok::Punct(';') if depth == 0 => break,
                _ => {}
            }
        }
    }
    out
}

/// The arguments of the call whose `(` is at `open`, split at top-level commas.
fn arguments(toks: &[Token], open: usize) -> Vec<&[Token]> {
    let mut args = Vec::new();
    let (mut depth, mut start) = (0i32, open + 1);
    for (k, t) in toks.iter().enumerate().skip(open) {
        match t.tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    if k > start {
                        args.push(&toks[start..k]);
                    }
                    break;
                }
            }
            Tok::Punct(',') if depth == 1 => {
                args.push(&toks[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    args
}

/// An argument's source text, roughly (`p.code`).
fn text(arg: &[Token]) -> String {
    arg.iter()
        .map(|t| match &t.tok {
            Tok::Ident(s) => s.clone(),
            Tok::Str(s) => format!("{s:?}"),
            Tok::Punct(c) => c.to_string(),
            Tok::Other => "_".to_string(),
        })
        .collect()
}

/// `Severity::X` as a severity.
fn severity_of(arg: &[Token]) -> Option<Severity> {
    match arg {
        [Token { tok: Tok::Ident(s), .. }, Token { tok: Tok::Punct(':'), .. }, Token { tok: Tok::Punct(':'), .. }, Token { tok: Tok::Ident(v), .. }]
            if s == "Severity" =>
        {
            match v.as_str() {
                "Info" => Some(Severity::Info),
                "Warning" => Some(Severity::Warning),
                "Error" => Some(Severity::Error),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Where a helper takes its severity from.
#[derive(Clone, Copy)]
enum SeverityArg {
    At(usize),
    Always(Severity),
    /// The severity is the catalogue's (the issue is built from the rule).
    FromCatalogue,
}

/// Functions (and closures) that take an issue code: callee path, the files it is called in
/// (prefix of the path under the crate root), the code argument and the severity.
const HELPERS: &[(&[&str], &str, usize, SeverityArg)] = &[
    (&["Issue", "new"], "src/", 2, SeverityArg::At(0)),
    // A cell-typing problem, turned into an issue by each reader (src/normalise/cells.rs).
    (&["Problem", "new"], "src/normalise/", 1, SeverityArg::At(0)),
    // CIN census reader: `issue(severity, code, ..)` and the header's `note(severity, code, ..)`.
    (&["issue"], "src/normalise/cin_xml/", 1, SeverityArg::At(0)),
    (&["note"], "src/normalise/cin_xml/mod.rs", 1, SeverityArg::At(0)),
    // SSDA903 XML reader: `issue(table, node, code, severity, message, action)`.
    (&["issue"], "src/normalise/ssda903/xml.rs", 2, SeverityArg::At(3)),
    // Generated plausibility rules: `rule_row(code, table, person, column, condition)`.
    (&["rule_row"], "src/quality/plausibility.rs", 0, SeverityArg::FromCatalogue),
    // CIN census plausibility rules: `warn(ctx, node, table, code, message)`.
    (&["warn"], "src/normalise/cin_xml/rules.rs", 3, SeverityArg::Always(Severity::Warning)),
];

/// Where a forwarded code comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Feed {
    /// The callers of a helper in [`HELPERS`].
    Helper,
    /// A cell-typing `Problem` (its codes are `Problem::new`'s, in [`HELPERS`]).
    Problem,
    /// `(Severity::X, "code", Action::Y)` tuples chosen by a `match`.
    SeverityTuples,
    /// `("code", "message")` pairs in the same file.
    CodeMessagePairs,
    /// The generated rules' `rule_row` calls and the `-- rule:` line of each `sql/quality/*.sql`.
    QualityRules,
}

/// Every call that passes on a code chosen elsewhere: (file, callee, code argument, feed).
const FORWARDERS: &[(&str, &str, &str, Feed)] = &[
    ("src/quality/plausibility.rs", "Issue::new", "code", Feed::QualityRules),
    ("src/normalise/cin_xml/mod.rs", "Issue::new", "code", Feed::Helper),
    ("src/normalise/cin_xml/rules.rs", "issue", "code", Feed::Helper),
    ("src/normalise/ssda903/xml.rs", "Issue::new", "code", Feed::Helper),
    ("src/normalise/builder.rs", "Issue::new", "p.code", Feed::Problem),
    ("src/normalise/annex_a/rows.rs", "Issue::new", "problem.code", Feed::Problem),
    ("src/normalise/ssda903/mod.rs", "Issue::new", "p.code", Feed::Problem),
    ("src/normalise/ssda903/history.rs", "Issue::new", "code", Feed::SeverityTuples),
    ("src/normalise/ssda903/returns.rs", "Issue::new", "code", Feed::CodeMessagePairs),
    ("src/normalise/ssda903/returns.rs", "Issue::new", "problem.code", Feed::Problem),
];

/// One place a code is raised.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub code: String,
    pub file: String,
    pub line: usize,
    /// The severity written at the site, when it is written there.
    pub severity: Option<Severity>,
    /// The stage written at the site (or the file's `STAGE`), when known.
    pub stage: Option<String>,
}

/// What a scan of the source found.
#[derive(Debug, Default)]
pub struct Scan {
    pub sites: Vec<Site>,
    /// Calls passing on a code chosen elsewhere: (file, callee, argument, line).
    pub forwarders: Vec<(String, String, String, usize)>,
}

/// The file's `const STAGE: &str = "..."`.
fn file_stage(toks: &[Token]) -> Option<String> {
    let at = (0..toks.len()).find(|&i| matches_at(toks, i, &[ident("const"), ident("STAGE")]))?;
    toks[at..].iter().take_while(|t| !is(t, &Tok::Punct(';'))).find_map(|t| match &t.tok {
        Tok::Str(s) => Some(s.clone()),
        _ => None,
    })
}

/// Scans one file's source; `path` is relative to the crate root (`src/...`).
fn scan_source(path: &str, src: &str, scan: &mut Scan) {
    let toks = without_test_items(tokenise(src));
    let stage = file_stage(&toks);
    let pairs = FORWARDERS.iter().any(|f| f.0 == path && f.3 == Feed::CodeMessagePairs);
    let colon = Tok::Punct(':');
    for i in 0..toks.len() {
        // Calls of the helpers.
        for (callee, files, code_arg, severity_arg) in HELPERS {
            if !path.starts_with(*files) {
                continue;
            }
            let mut pattern = Vec::new();
            for (k, part) in callee.iter().enumerate() {
                if k > 0 {
                    pattern.extend([colon.clone(), colon.clone()]);
                }
                pattern.push(ident(part));
            }
            pattern.push(Tok::Punct('('));
            if !matches_at(&toks, i, &pattern) {
                continue;
            }
            // A free function: not a method (`.issue(`), a definition (`fn issue(`) or a path's
            // tail (`x::issue(`).
            let free = match i.checked_sub(1).map(|b| &toks[b].tok) {
                Some(Tok::Punct('.' | ':')) => false,
                Some(Tok::Ident(w)) => matches!(w.as_str(), "return" | "in" | "match"),
                _ => true,
            };
            if callee.len() == 1 && !free {
                continue;
            }
            let args = arguments(&toks, i + pattern.len() - 1);
            let Some(arg) = args.get(*code_arg) else {
                continue;
            };
            let severity = match severity_arg {
                SeverityArg::At(k) => args.get(*k).and_then(|a| severity_of(a)),
                SeverityArg::Always(s) => Some(*s),
                SeverityArg::FromCatalogue => None,
            };
            let site_stage = if callee[..] == ["Issue", "new"] {
                match args.get(1).map(|a| &a[..]) {
                    Some([Token { tok: Tok::Str(s), .. }]) => Some(s.clone()),
                    Some([Token { tok: Tok::Ident(s), .. }]) if s == "STAGE" => stage.clone(),
                    _ => None,
                }
            } else {
                stage.clone()
            };
            match arg {
                [Token { tok: Tok::Str(code), line }] => {
                    scan.sites.push(Site { code: code.clone(), file: path.to_string(), line: *line, severity, stage: site_stage })
                }
                _ => scan.forwarders.push((path.to_string(), callee.join("::"), text(arg), toks[i].line)),
            }
        }
        // `(Severity::X, "code", ...)` tuples (not calls: the `(` follows `=>`, `=`, `(` or `,`).
        if is(&toks[i], &Tok::Punct('(')) && i + 6 < toks.len() {
            let opens_tuple = match i.checked_sub(1).map(|b| &toks[b].tok) {
                Some(Tok::Punct('(' | ',' | '=')) => true,
                Some(Tok::Punct('>')) => i >= 2 && is(&toks[i - 2], &Tok::Punct('=')),
                Some(Tok::Ident(w)) => w == "return",
                _ => false,
            };
            if let (true, Some(severity), Tok::Punct(','), Tok::Str(code), Tok::Punct(',')) = (
                opens_tuple,
                severity_of(&toks[i + 1..i + 5]),
                &toks[i + 5].tok,
                &toks[i + 6].tok,
                toks.get(i + 7).map(|t| &t.tok).unwrap_or(&Tok::Other),
            ) {
                scan.sites.push(Site {
                    code: code.clone(),
                    file: path.to_string(),
                    line: toks[i].line,
                    severity: Some(severity),
                    stage: stage.clone(),
                });
            }
        }
        // `("code", "message")` pairs, where a forwarder says they feed it.
        if pairs
            && matches!(
                &toks[i..(i + 5).min(toks.len())],
                [
                    Token { tok: Tok::Punct('('), .. },
                    Token { tok: Tok::Str(_), .. },
                    Token { tok: Tok::Punct(','), .. },
                    Token { tok: Tok::Str(_), .. },
                    Token { tok: Tok::Punct(')'), .. }
                ]
            )
        {
            if let Tok::Str(code) = &toks[i + 1].tok {
                scan.sites.push(Site {
                    code: code.clone(),
                    file: path.to_string(),
                    line: toks[i].line,
                    severity: None,
                    stage: stage.clone(),
                });
            }
        }
    }
}

/// Scans every `.rs` file under `root/src` (this scanner excepted).
pub fn scan_crate(root: &Path) -> Scan {
    let mut scan = Scan::default();
    let mut dirs = vec![root.join("src")];
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    for path in files {
        let rel = path.strip_prefix(root).expect("under the root").to_string_lossy().replace('\\', "/");
        if rel == "src/quality/emit_sites.rs" {
            continue;
        }
        let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
        scan_source(&rel, &src, &mut scan);
    }
    // Relational data-quality rules: one SQL file each, raised in the model stage.
    let mut rules: Vec<_> =
        std::fs::read_dir(root.join("sql/quality")).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    rules.sort();
    for path in rules.into_iter().filter(|p| p.extension().is_some_and(|e| e == "sql")) {
        let sql = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if let Some(code) = super::plausibility::rule_code(&sql) {
            let file = path.strip_prefix(root).expect("under the root").to_string_lossy().replace('\\', "/");
            scan.sites.push(Site { code: code.to_string(), file, line: 1, severity: None, stage: Some("model".into()) });
        }
    }
    scan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_one(path: &str, src: &str) -> Scan {
        let mut scan = Scan::default();
        scan_source(path, src, &mut scan);
        scan
    }

    fn codes(scan: &Scan) -> Vec<&str> {
        scan.sites.iter().map(|s| s.code.as_str()).collect()
    }

    #[test]
    fn scanner_reads_codes_where_they_are_written() {
        let src = r##"
const STAGE: &'static str = "normalise";
// Issue::new(Severity::Error, STAGE, "in_a_comment", m, a)
/* Issue::new(Severity::Error, STAGE, "in_a_block /* nested */ comment", m, a) */
fn f(c: char) {
    let q = '"'; let e = '\''; let s = r#"Issue::new(Severity::Error, STAGE, "in_a_raw_string", m, a)"#;
    issues.push(Issue::new(
        Severity::Warning,
        STAGE,
        "multi_line",
        format!("a {}, b", x(1, 2)),
        Action::Kept,
    ));
    let i = Issue::new(Severity::Info, "model", "own_stage", "m", Action::Kept).file(&p);
    let (severity, code, action) = match r {
        Rule::A => (Severity::Error, "from_a_tuple", Action::Kept),
    };
    let j = Issue::new(severity, STAGE, code, message, action);
    let k = Issue::new(p.severity, STAGE, p.code, p.message, p.action);
    ctx.issue(table, at, raw, i);
}
#[cfg(test)]
mod tests {
    fn t() { Issue::new(Severity::Error, STAGE, "in_a_test", m, a); }
}
"##;
        let scan = scan_one("src/normalise/x.rs", src);
        assert_eq!(codes(&scan), ["multi_line", "own_stage", "from_a_tuple"]);
        assert_eq!(scan.sites[0].severity, Some(Severity::Warning));
        assert_eq!(scan.sites[0].stage.as_deref(), Some("normalise"));
        assert_eq!(scan.sites[0].line, 10, "the line of the code's literal");
        assert_eq!(scan.sites[1].stage.as_deref(), Some("model"));
        assert_eq!(scan.sites[2].severity, Some(Severity::Error));
        let forwarded: Vec<&str> = scan.forwarders.iter().map(|f| f.2.as_str()).collect();
        assert_eq!(forwarded, ["code", "p.code"]);
    }

    #[test]
    fn scanner_reads_helpers_only_where_they_are_defined() {
        let cin = "fn f() { warn(ctx, n, \"person\", \"a_rule\", m); ctx.at(None, n, true, issue(Severity::Info, \"a_note\", m, Action::Kept)); fn issue(s: Severity, code: &'static str) {} }";
        let scan = scan_one("src/normalise/cin_xml/rules.rs", cin);
        assert_eq!(codes(&scan), ["a_rule", "a_note"]);
        assert_eq!(scan.sites[0].severity, Some(Severity::Warning));
        assert!(codes(&scan_one("src/model/x.rs", cin)).is_empty(), "another module's warn() is not an issue helper");
        let pairs = "let problem = match c { \"UPN\" => Some((\"a_pair\", \"the message\")), _ => None };";
        assert_eq!(codes(&scan_one("src/normalise/ssda903/returns.rs", pairs)), ["a_pair"]);
        assert!(codes(&scan_one("src/normalise/ssd.rs", pairs)).is_empty());
    }

    #[test]
    fn every_code_raised_is_in_the_catalogue_and_every_catalogued_code_is_raised() {
        let scan = scan_crate(Path::new(env!("CARGO_MANIFEST_DIR")));

        // Codes passed on from elsewhere: every such call must be known, so its codes are found.
        let found: BTreeSet<(String, String, String)> =
            scan.forwarders.iter().map(|(f, c, a, _)| (f.clone(), c.clone(), a.clone())).collect();
        let known: BTreeSet<(String, String, String)> =
            FORWARDERS.iter().map(|(f, c, a, _)| (f.to_string(), c.to_string(), a.to_string())).collect();
        let new: Vec<String> = scan
            .forwarders
            .iter()
            .filter(|(f, c, a, _)| !known.contains(&(f.clone(), c.clone(), a.clone())))
            .map(|(f, c, a, l)| format!("{f}:{l}: {c}(.., {a}, ..)"))
            .collect();
        assert!(
            new.is_empty(),
            "these calls pass on an issue code chosen elsewhere, which the catalogue test cannot see; pass a literal code, or add the call to FORWARDERS in src/quality/emit_sites.rs and teach the scanner where its codes come from:\n{}",
            new.join("\n")
        );
        let gone: Vec<_> = known.difference(&found).collect();
        assert!(gone.is_empty(), "FORWARDERS lists calls no longer in the source: {gone:?}");

        // Raised but not catalogued, or raised with another severity or stage.
        let mut problems = Vec::new();
        for s in &scan.sites {
            let at = format!("{}:{}", s.file, s.line);
            match rule(&s.code) {
                None => problems.push(format!("{at}: issue code {:?} is not in reference/quality/rules.toml", s.code)),
                Some(r) => {
                    if let Some(sev) = s.severity.filter(|sev| !r.allows(*sev)) {
                        problems.push(format!(
                            "{at}: {} is raised as {} but the catalogue gives {}",
                            s.code,
                            sev.as_str(),
                            r.severity_text()
                        ));
                    }
                    if let Some(stage) = s.stage.as_deref().filter(|st| *st != r.stage) {
                        problems.push(format!("{at}: {} is raised by the {stage} stage but the catalogue gives {}", s.code, r.stage));
                    }
                }
            }
        }
        assert!(problems.is_empty(), "the source and reference/quality/rules.toml disagree:\n{}", problems.join("\n"));

        // Catalogued but never raised; and each listed severity is used somewhere.
        let mut used: BTreeMap<&str, BTreeSet<Severity>> = BTreeMap::new();
        for s in &scan.sites {
            let e = used.entry(s.code.as_str()).or_default();
            e.extend(s.severity);
        }
        let unused: Vec<&str> = rules().iter().map(|r| r.code.as_str()).filter(|c| !used.contains_key(c)).collect();
        assert!(
            unused.is_empty(),
            "reference/quality/rules.toml lists codes nothing in src/ raises (remove them, or raise them): {unused:?}"
        );
        for r in rules() {
            let seen = &used[r.code.as_str()];
            // Codes from ("code", "message") pairs carry no severity at the site.
            if seen.is_empty() {
                continue;
            }
            let never: Vec<&str> = r.severities.iter().filter(|s| !seen.contains(s)).map(|s| s.as_str()).collect();
            assert!(never.is_empty(), "{}: the catalogue lists severity {never:?}, which the source never uses", r.code);
        }
    }
}
