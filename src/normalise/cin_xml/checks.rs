//! Checks of a return's elements against its collection year's schema: elements no schema
//! declares (reported, not loaded), elements or codes of another year (reported, read), repeated
//! single elements, missing or empty required elements, stray text, codes outside the year's
//! lists, and elements the core tables have no column for (reported once per file).

use super::flatten::{table_of_group, target};
use super::parse::Node;
use super::schema::{Fit, Kind, Schemas};
use super::{issue, Ctx};
use crate::normalise::cells::{is_null_token, parse_date};
use crate::quality::{Action, Severity};
use crate::reference::CodeLists;

/// Checks `node`, found inside an element named `parent`, and everything inside it.
pub fn check_element(ctx: &mut Ctx, parent: &str, node: &Node, codes: Option<&CodeLists>) {
    let s = Schemas::get();
    let table = target(parent, &node.name).map(|t| t.0).or_else(|| table_of_group(&node.name)).or_else(|| table_of_group(parent));
    let (fit, def) = s.element(parent, &node.name, ctx.schema_year);
    let Some(def) = def else {
        let message =
            format!("{} is not part of any CIN census schema ({}-{}); it and its contents are not loaded", node.name, s.years.0, s.years.1);
        ctx.at(table, node, false, issue(Severity::Warning, "unknown_element", message, Action::SetNull));
        return;
    };
    if let Fit::OtherYears(from, to) = fit {
        let year = ctx.year.map_or_else(String::new, |y| y.to_string());
        let message = format!("{} belongs to the {from}-{to} schemas, not the {year} collection's; it is read anyway", node.name);
        ctx.at(table, node, false, issue(Severity::Warning, "element_not_in_year", message, Action::Kept));
    }
    if def.kind != Kind::Group && def.min_occurs > 0 && node.text.trim().is_empty() {
        // Present but empty (`<X></X>` or `<X/>`): reported at the element itself, as the CSV
        // readers report a blank required cell.
        let message = format!("{} is required and may not be empty; it is left empty", node.name);
        ctx.at(table, node, false, issue(Severity::Warning, "blank_required", message, Action::Kept));
    }
    match &def.kind {
        Kind::Group => check_group(ctx, node, table, codes),
        Kind::Code(list) => check_code(ctx, parent, node, list, table, codes),
        Kind::Integer => {
            let v = node.text.trim();
            if !v.is_empty() && v.parse::<u32>().is_err() {
                ctx.at(
                    table,
                    node,
                    true,
                    issue(
                        Severity::Warning,
                        "invalid_number",
                        format!("{} must be a whole number of 0 or more", node.name),
                        Action::SetNull,
                    ),
                );
            }
        }
        Kind::Date if target(parent, &node.name).is_none() => {
            let v = node.text.trim();
            if !v.is_empty() && !is_null_token(v) {
                if let Err(why) = parse_date(v) {
                    ctx.at(table, node, true, issue(Severity::Warning, "invalid_date", why, Action::SetNull));
                }
            }
        }
        _ => {}
    }
    if def.kind != Kind::Group
        && !node.path.starts_with("Header")
        && target(parent, &node.name).is_none()
        && !ctx.not_loaded.contains(&node.path)
    {
        ctx.not_loaded.insert(node.path.clone());
        let message = format!("{} has no column in the core tables; it is checked but not loaded (reported once per file)", node.name);
        ctx.at(table, node, false, issue(Severity::Info, "element_not_loaded", message, Action::Kept));
    }
}

