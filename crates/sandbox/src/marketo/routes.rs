//! The REST routes this emulator answers, each a Swagger path (`swagger-mapi.json`), and the
//! endpoint labels the call metrics add up under.
//!
//! A path that matches no route is 610 "Requested resource not found"; a path that matches only
//! with another method is 605 "HTTP Method not supported" (`error-codes.md`).

use super::api::{Answer, Call, Ctx, Verb};
use super::crm::{self, Crm};
use super::{
    activities, custom_activities, custom_object_records, custom_objects, leads, lists, quota,
    schema,
};

pub(crate) type Handler = fn(&Ctx<'_>, &Call, &[&str]) -> Answer;

#[derive(Debug)]
pub(crate) struct Route {
    pub(crate) verb: Verb,
    /// The path with `{name}` placeholders, e.g. `/rest/v1/lead/{id}.json`.
    pub(crate) pattern: &'static str,
    pub(crate) handler: Handler,
}

const fn route(verb: Verb, pattern: &'static str, handler: Handler) -> Route {
    Route {
        verb,
        pattern,
        handler,
    }
}

use Verb::{Delete as DELETE, Get as GET, Post as POST};

/// Literal paths come before the patterns they would also match (`customobjects/schema.json`
/// before `customobjects/{apiName}.json`).
#[rustfmt::skip]
pub(crate) const ROUTES: &[Route] = &[
    // Leads and their fields.
    route(GET, "/rest/v1/lead/{id}.json", leads::get_by_id),
    route(GET, "/rest/v1/leads.json", leads::get_by_filter),
    route(POST, "/rest/v1/leads.json", leads::sync),
    route(POST, "/rest/v1/leads/delete.json", leads::delete),
    route(POST, "/rest/v1/leads/{id}/merge.json", leads::merge),
    route(GET, "/rest/v1/leads/describe.json", schema::describe),
    route(GET, "/rest/v1/leads/describe2.json", schema::describe2),
    route(GET, "/rest/v1/leads/schema/fields.json", schema::list_fields),
    route(POST, "/rest/v1/leads/schema/fields.json", schema::create_fields),
    route(GET, "/rest/v1/leads/schema/fields/{fieldApiName}.json", schema::get_field),
    // Activities.
    route(GET, "/rest/v1/activities/pagingtoken.json", activities::paging_token),
    route(GET, "/rest/v1/activities.json", activities::activities),
    route(GET, "/rest/v1/activities/leadchanges.json", activities::lead_changes),
    route(GET, "/rest/v1/activities/deletedleads.json", activities::deleted_leads),
    route(GET, "/rest/v1/activities/types.json", activities::types),
    route(GET, "/rest/v1/activities/external/types.json", custom_activities::list_types),
    route(POST, "/rest/v1/activities/external/type.json", custom_activities::create_type),
    route(GET, "/rest/v1/activities/external/type/{apiName}/describe.json", custom_activities::describe_type),
    route(POST, "/rest/v1/activities/external/type/{apiName}/approve.json", custom_activities::approve_type),
    route(POST, "/rest/v1/activities/external/type/{apiName}/attributes/create.json", custom_activities::create_attributes),
    route(POST, "/rest/v1/activities/external.json", custom_activities::add_activities),
    // Companies, opportunities, roles, sales persons.
    route(GET, "/rest/v1/companies/describe.json", |c, _, _| crm::describe(c, Crm::Company)),
    route(GET, "/rest/v1/companies.json", |c, q, _| crm::query(c, q, Crm::Company)),
    route(POST, "/rest/v1/companies.json", |c, q, _| crm::sync(c, q, Crm::Company)),
    route(POST, "/rest/v1/companies/delete.json", |c, q, _| crm::delete(c, q, Crm::Company)),
    route(GET, "/rest/v1/opportunities/describe.json", |c, _, _| crm::describe(c, Crm::Opportunity)),
    route(GET, "/rest/v1/opportunities.json", |c, q, _| crm::query(c, q, Crm::Opportunity)),
    route(POST, "/rest/v1/opportunities.json", |c, q, _| crm::sync(c, q, Crm::Opportunity)),
    route(POST, "/rest/v1/opportunities/delete.json", |c, q, _| crm::delete(c, q, Crm::Opportunity)),
    route(GET, "/rest/v1/opportunities/roles/describe.json", |c, _, _| crm::describe(c, Crm::Role)),
    route(GET, "/rest/v1/opportunities/roles.json", |c, q, _| crm::query(c, q, Crm::Role)),
    route(POST, "/rest/v1/opportunities/roles.json", |c, q, _| crm::sync(c, q, Crm::Role)),
    route(POST, "/rest/v1/opportunities/roles/delete.json", |c, q, _| crm::delete(c, q, Crm::Role)),
    route(GET, "/rest/v1/salespersons/describe.json", |c, _, _| crm::describe(c, Crm::SalesPerson)),
    route(GET, "/rest/v1/salespersons.json", |c, q, _| crm::query(c, q, Crm::SalesPerson)),
    route(POST, "/rest/v1/salespersons.json", |c, q, _| crm::sync(c, q, Crm::SalesPerson)),
    route(POST, "/rest/v1/salespersons/delete.json", |c, q, _| crm::delete(c, q, Crm::SalesPerson)),
    // Custom objects: the type schema, then the records.
    route(GET, "/rest/v1/customobjects.json", custom_object_records::list),
    route(GET, "/rest/v1/customobjects/schema.json", custom_objects::list_types),
    route(POST, "/rest/v1/customobjects/schema.json", custom_objects::sync_type),
    route(GET, "/rest/v1/customobjects/schema/fieldDataTypes.json", custom_objects::field_types),
    route(GET, "/rest/v1/customobjects/schema/linkableObjects.json", custom_objects::linkable),
    route(GET, "/rest/v1/customobjects/schema/{apiName}/describe.json", custom_objects::describe_type),
    route(POST, "/rest/v1/customobjects/schema/{apiName}/approve.json", custom_objects::approve),
    route(POST, "/rest/v1/customobjects/schema/{apiName}/addField.json", custom_objects::add_fields),
    route(GET, "/rest/v1/customobjects/{customObjectName}/describe.json", custom_object_records::describe),
    route(GET, "/rest/v1/customobjects/{customObjectName}.json", custom_object_records::query),
    route(POST, "/rest/v1/customobjects/{customObjectName}.json", custom_object_records::sync),
    route(POST, "/rest/v1/customobjects/{customObjectName}/delete.json", custom_object_records::delete),
    // Static lists.
    route(GET, "/rest/v1/lists.json", lists::list),
    route(GET, "/rest/v1/lists/{listId}.json", lists::get),
    route(GET, "/rest/v1/lists/{listId}/leads.json", lists::members),
    route(POST, "/rest/v1/lists/{listId}/leads.json", lists::add),
    route(DELETE, "/rest/v1/lists/{listId}/leads.json", lists::remove),
    route(GET, "/rest/v1/lists/{listId}/leads/ismember.json", lists::is_member),
    // Usage.
    route(GET, "/rest/v1/stats/usage.json", quota::usage_today),
    route(GET, "/rest/v1/stats/usage/last7days.json", quota::usage_last_7_days),
    route(GET, "/rest/v1/stats/errors.json", quota::errors_today),
    route(GET, "/rest/v1/stats/errors/last7days.json", quota::errors_last_7_days),
];

/// The values of a pattern's placeholders in `path`, if the path matches it.
pub(crate) fn captures<'a>(pattern: &str, path: &'a str) -> Option<Vec<&'a str>> {
    let mut captured = Vec::new();
    let mut wanted = pattern.split('/');
    let mut given = path.split('/');
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return Some(captured),
            (Some(w), Some(g)) => match (w.find('{'), w.find('}')) {
                (Some(open), Some(close)) => {
                    let (prefix, suffix) = (&w[..open], &w[close + 1..]);
                    let value = g.strip_prefix(prefix)?.strip_suffix(suffix)?;
                    if value.is_empty() {
                        return None;
                    }
                    captured.push(value);
                }
                _ if w == g => {}
                _ => return None,
            },
            _ => return None,
        }
    }
}

