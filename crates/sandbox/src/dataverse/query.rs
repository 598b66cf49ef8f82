//! Reading an entity set: `$select`, `$filter`, `$orderby`, `$top`, `$count` and paging with
//! `Prefer: odata.maxpagesize` (webapi/query/*.md). `$skip` is refused (Dataverse does not support
//! it), unknown columns are refused with the OData error, secured columns the caller cannot read come
//! back as null and cannot be filtered or sorted on (`0x8004F506`). Change tracking is in
//! `changes.rs`.

use std::cmp::Ordering;
use std::ops::Bound;

use axum::http::StatusCode;

use super::changes;
use super::errors::{Answer, ApiError, ApiResult};
use super::filter::{self, Expr, Lit, OrderKey, Val};
use super::paging::{Cursor, next_link};
use super::schema::{Entity, K, Schema};
use super::store::{Cell, Row, Store};
use super::values::{self, Annotations, View, cell_val, column_of_property};
use super::{Ctx, Request};

/// The query options Dataverse understands on a collection.
const OPTIONS: &[&str] = &[
    "$select",
    "$filter",
    "$orderby",
    "$top",
    "$count",
    "$expand",
    "$skiptoken",
    "$deltatoken",
    "$apply",
];

pub(crate) fn collection(ctx: &Ctx<'_>, entity: usize, request: &Request<'_>) -> ApiResult<Answer> {
    for (name, _) in &request.query {
        if name == "$skip" {
            return Err(ApiError::bad_query(
                "The query parameter $skip is not supported. Use the @odata.nextLink of the previous page instead.",
            ));
        }
        if name.starts_with('$') && !OPTIONS.contains(&name.as_str()) {
            return Err(ApiError::bad_query(format!(
                "The query parameter {name} is not supported."
            )));
        }
    }
    let prefer = request.prefer();
    if prefer.track_changes || request.param("$deltatoken").is_some() {
        return changes::read(ctx, entity, request);
    }
    if request.param("$expand").is_some() || request.param("$apply").is_some() {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "0x80040315",
            "The sandbox does not implement $expand or $apply on rows.",
        ));
    }
    let state = ctx.state();
    let schema = state.schema.read();
    let store = state.store.read();
    let e = &schema.entities[entity];
    let annotations = Annotations::parse(prefer.annotations.as_deref());
    let view = select(e, request.param("$select"), annotations, ctx.secured)?;
    let filter = request
        .param("$filter")
        .map(|f| bind_filter(&schema, e, f, ctx.secured))
        .transpose()?;
    let order = request
        .param("$orderby")
        .map(|o| bind_order(&schema, e, o, ctx.secured))
        .transpose()?;
    let max = ctx.world.limits.read().dataverse.max_page_size;
    let top = request
        .param("$top")
        .map(|t| {
            t.parse::<u32>()
                .map_err(|_| ApiError::bad_query(format!("Invalid value '{t}' for $top.")))
        })
        .transpose()?;
    // $top is ignored together with odata.maxpagesize (page-results.md).
    let (page_size, limit) = match (prefer.max_page_size, top) {
        (Some(size), _) => (size.clamp(1, max), None),
        (None, Some(top)) => (top.min(max), Some(top.min(max))),
        (None, None) => (max, None),
    };
    let cursor = Cursor::from_request(request)?;
    let keep = |row: &Row| {
        filter
            .as_ref()
            .is_none_or(|f| matches(&schema, &store, e, row, f))
    };

    let table = &store.tables[entity];
    let mut rows: Vec<&Row> = Vec::with_capacity(page_size as usize + 1);
    let mut count = None;
    let mut next = None;
    match &order {
        None => {
            let start = match &cursor {
                Some(Cursor::AfterKey { last, .. }) => Bound::Excluded(*last),
                _ => Bound::Unbounded,
            };
            let wanted = page_size as usize + 1;
            for row in table.rows.range((start, Bound::Unbounded)).map(|(_, r)| r) {
                if keep(row) {
                    rows.push(row);
                    if rows.len() == wanted {
                        break;
                    }
                }
            }
            if rows.len() > page_size as usize && limit.is_none() {
                rows.truncate(page_size as usize);
                let (first, last) = (rows[0].id, rows[rows.len() - 1].id);
                next = Some(Cursor::AfterKey {
                    page: cursor.as_ref().map_or(1, |c| c.page() + 1),
                    last,
                    first,
                });
            }
            rows.truncate(page_size as usize);
        }
        Some(keys) => {
            let mut all: Vec<&Row> = table.rows.values().filter(|r| keep(r)).collect();
            all.sort_by(|a, b| compare_rows(&schema, &store, e, keys, a, b));
            let page = cursor.as_ref().map_or(1, Cursor::page);
            let start = (page as usize - 1) * page_size as usize;
            let end = (start + page_size as usize).min(all.len());
            if end < all.len() && limit.is_none() {
                next = Some(Cursor::Page(page));
            }
            rows = all.get(start.min(end)..end).unwrap_or_default().to_vec();
        }
    }
    if request.param("$count") == Some("true") {
        let total = table.rows.values().filter(|r| keep(r)).count();
        count = Some(total.min(5_000));
    }

    let mut out = Vec::with_capacity(rows.len() * 512 + 256);
    out.extend_from_slice(b"{\"@odata.context\":");
    values::write_json_str(&mut out, &context(&ctx.base, e, request.param("$select")));
    if let Some(count) = count {
        out.extend_from_slice(format!(",\"@odata.count\":{count}").as_bytes());
    }
    out.extend_from_slice(b",\"value\":[");
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        values::write_row(&mut out, &schema, &store, e, row, &view);
    }
    out.push(b']');
    if let Some(next) = next {
        out.extend_from_slice(b",\"@odata.nextLink\":");
        let link = next_link(&ctx.base, &e.set, request, &next.skiptoken(&e.primary_id));
        values::write_json_str(&mut out, &link);
    }
    out.push(b'}');
    let mut answer = Answer::raw_json(StatusCode::OK, out);
    if let Some(size) = prefer.max_page_size {
        answer = answer.header(
            "Preference-Applied",
            format!("odata.maxpagesize={}", size.clamp(1, max)),
        );
    }
    if let Some(a) = &prefer.annotations {
        answer = answer.header(
            "Preference-Applied",
            format!("odata.include-annotations=\"{a}\""),
        );
    }
    Ok(answer)
}

