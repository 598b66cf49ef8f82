//! Every REST route the emulator answers is an operation of the official Swagger
//! (`marketo-openapi/swagger-mapi.json`, copied under `marketo_fixtures/`), and every request and
//! response of a tour through all of them validates against it: parameters declared and typed,
//! required ones present, bodies and answers of the declared schemas.
//!
//! The Swagger is generated from Java types, so three of its habits are read the way the docs
//! read them rather than literally, each for a documented reason:
//! - `null` is accepted for any member: Swagger 2.0 cannot say "nullable" and the docs print
//!   nulls (`"description": null` in `leads.md`, `"idField": null` in `custom-objects.md`).
//! - `{"type": "object"}` with no properties is Java's `Object`: any value (attribute values are
//!   strings and numbers in `activities.md`).
//! - `required` is not enforced on the record types the generator reuses for requests and
//!   results, where the docs show otherwise (see [`RELAXED`]); record-level `status` may always be
//!   `skipped` (`error-codes.md`).

mod marketo_support;

use std::collections::BTreeSet;

use marketo_support::{Exchange, Marketo, ok};
use serde_json::{Value, json};

const MAPI: &str = include_str!("marketo_fixtures/swagger-mapi.json");
const IDENTITY: &str = include_str!("marketo_fixtures/swagger-identity.json");

/// Definitions whose `required` list the docs contradict.
const RELAXED: &[(&str, &str)] = &[
    (
        "CompanyResponse",
        "a skipped record has no id (companies.md, delete example)",
    ),
    (
        "CustomObject",
        "request records carry no marketoGUID or seq; skipped results no marketoGUID",
    ),
    (
        "CustomActivity",
        "results are {id, marketoGUID, status} (activities.md, Add Custom Activities)",
    ),
    (
        "ObjectMetaData",
        "describe results have no apiName, pluralName, status or version (lead-database.md)",
    ),
    (
        "Attribute",
        "a custom activity's attributes are named by apiName or name (activities.md)",
    ),
];

struct Swagger {
    doc: Value,
}

fn template_matches(template: &str, path: &str) -> bool {
    let (mut t, mut p) = (template.split('/'), path.split('/'));
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(ts), Some(ps)) => match (ts.find('{'), ts.find('}')) {
                (Some(open), Some(close)) => {
                    let inner = ps
                        .strip_prefix(&ts[..open])
                        .and_then(|r| r.strip_suffix(&ts[close + 1..]));
                    if inner.is_none_or(str::is_empty) {
                        return false;
                    }
                }
                _ if ts == ps => {}
                _ => return false,
            },
            _ => return false,
        }
    }
}

fn normalized(template: &str) -> String {
    let mut out = String::new();
    let mut depth = false;
    for c in template.chars() {
        match c {
            '{' => {
                depth = true;
                out.push_str("{}");
            }
            '}' => depth = false,
            _ if depth => {}
            _ => out.push(c),
        }
    }
    out
}

impl Swagger {
    fn load(text: &str) -> Swagger {
        Swagger {
            doc: serde_json::from_str(text).expect("the Swagger parses"),
        }
    }

    /// The operation for a method and concrete path; literal templates win over parameters.
    fn operation(&self, method: &str, path: &str) -> Option<(&str, &Value)> {
        let mut found: Vec<(&str, &Value)> = self.doc["paths"]
            .as_object()?
            .iter()
            .filter(|(template, _)| template_matches(template, path))
            .filter_map(|(template, ops)| {
                Some((template.as_str(), ops.get(method.to_lowercase())?))
            })
            .collect();
        found.sort_by_key(|(template, _)| template.matches('{').count());
        found.into_iter().next()
    }

