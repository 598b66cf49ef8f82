//! Change tracking (use-change-tracking-synchronize-data-external-systems.md; API-FACTS A10).
//!
//! `Prefer: odata.track-changes` lists every row, page by page, and the last page carries
//! `@odata.deltaLink` with `$deltatoken=<version>!<MM/dd/yyyy HH:mm:ss>`. GETting that link returns
//! the rows changed since (current values, oldest change first), then a `$deletedEntity` entry per
//! deleted row, and a new delta link. `$filter`, `$orderby`, `$expand` and `$top` are refused with
//! tracking; a token older than the org's `ExpireChangeTrackingInDays` (7) is refused.

use std::ops::Bound;

use axum::http::StatusCode;
use chrono::{DateTime, NaiveDateTime, Utc};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use super::errors::{Answer, ApiError, ApiResult};
use super::paging::{Cursor, encode_query_value, next_link};
use super::query::{context, select};
use super::store::Row;
use super::values::{self, Annotations};
use super::{Ctx, Request};

pub(crate) fn read(ctx: &Ctx<'_>, entity: usize, request: &Request<'_>) -> ApiResult<Answer> {
    for option in ["filter", "orderby", "expand", "top"] {
        if request.param(&format!("${option}")).is_some() {
            return Err(ApiError::bad_query(format!(
                "The \"${option}\" query parameter isn't supported when Change Tracking is enabled."
            )));
        }
    }
    let prefer = request.prefer();
    let state = ctx.state();
    let schema = state.schema.read();
    let store = state.store.read();
    let e = &schema.entities[entity];
    if !e.change_tracking {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "0x80044353",
            format!(
                "Change tracking is not enabled for the entity '{}'.",
                e.logical
            ),
        ));
    }
    let view = select(
        e,
        request.param("$select"),
        Annotations::parse(prefer.annotations.as_deref()),
        ctx.secured,
    )?;
    let limits = ctx.world.limits.read().dataverse.clone();
    let page_size = prefer
        .max_page_size
        .unwrap_or(limits.max_page_size)
        .clamp(1, limits.max_page_size) as usize;
    let now = ctx.world.clock.now();

    let since = match request.param("$deltatoken") {
        Some(token) => Some(parse_token(token, now, limits.change_tracking_days)?),
        None => None,
    };
    let cursor = Cursor::from_request(request)?;
    let (page, mut last, upto, mut deletions) = match cursor {
        Some(Cursor::Tracking {
            page,
            last,
            upto,
            deletions,
        }) => (page + 1, last, upto, deletions),
        Some(_) => {
            return Err(ApiError::bad_query(
                "The $skiptoken does not belong to a change-tracking query.",
            ));
        }
        None => (1, since.unwrap_or(0), store.version, false),
    };
    let table = &store.tables[entity];
    let mut changed: Vec<&Row> = Vec::new();
    let mut deleted = Vec::new();
    if !deletions {
        for (&version, id) in table
            .by_version
            .range((Bound::Excluded(last), Bound::Included(upto)))
        {
            if changed.len() == page_size {
                break;
            }
            if let Some(row) = table.rows.get(id) {
                changed.push(row);
                last = version;
            }
        }
        if changed.len() < page_size {
            deletions = true;
            last = since.unwrap_or(upto);
        }
    }
    // The first listing has no deletions to report: everything it lists is alive.
    if deletions && since.is_some() {
        let start = table.deleted.partition_point(|t| t.version <= last);
        for tombstone in table.deleted[start..]
            .iter()
            .take_while(|t| t.version <= upto)
        {
            if changed.len() + deleted.len() == page_size {
                break;
            }
            last = tombstone.version;
            let recreated = table
                .rows
                .get(&tombstone.id)
                .is_some_and(|r| r.version > tombstone.version);
            if !recreated {
                deleted.push(tombstone.id);
            }
        }
    }
    let finished = deletions
        && (since.is_none()
            || table.deleted[table.deleted.partition_point(|t| t.version <= last)..]
                .first()
                .is_none_or(|t| t.version > upto));

    let select_param = request.param("$select");
    let mut context_url = context(&ctx.base, e, select_param);
    if since.is_some() {
        context_url.push_str("/$delta");
    }
    let mut out = Vec::with_capacity(changed.len() * 512 + 256);
    out.extend_from_slice(b"{\"@odata.context\":");
    values::write_json_str(&mut out, &context_url);
    out.extend_from_slice(b",\"value\":[");
    let mut first = true;
    for row in &changed {
        if !first {
            out.push(b',');
        }
        first = false;
        values::write_row(&mut out, &schema, &store, e, row, &view);
    }
    for id in &deleted {
        if !first {
            out.push(b',');
        }
        first = false;
        out.extend_from_slice(b"{\"@odata.context\":");
        values::write_json_str(
            &mut out,
            &format!("{}$metadata#{}/$deletedEntity", ctx.base, e.set),
        );
        out.extend_from_slice(format!(",\"id\":\"{id}\",\"reason\":\"deleted\"}}").as_bytes());
    }
    out.push(b']');
    if finished {
        let mut link = format!("{}{}?", ctx.base, e.set);
        if let Some(select) = select_param {
            link.push_str(&format!("$select={}&", encode_query_value(select)));
        }
        link.push_str(&format!(
            "$deltatoken={}",
            utf8_percent_encode(&token(upto, now), NON_ALPHANUMERIC)
        ));
        out.extend_from_slice(b",\"@odata.deltaLink\":");
        values::write_json_str(&mut out, &link);
    } else {
        let next = Cursor::Tracking {
            page,
            last,
            upto,
            deletions,
        };
        out.extend_from_slice(b",\"@odata.nextLink\":");
        values::write_json_str(
            &mut out,
            &next_link(&ctx.base, &e.set, request, &next.skiptoken(&e.primary_id)),
        );
    }
    out.push(b'}');
    let mut answer = Answer::raw_json(StatusCode::OK, out);
    if prefer.track_changes {
        answer = answer.header("Preference-Applied", "odata.track-changes");
    }
    Ok(answer)
}