/// `{base}$metadata#contacts(fullname,emailaddress1)`.
pub(crate) fn context(base: &str, entity: &Entity, select: Option<&str>) -> String {
    match select {
        Some(s) => format!("{base}$metadata#{}({s})", entity.set),
        None => format!("{base}$metadata#{}", entity.set),
    }
}

/// The columns `$select` names, refusing those the table lacks.
pub(crate) fn select(
    entity: &Entity,
    select: Option<&str>,
    annotations: Annotations,
    secured: bool,
) -> ApiResult<View> {
    let Some(select) = select else {
        return Ok(View::all(entity, annotations, secured));
    };
    let mut columns = Vec::new();
    for name in select.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let (i, column) = column_of_property(entity, name)
            .ok_or_else(|| ApiError::unknown_property(name, &entity.logical))?;
        if !column.primary_id && !columns.contains(&i) {
            columns.push(i);
        }
    }
    Ok(View {
        columns,
        annotations,
        secured,
    })
}

/// A column a filter or sort key resolves to: on the table itself or through a lookup.
#[derive(Debug, Clone, Copy)]
struct Step {
    column: usize,
    /// For `lookup/column`: the lookup's column and the column on the target table.
    through: Option<(usize, usize)>,
}

fn resolve_path(
    schema: &Schema,
    entity: &Entity,
    path: &[String],
    secured: bool,
) -> ApiResult<(Step, K)> {
    let unreadable = |name: &str| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "0x8004F506",
            format!(
                "The Query contained a secured attribute to which the caller does not have access: '{name}'."
            ),
        )
    };
    match path {
        [name] => {
            let (i, column) = column_of_property(entity, name)
                .ok_or_else(|| ApiError::unknown_property(name, &entity.logical))?;
            if secured && !column.readable_by_sync_user() {
                return Err(unreadable(name));
            }
            Ok((
                Step {
                    column: i,
                    through: None,
                },
                column.kind,
            ))
        }
        [nav, name] => {
            let (lookup, _, target) = entity
                .navigation(nav)
                .ok_or_else(|| ApiError::unknown_property(nav, &entity.logical))?;
            let (_, target) = schema
                .by_logical(&target)
                .ok_or_else(|| ApiError::unknown_property(nav, &entity.logical))?;
            let (i, column) = column_of_property(target, name)
                .ok_or_else(|| ApiError::unknown_property(name, &target.logical))?;
            if secured && !column.readable_by_sync_user() {
                return Err(unreadable(name));
            }
            Ok((
                Step {
                    column: lookup,
                    through: Some((lookup, i)),
                },
                column.kind,
            ))
        }
        _ => Err(ApiError::bad_query(format!(
            "The path '{}' is not supported in a query.",
            path.join("/")
        ))),
    }
}