    fn definition<'a>(&'a self, reference: &'a str) -> (&'a str, &'a Value) {
        let name = reference.rsplit('/').next().unwrap();
        (name, &self.doc["definitions"][name])
    }

    fn validate(
        &self,
        schema: &Value,
        value: &Value,
        at: &str,
        owner: &str,
        problems: &mut Vec<String>,
    ) {
        if value.is_null() {
            return;
        }
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let (name, definition) = self.definition(reference);
            return self.validate(definition, value, at, name, problems);
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        let kind = schema
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(if properties.is_some() {
                "object"
            } else {
                "any"
            });
        let mut problem = |what: String| problems.push(format!("{at}: {what}"));
        match kind {
            "object" => {
                let Some(object) = value.as_object() else {
                    if properties.is_some() {
                        problem(format!("expected an object, got {value}"));
                    }
                    return;
                };
                let Some(properties) = properties else { return };
                if !RELAXED.iter().any(|(name, _)| *name == owner) {
                    for required in schema
                        .get("required")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let name = required.as_str().unwrap();
                        if !object.contains_key(name) {
                            problem(format!("{owner} requires '{name}'"));
                        }
                    }
                }
                for (name, member) in object {
                    if let Some(declared) = properties.get(name) {
                        let skipped_status = name == "status" && member == "skipped";
                        if !skipped_status {
                            self.validate(
                                declared,
                                member,
                                &format!("{at}.{name}"),
                                owner,
                                problems,
                            );
                        }
                    }
                }
            }
            "array" => match value.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.validate(
                            &schema["items"],
                            item,
                            &format!("{at}[{i}]"),
                            owner,
                            problems,
                        );
                    }
                }
                None => problem(format!("expected an array, got {value}")),
            },
            "string" => match value.as_str() {
                Some(text) => {
                    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
                        && !allowed.contains(value)
                    {
                        problem(format!("'{text}' is not one of {allowed:?}"));
                    }
                    if schema.get("format") == Some(&json!("date-time")) && !is_datetime(text) {
                        problem(format!("'{text}' is not a date-time"));
                    }
                }
                None => problem(format!("expected a string, got {value}")),
            },
            "integer" => match value.as_i64() {
                Some(n)
                    if schema.get("format") == Some(&json!("int32"))
                        && i32::try_from(n).is_err() =>
                {
                    problem(format!("{n} is not an int32"))
                }
                Some(_) => {}
                None => problem(format!("expected an integer, got {value}")),
            },
            "number" if !value.is_number() => problem(format!("expected a number, got {value}")),
            "boolean" if !value.is_boolean() => problem(format!("expected a boolean, got {value}")),
            _ => {}
        }
    }

    /// Problems with one exchange's request and response.
    fn check(&self, exchange: &Exchange, problems: &mut Vec<String>) {
        let label = format!("{} {}", exchange.method, exchange.path);
        let Some((template, operation)) = self.operation(&exchange.method, &exchange.path) else {
            problems.push(format!("{label}: not a Swagger operation"));
            return;
        };
        let parameters: Vec<&Value> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .collect();
        let body_lookup = exchange.body.is_some();
        for (name, value) in &exchange.query {
            if name == "_method" {
                continue;
            }
            match parameters
                .iter()
                .find(|p| p["in"] == "query" && p["name"] == name.as_str())
            {
                None => problems.push(format!("{label}: undeclared query parameter '{name}'")),
                Some(declared) => {
                    let item_type = if declared["type"] == "array" {
                        &declared["items"]["type"]
                    } else {
                        &declared["type"]
                    };
                    if item_type == "integer"
                        && value.split(',').any(|v| v.trim().parse::<i64>().is_err())
                    {
                        problems.push(format!("{label}: '{name}={value}' is not an integer"));
                    }
                }
            }
        }
        for declared in &parameters {
            let name = declared["name"].as_str().unwrap();
            let given = exchange.query.iter().any(|(k, _)| k == name);
            if declared["in"] == "query" && declared["required"] == true && !given && !body_lookup {
                problems.push(format!(
                    "{label}: required query parameter '{name}' missing"
                ));
            }
        }
        let segments: Vec<&str> = template.split('/').collect();
        for (segment, given) in segments.iter().zip(exchange.path.split('/')) {
            if let (Some(open), Some(close)) = (segment.find('{'), segment.find('}')) {
                let name = &segment[open + 1..close];
                let value = &given[open..given.len() - (segment.len() - close - 1)];
                let declared = parameters
                    .iter()
                    .find(|p| p["in"] == "path" && p["name"] == name);
                if declared.is_some_and(|p| p["type"] == "integer") && value.parse::<i64>().is_err()
                {
                    problems.push(format!(
                        "{label}: path parameter {name}='{value}' is not an integer"
                    ));
                }
            }
        }
        match (
            &exchange.body,
            parameters.iter().find(|p| p["in"] == "body"),
        ) {
            (Some(body), Some(declared)) => self.validate(
                &declared["schema"],
                body,
                &format!("{label} body"),
                "",
                problems,
            ),
            (Some(_), None) => {
                problems.push(format!("{label}: a body the operation does not declare"))
            }
            _ => {}
        }
        let response = &exchange.response;
        if response["success"] == true {
            let schema = &operation["responses"]["200"]["schema"];
            self.validate(schema, response, &format!("{label} response"), "", problems);
        } else {
            let (_, envelope) = self.definition("ResponseWithoutResult");
            self.validate(
                envelope,
                response,
                &format!("{label} error"),
                "ResponseWithoutResult",
                problems,
            );
            if response["errors"].as_array().is_none_or(Vec::is_empty) {
                problems.push(format!("{label}: a failure without errors"));
            }
        }
    }
}