/// Where a call goes: its route and captures, or whether the path exists under another method.
pub(crate) enum Found<'a> {
    Route(&'static Route, Vec<&'a str>),
    WrongMethod,
    Nothing,
}

pub(crate) fn find(verb: Option<Verb>, path: &str) -> Found<'_> {
    let mut path_exists = false;
    for route in ROUTES {
        if let Some(captured) = captures(route.pattern, path) {
            if Some(route.verb) == verb {
                return Found::Route(route, captured);
            }
            path_exists = true;
        }
    }
    if path_exists {
        Found::WrongMethod
    } else {
        Found::Nothing
    }
}

/// The metrics label of a call: the route's pattern, so `GET /rest/v1/lead/5.json` and
/// `GET /rest/v1/lead/6.json` add up under `GET /rest/v1/lead/{id}.json`.
pub(crate) fn endpoint(method: &axum::http::Method, path: &str) -> String {
    let pattern = ROUTES
        .iter()
        .find(|r| r.verb.name() == method.as_str() && captures(r.pattern, path).is_some())
        .or_else(|| ROUTES.iter().find(|r| captures(r.pattern, path).is_some()))
        .map_or(path, |r| r.pattern);
    format!("{method} {pattern}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_capture_ids_inside_segments_and_literals_win() {
        assert_eq!(
            captures("/rest/v1/lead/{id}.json", "/rest/v1/lead/318581.json"),
            Some(vec!["318581"])
        );
        assert_eq!(
            captures("/rest/v1/lead/{id}.json", "/rest/v1/lead/.json"),
            None
        );
        assert!(matches!(
            find(Some(Verb::Get), "/rest/v1/customobjects/schema.json"),
            Found::Route(r, _) if r.pattern == "/rest/v1/customobjects/schema.json"
        ));
        assert!(matches!(
            find(Some(Verb::Delete), "/rest/v1/leads.json"),
            Found::WrongMethod
        ));
        assert!(matches!(
            find(Some(Verb::Get), "/rest/v1/nothing.json"),
            Found::Nothing
        ));
        assert!(
            matches!(
                find(Some(Verb::Get), "/rest//v1/leads.json"),
                Found::Nothing
            ),
            "double slashes are not the documented path"
        );
        assert_eq!(
            endpoint(&axum::http::Method::GET, "/rest/v1/lists/1001/leads.json"),
            "GET /rest/v1/lists/{listId}/leads.json"
        );
    }
}