/// Checks every property of a filter against the table (and the types of the literals compared to
/// them) and returns the parsed expression.
pub(crate) fn bind_filter(
    schema: &Schema,
    entity: &Entity,
    text: &str,
    secured: bool,
) -> ApiResult<Expr> {
    let expr = filter::parse(text)?;
    for (path, literal, operator) in expr.paths() {
        let (_, kind) = resolve_path(schema, entity, path, secured)?;
        if let Some(literal) = literal
            && !compatible(kind, literal, operator)
        {
            return Err(ApiError::bad_query(format!(
                "A binary operator with incompatible types was detected. Found operand types '{}' and '{}' for operator kind '{operator}'.",
                kind.edm(),
                literal_edm(literal)
            )));
        }
    }
    Ok(expr)
}

fn compatible(kind: K, literal: &Lit, operator: &str) -> bool {
    match literal {
        Lit::Null => operator != "Call",
        Lit::Str(_) => matches!(kind, K::Text(_) | K::Memo(_)),
        Lit::Int(_) | Lit::Num(_) => matches!(
            kind,
            K::Integer | K::BigInt | K::Money | K::Picklist | K::State | K::Status
        ),
        Lit::Bool(_) => kind == K::Boolean,
        Lit::Guid(_) => matches!(kind, K::Guid | K::Lookup | K::Customer | K::Owner),
        Lit::Time(_) => kind == K::DateTime,
        Lit::Enum(_) => false,
    }
}

fn literal_edm(literal: &Lit) -> &'static str {
    match literal {
        Lit::Null => "null",
        Lit::Bool(_) => "Edm.Boolean",
        Lit::Int(_) => "Edm.Int32",
        Lit::Num(_) => "Edm.Decimal",
        Lit::Str(_) | Lit::Enum(_) => "Edm.String",
        Lit::Guid(_) => "Edm.Guid",
        Lit::Time(_) => "Edm.DateTimeOffset",
    }
}

/// Whether a row passes a bound filter.
pub(crate) fn matches(
    schema: &Schema,
    store: &Store,
    entity: &Entity,
    row: &Row,
    expr: &Expr,
) -> bool {
    filter::eval(
        expr,
        &mut |path| match resolve_path(schema, entity, path, false) {
            Ok((step, _)) => step_value(schema, store, entity, row, step),
            Err(_) => Val::Null,
        },
    )
}

/// A column's value in a row; the primary key is the row's id, not one of its cells.
fn column_val<'s>(entity: &Entity, row: &'s Row, column: usize) -> Val<'s> {
    if entity.columns.get(column).is_some_and(|c| c.primary_id) {
        Val::Guid(row.id)
    } else {
        cell_val(row.get(column))
    }
}

fn step_value<'s>(
    schema: &Schema,
    store: &'s Store,
    entity: &Entity,
    row: &'s Row,
    step: Step,
) -> Val<'s> {
    match step.through {
        None => column_val(entity, row, step.column),
        Some((lookup, column)) => match row.get(lookup) {
            Some(Cell::Ref(id, target)) if usize::from(*target) < schema.entities.len() => {
                let target = usize::from(*target);
                match store.row(target, *id) {
                    Some(r) => column_val(&schema.entities[target], r, column),
                    None => Val::Null,
                }
            }
            _ => Val::Null,
        },
    }
}

fn bind_order(
    schema: &Schema,
    entity: &Entity,
    text: &str,
    secured: bool,
) -> ApiResult<Vec<(Step, bool)>> {
    filter::parse_order(text)?
        .into_iter()
        .map(|OrderKey { path, descending }| {
            resolve_path(schema, entity, &path, secured).map(|(step, _)| (step, descending))
        })
        .collect()
}

/// Orders two rows by the sort keys; nulls first, as SQL Server sorts them; ties by primary key.
fn compare_rows(
    schema: &Schema,
    store: &Store,
    entity: &Entity,
    keys: &[(Step, bool)],
    a: &Row,
    b: &Row,
) -> Ordering {
    for (step, descending) in keys {
        let (va, vb) = (
            step_value(schema, store, entity, a, *step),
            step_value(schema, store, entity, b, *step),
        );
        let ordering = match (&va, &vb) {
            (Val::Null, Val::Null) => Ordering::Equal,
            (Val::Null, _) => Ordering::Less,
            (_, Val::Null) => Ordering::Greater,
            _ => va.order(&vb).unwrap_or(Ordering::Equal),
        };
        let ordering = if *descending {
            ordering.reverse()
        } else {
            ordering
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    a.id.cmp(&b.id)
}