fn is_datetime(text: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(text).is_ok()
        || chrono::DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z").is_ok()
        // `usage.md` gives the usage and error dates as YYYY-MM-DD.
        || chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
}

/// Calls every route at least once, successfully, with the parameters the docs show.
async fn tour(m: &Marketo) {
    let since = m
        .get(
            "/v1/activities/pagingtoken.json",
            &[("sinceDatetime", "2020-01-01T00:00:00Z")],
        )
        .await["nextPageToken"]
        .as_str()
        .unwrap()
        .to_owned();
    m.get("/v1/leads/describe.json", &[]).await;
    m.get("/v1/leads/describe2.json", &[]).await;
    m.post("/v1/leads/schema/fields.json", json!({"input": [{"displayName": "Microsoft Type", "name": "microsoftType", "dataType": "string", "description": "Lead or Contact"}]})).await;
    m.get("/v1/leads/schema/fields.json", &[("batchSize", "5")])
        .await;
    m.get("/v1/leads/schema/fields/microsoftType.json", &[])
        .await;
    m.post("/v1/salespersons.json", json!({"action": "createOrUpdate", "dedupeBy": "dedupeFields", "input": [{"externalSalesPersonId": "sam@test.com", "email": "sam@test.com", "firstName": "Sam"}]})).await;
    m.post("/v1/companies.json", json!({"action": "createOrUpdate", "dedupeBy": "dedupeFields", "input": [{"externalCompanyId": "acct-1", "company": "Contoso", "annualRevenue": 1.5e6}, {"company": "no key"}]})).await;
    let leads = m
        .post("/v1/leads.json", json!({"action": "createOrUpdate", "lookupField": "email", "input": [
            {"email": "a@x.com", "firstName": "Ann", "externalCompanyId": "acct-1", "externalSalesPersonId": "sam@test.com", "microsoftType": "Contact"},
            {"email": "b@x.com", "firstName": "Bo"},
            {"email": "c@x.com", "leadScore": "NaN"}
        ]}))
        .await;
    let ids: Vec<i64> = ok(&leads).iter().filter_map(|l| l["id"].as_i64()).collect();
    let (a, b) = (ids[0].to_string(), ids[1].to_string());
    m.post(
        "/v1/leads.json",
        json!({"action": "updateOnly", "input": [{"id": ids[1], "city": "Oslo"}]}),
    )
    .await;
    m.get(
        &format!("/v1/lead/{a}.json"),
        &[("fields", "email,company,leadOwnerEmail,microsoftType")],
    )
    .await;
    m.get(
        "/v1/leads.json",
        &[
            ("filterType", "email"),
            ("filterValues", "a@x.com,b@x.com"),
            ("fields", "id,email,updatedAt"),
            ("batchSize", "1"),
        ],
    )
    .await;
    m.get(
        "/v1/activities.json",
        &[
            ("nextPageToken", &since),
            ("activityTypeIds", "12,13"),
            ("leadIds", &a),
            ("batchSize", "300"),
        ],
    )
    .await;
    m.get(
        "/v1/activities/leadchanges.json",
        &[("nextPageToken", &since), ("fields", "firstName,city")],
    )
    .await;
    m.get("/v1/activities/types.json", &[]).await;
    m.post("/v1/activities/external/type.json", json!({"apiName": "syncError", "name": "Sync Error", "description": "A write Dynamics refused", "triggerName": "Gets Sync Error", "filterName": "Got Sync Error", "primaryAttribute": {"apiName": "entity", "name": "Entity", "dataType": "string"}})).await;
    m.post(
        "/v1/activities/external/type/syncError/attributes/create.json",
        json!({"attributes": [{"apiName": "message", "name": "Message", "dataType": "text"}]}),
    )
    .await;
    let approved = m
        .post_query(
            "/v1/activities/external/type/syncError/approve.json",
            &[],
            None,
        )
        .await;
    let type_id = ok(&approved)[0]["id"].as_i64().unwrap();
    m.get(
        "/v1/activities/external/type/syncError/describe.json",
        &[("draft", "false")],
    )
    .await;
    m.get("/v1/activities/external/types.json", &[]).await;
    m.post("/v1/activities/external.json", json!({"input": [
        {"leadId": ids[0], "activityDate": "2024-05-01T10:00:00+02:00", "activityTypeId": type_id, "primaryAttributeValue": "contact", "attributes": [{"apiName": "message", "value": "Phone is required"}]},
        {"leadId": 999999, "activityDate": "2024-05-01T10:00:00Z", "activityTypeId": type_id, "primaryAttributeValue": "lead", "attributes": []}
    ]})).await;
    for object in [
        "companies",
        "opportunities",
        "opportunities/roles",
        "salespersons",
    ] {
        m.get(&format!("/v1/{object}/describe.json"), &[]).await;
    }
    m.get(
        "/v1/companies.json",
        &[
            ("filterType", "externalCompanyId"),
            ("filterValues", "acct-1,none"),
            ("fields", "company,annualRevenue"),
            ("batchSize", "10"),
        ],
    )
    .await;
    m.get(
        "/v1/salespersons.json",
        &[
            ("filterType", "dedupeFields"),
            ("filterValues", "sam@test.com"),
        ],
    )
    .await;
    let opportunities = m
        .post("/v1/opportunities.json", json!({"action": "createOrUpdate", "dedupeBy": "dedupeFields", "input": [{"externalOpportunityId": "o-1", "name": "Chairs", "amount": "1604.47", "externalCompanyId": "acct-1", "externalSalesPersonId": "sam@test.com"}]}))
        .await;
    let guid = ok(&opportunities)[0]["marketoGUID"]
        .as_str()
        .unwrap()
        .to_owned();
    m.get(
        "/v1/opportunities.json",
        &[("filterType", "idField"), ("filterValues", &guid)],
    )
    .await;
    m.post("/v1/opportunities/roles.json", json!({"input": [{"externalOpportunityId": "o-1", "leadId": ids[0], "role": "Buyer", "isPrimary": true}]})).await;
    m.get(
        "/v1/opportunities/roles.json",
        &[("filterType", "leadId"), ("filterValues", &a)],
    )
    .await;
    m.post_query(
        "/v1/opportunities/roles.json",
        &[("_method", "GET")],
        Some(json!({"filterType": "dedupeFields", "fields": ["marketoGUID", "role"], "input": [{"externalOpportunityId": "o-1", "leadId": ids[0], "role": "Buyer"}]})),
    )
    .await;
    m.post("/v1/opportunities/roles/delete.json", json!({"deleteBy": "dedupeFields", "input": [{"externalOpportunityId": "o-1", "leadId": ids[0], "role": "Buyer"}]})).await;
    m.post(
        "/v1/opportunities/delete.json",
        json!({"deleteBy": "idField", "input": [{"marketoGUID": guid}]}),
    )
    .await;
    m.post("/v1/customobjects/schema.json", json!({"action": "createOnly", "apiName": "car", "displayName": "Car", "pluralName": "Cars", "description": "Car owned", "showInLeadDetail": true})).await;
    m.post("/v1/customobjects/schema/car/addField.json", json!({"input": [
        {"displayName": "Lead ID", "name": "leadID", "dataType": "link", "relatedTo": {"name": "lead", "field": "id"}},
        {"displayName": "VIN", "name": "vin", "dataType": "string", "isDedupeField": true, "description": "Vehicle"}
    ]}))
    .await;
    m.get(
        "/v1/customobjects/schema/car/describe.json",
        &[("state", "draft")],
    )
    .await;
    m.post_query("/v1/customobjects/schema/car/approve.json", &[], None)
        .await;
    m.get(
        "/v1/customobjects/schema.json",
        &[("names", "car"), ("state", "approved")],
    )
    .await;
    m.get("/v1/customobjects/schema/fieldDataTypes.json", &[])
        .await;
    m.get("/v1/customobjects/schema/linkableObjects.json", &[])
        .await;
    m.get("/v1/customobjects.json", &[("names", "car")]).await;
    m.get("/v1/customobjects/car/describe.json", &[]).await;
    m.post("/v1/customobjects/car.json", json!({"action": "createOrUpdate", "dedupeBy": "dedupeFields", "input": [{"vin": "V1", "leadID": ids[0]}, {"vin": "V2", "leadID": 999999}]})).await;
    m.get(
        "/v1/customobjects/car.json",
        &[("filterType", "dedupeFields"), ("filterValues", "V1")],
    )
    .await;
    m.post(
        "/v1/customobjects/car/delete.json",
        json!({"deleteBy": "dedupeFields", "input": [{"vin": "V1"}, {"vin": "V9"}]}),
    )
    .await;
    let list = m
        .act(
            reqwest::Method::POST,
            "lists",
            json!({"name": "Sync to Microsoft"}),
        )
        .await["id"]
        .to_string();
    m.get(
        "/v1/lists.json",
        &[("name", "Sync to Microsoft"), ("batchSize", "10")],
    )
    .await;
    m.get(&format!("/v1/lists/{list}.json"), &[]).await;
    m.post_query(
        &format!("/v1/lists/{list}/leads.json"),
        &[("id", &a), ("id", "999999")],
        None,
    )
    .await;
    m.get(
        &format!("/v1/lists/{list}/leads.json"),
        &[("fields", "email"), ("batchSize", "100")],
    )
    .await;
    m.get(
        &format!("/v1/lists/{list}/leads/ismember.json"),
        &[("id", &a), ("id", &b)],
    )
    .await;
    m.delete(
        &format!("/v1/lists/{list}/leads.json"),
        &[("id", &a), ("id", &b)],
    )
    .await;
    m.post_query(
        &format!("/v1/leads/{a}/merge.json"),
        &[("leadId", &b)],
        None,
    )
    .await;
    m.post(
        "/v1/companies/delete.json",
        json!({"deleteBy": "dedupeFields", "input": [{"externalCompanyId": "acct-1"}]}),
    )
    .await;
    m.post(
        "/v1/salespersons/delete.json",
        json!({"deleteBy": "dedupeFields", "input": [{"externalSalesPersonId": "sam@test.com"}]}),
    )
    .await;
    m.post(
        "/v1/leads/delete.json",
        json!({"input": [{"id": ids[0]}, {"id": 999999}]}),
    )
    .await;
    m.get(
        "/v1/activities/deletedleads.json",
        &[("nextPageToken", &since), ("batchSize", "100")],
    )
    .await;
    m.get("/v1/stats/usage.json", &[]).await;
    m.get("/v1/stats/usage/last7days.json", &[]).await;
    m.get("/v1/stats/errors.json", &[]).await;
    m.get("/v1/stats/errors/last7days.json", &[]).await;
    // Failures validate too: an error envelope.
    m.get(
        "/v1/leads.json",
        &[("filterType", "firstName"), ("filterValues", "Ann")],
    )
    .await;
}