/// `<version>!<MM/dd/yyyy HH:mm:ss>`, as the docs show the delta token.
fn token(version: u64, at: DateTime<Utc>) -> String {
    format!("{version}!{}", at.format("%m/%d/%Y %H:%M:%S"))
}

/// The version a delta token stands for, refusing malformed and expired tokens.
fn parse_token(token: &str, now: DateTime<Utc>, days: u32) -> ApiResult<u64> {
    let invalid = || ApiError::bad_query(format!("The delta token '{token}' is not valid."));
    let (version, issued) = token.split_once('!').ok_or_else(invalid)?;
    let version: u64 = version.parse().map_err(|_| invalid())?;
    let issued = NaiveDateTime::parse_from_str(issued, "%m/%d/%Y %H:%M:%S")
        .map_err(|_| invalid())?
        .and_utc();
    if now - issued > chrono::Duration::days(i64::from(days)) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "0x80044352",
            "ExpiredVersionStamp: The version stamp associated with the client has expired. Please perform a full sync.",
        ));
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_delta_token_parses_and_expires_after_seven_days() {
        let issued = NaiveDateTime::parse_from_str("08/22/2017 08:10:44", "%m/%d/%Y %H:%M:%S")
            .unwrap()
            .and_utc();
        let token = "919042!08/22/2017 08:10:44";
        assert_eq!(
            parse_token(token, issued + chrono::Duration::days(6), 7).unwrap(),
            919_042
        );
        let expired = parse_token(token, issued + chrono::Duration::days(8), 7).unwrap_err();
        assert_eq!(expired.code, "0x80044352");
        assert!(parse_token("garbage", issued, 7).is_err());
    }
}