fn check_group(ctx: &mut Ctx, node: &Node, table: Option<&str>, codes: Option<&CodeLists>) {
    let s = Schemas::get();
    if !node.text.is_empty() {
        ctx.at(
            table,
            node,
            true,
            issue(
                Severity::Warning,
                "stray_text",
                format!("text directly inside {} is not part of any element; it is ignored", node.name),
                Action::SetNull,
            ),
        );
    }
    let mut seen: Vec<&str> = Vec::new();
    for c in &node.children {
        let times = seen.iter().filter(|n| **n == c.name).count() + 1;
        seen.push(&c.name);
        let max = s.element(&node.name, &c.name, ctx.schema_year).1.and_then(|d| d.max_occurs);
        if max.is_some_and(|m| times as u32 > m) {
            let t = target(&node.name, &c.name).map(|t| t.0).or(table);
            ctx.at(
                t,
                c,
                true,
                issue(
                    Severity::Warning,
                    "repeated_element",
                    format!("{} may appear only once in {}; the first is used", c.name, node.name),
                    Action::SetNull,
                ),
            );
            continue;
        }
        check_element(ctx, &node.name, c, codes);
    }
    let year = ctx.schema_year;
    let missing: Vec<String> = s
        .children_of(&node.name, year)
        .filter(|d| d.min_occurs > 0 && node.child(&d.name).is_none())
        // An element renamed between years (GenderCurrent, Sex) is satisfied by its other name.
        .filter(|d| !node.children.iter().any(|c| target(&node.name, &c.name).is_some_and(|t| Some(t) == target(&node.name, &d.name))))
        .map(|d| d.name.clone())
        .collect();
    for name in missing {
        let year = ctx.year.map_or_else(|| "every".to_string(), |y| y.to_string());
        let message = format!("{name} is required in {} by the {year} schema but is missing; it is left empty", node.name);
        let t = target(&node.name, &name).map(|t| t.0).or(table);
        let at = Node {
            name: name.clone(),
            path: format!("{}/{name}", node.path).trim_start_matches("Child/").to_string(),
            line: node.line,
            ..Node::default()
        };
        ctx.at(t, &at, false, issue(Severity::Warning, "missing_element", message, Action::SetNull));
    }
}

fn check_code(ctx: &mut Ctx, parent: &str, node: &Node, list: &str, table: Option<&str>, codes: Option<&CodeLists>) {
    let v = node.text.trim();
    if v.is_empty() {
        return;
    }
    let s = Schemas::get();
    let year = ctx.schema_year;
    let fit = match list {
        "yes_no" => {
            if s.code(list, v, year) == Fit::Unknown
                && matches!(v.to_ascii_lowercase().as_str(), "true" | "false" | "yes" | "no" | "y" | "n")
            {
                let message = format!(
                    "{} must be 0 or 1 in the CIN census; the value is read as {}",
                    node.name,
                    if matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "y") { "1" } else { "0" }
                );
                ctx.at(table, node, true, issue(Severity::Info, "flag_spelling", message, Action::Kept));
            }
            return;
        }
        // Sex codes changed with the element's name: a code of either list is translated, and
        // one that does not belong to the return's year is reported.
        "gender_current" | "sex" => match s.code(list, v, year) {
            Fit::Unknown => s.code(if list == "sex" { "gender_current" } else { "sex" }, v, year),
            f => f,
        },
        _ => s.code(list, v, year),
    };
    match fit {
        Fit::InYear => {}
        Fit::OtherYears(from, to) => {
            let y = ctx.year.map_or_else(String::new, |y| y.to_string());
            ctx.at(
                table,
                node,
                true,
                issue(
                    Severity::Warning,
                    "code_not_in_year",
                    format!("the value is a {} code of the {from}-{to} collections, not of {y}; it is kept", node.name),
                    Action::Kept,
                ),
            );
        }
        Fit::Unknown => {
            // Codes loaded into a core code column are checked against the core list when the
            // row is typed; report here only what that check will not.
            let core_list = target(parent, &node.name).and_then(|(t, c)| {
                crate::schema::ssd_tables().iter().find(|s| s.name == t)?.columns.iter().find(|col| col.name == c)?.codes.clone()
            });
            match (core_list, codes) {
                (Some(l), Some(codes)) if codes.lookup(&l, v).is_some() => {
                    ctx.at(
                        table,
                        node,
                        true,
                        issue(
                            Severity::Warning,
                            "code_not_in_schema",
                            format!("the value is a core {l} code but not a CIN census {} code; it is kept", node.name),
                            Action::Kept,
                        ),
                    );
                }
                (Some(_), _) => {}
                (None, _) if list == "gender_current" || list == "sex" => {}
                (None, _) => ctx.at(
                    table,
                    node,
                    true,
                    issue(
                        Severity::Warning,
                        "unknown_code",
                        format!("the value is not a {} code in any CIN census schema", node.name),
                        Action::Kept,
                    ),
                ),
            }
        }
    }
}