#[tokio::test]
async fn every_route_is_a_swagger_operation_and_every_exchange_validates_against_it() {
    let swagger = Swagger::load(MAPI);
    let mut problems = Vec::new();
    let routes = dynasync_sandbox::marketo_rest_routes();
    for (method, pattern) in &routes {
        let declared = swagger.doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .any(|(template, ops)| {
                normalized(template) == normalized(pattern)
                    && ops.get(method.to_lowercase()).is_some()
            });
        if !declared {
            problems.push(format!("{method} {pattern} is not in swagger-mapi.json"));
        }
    }
    let m = Marketo::start().await;
    tour(&m).await;
    let exchanges = m.exchanges.lock().unwrap().clone();
    let answered: BTreeSet<(String, String)> = exchanges
        .iter()
        .filter(|e| e.response["success"] == true)
        .filter_map(|e| {
            let (method, pattern) = routes
                .iter()
                .filter(|(method, pattern)| {
                    *method == e.method && template_matches(pattern, &e.path)
                })
                .min_by_key(|(_, pattern)| pattern.matches('{').count())?;
            Some(((*method).to_owned(), (*pattern).to_owned()))
        })
        .collect();
    for (method, pattern) in &routes {
        if !answered.contains(&((*method).to_owned(), (*pattern).to_owned())) {
            problems.push(format!(
                "{method} {pattern} was never answered successfully by the tour"
            ));
        }
    }
    for exchange in &exchanges {
        swagger.check(exchange, &mut problems);
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(
        exchanges.len() > routes.len(),
        "the tour made {} calls",
        exchanges.len()
    );
}

#[tokio::test]
async fn the_identity_answer_validates_against_swagger_identity() {
    let swagger = Swagger::load(IDENTITY);
    let m = Marketo::start().await;
    let info = &m.sandbox.info().marketo;
    let query = [
        ("grant_type", "client_credentials".to_owned()),
        ("client_id", info.client_id.to_string()),
        ("client_secret", info.client_secret.clone()),
    ];
    let (_, operation) = swagger
        .operation("GET", "/identity/oauth/token")
        .expect("declared");
    let declared: Vec<&str> = operation["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(query.iter().all(|(k, _)| declared.contains(k)));
    for method in [reqwest::Method::GET, reqwest::Method::POST] {
        let answer: Value = m
            .http
            .request(method, format!("{}/oauth/token", info.identity_url))
            .query(&query)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut problems = Vec::new();
        swagger.validate(
            &operation["responses"]["200"]["schema"],
            &answer,
            "identity",
            "",
            &mut problems,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(answer["token_type"], "bearer");
    }
}

#[test]
fn the_validator_catches_wrong_types_missing_members_and_bad_enums() {
    let swagger = Swagger::load(MAPI);
    let mut problems = Vec::new();
    let bad = json!({"requestId": 7, "success": true, "result": [{"id": "x", "status": "weird"}], "errors": [], "warnings": []});
    swagger.validate(
        &json!({"$ref": "#/definitions/ResponseOfLead"}),
        &bad,
        "t",
        "",
        &mut problems,
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("requestId") && p.contains("string")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("id") && p.contains("integer")),
        "{problems:?}"
    );
    let mut problems = Vec::new();
    let missing = json!({"success": true, "result": [], "errors": [], "warnings": []});
    swagger.validate(
        &json!({"$ref": "#/definitions/ResponseOfLead"}),
        &missing,
        "t",
        "",
        &mut problems,
    );
    assert_eq!(problems, vec!["t: ResponseOfLead requires 'requestId'"]);
    let mut problems = Vec::new();
    let field = json!({"name": "x", "status": "frozen"});
    swagger.validate(
        &json!({"$ref": "#/definitions/LeadFieldStatus"}),
        &field,
        "t",
        "",
        &mut problems,
    );
    assert_eq!(
        problems.len(),
        1,
        "an undocumented status is caught: {problems:?}"
    );
}
