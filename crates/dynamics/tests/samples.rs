//! Every documented answer in `fixtures/` (copies of reference/dataverse-samples) goes through the
//! client's own decoders: what the docs show, the client reads.

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use dynasync_dynamics::wire::{api_error, entity_id, token_error, token_response};
use dynasync_dynamics::{
    AttributeMeta, Authority, BatchOutcome, Change, ChangePage, EntityMeta, Error, Organization,
    Page, Record, Retry, WhoAmI, read_batch_response, retry_decision,
};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use uuid::Uuid;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The sections of a sample whose heading starts with `### {heading}`, in order.
fn sections<'t>(text: &'t str, heading: &str) -> Vec<&'t str> {
    let marker = format!("### {heading}");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(&marker) {
        let body = &rest[at..];
        let end = body[marker.len()..]
            .find("\n### ")
            .map_or(body.len(), |e| e + marker.len());
        out.push(&body[..end]);
        rest = &body[end..];
    }
    assert!(!out.is_empty(), "no section '{marker}'");
    out
}

/// Every JSON object that starts at the beginning of a line (comment lines dropped).
fn objects(text: &str) -> Vec<String> {
    let text: String = std::iter::once("\n".to_owned())
        .chain(
            text.lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .map(|l| format!("{l}\n")),
        )
        .collect();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(start) = text[at..].find("\n{").map(|i| at + i + 1) {
        let (mut depth, mut quoted, mut escaped) = (0, false, false);
        let mut end = None;
        for (i, c) in text[start..].char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if quoted => escaped = true,
                '"' => quoted = !quoted,
                '{' if !quoted => depth += 1,
                '}' if !quoted => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(start + i + 1);
                        break;
                    }
                }
                _ => {}
            }
        }
        let end = end.expect("a balanced object");
        out.push(text[start..end].to_owned());
        at = end;
    }
    out
}

fn header<'t>(section: &'t str, name: &str) -> &'t str {
    section
        .lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} header"))
        .trim()
}

/// The body of an HTTP answer in a section: after the status line and headers.
fn answer_body(section: &str) -> String {
    let start = section.find("\nHTTP/1.1").expect("a status line");
    let answer = &section[start + 1..];
    let body = answer
        .split_once("\n\n")
        .expect("headers end with a blank line")
        .1;
    body.trim_end().replace('\n', "\r\n") + "\r\n"
}

/// The outcomes of a `$batch` answer; its boundary is the one its first line opens.
async fn batch_answer(section: &str) -> Vec<BatchOutcome> {
    let body = answer_body(section);
    let boundary = body
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("--")
        .to_owned();
    let content_type = format!("multipart/mixed; boundary={boundary}");
    read_batch_response(&content_type, Bytes::from(body))
        .await
        .unwrap()
}

async fn batch_outcomes(section: &str) -> Vec<Result<u16, Error>> {
    batch_answer(section)
        .await
        .into_iter()
        .map(|o| o.map(|w| w.status))
        .collect()
}

#[test]
fn s01_a_plugin_error_is_a_validation_error_with_its_message() {
    let doc = fixture("01-error-400-plugin-validation.http");
    let printed = &objects(sections(&doc, "Response")[0])[0];
    assert!(
        serde_json::from_str::<serde_json::Value>(printed).is_err(),
        "the doc's JSON is broken, hence the corrected copy"
    );
    let e = api_error(
        400,
        None,
        fixture("01-error-400-plugin-validation.corrected.json").as_bytes(),
    );
    assert_eq!(e.code(), Some("0x80040265"));
    assert_eq!(e.message(), "Example Error Message.");
    assert!(e.is_validation() && !e.is_retryable());
}

#[test]
fn s02_both_error_shapes_read_the_same() {
    let blocks = objects(&fixture(
        "02-error-shape-generic-and-legacy-innererror.json",
    ));
    assert_eq!(blocks.len(), 2);
    for block in blocks {
        let e = api_error(400, None, block.as_bytes());
        assert_eq!(
            e.message(),
            "<A message describing the error>",
            "innererror, once there, is ignored"
        );
    }
}

#[test]
fn s03_pages_carry_records_with_keys_and_the_next_link() {
    let doc = fixture("03-paged-contacts-nextlink.http");
    for (i, section) in sections(&doc, "Response (page").into_iter().enumerate() {
        let (page, next) =
            Page::from_json(objects(section)[0].as_bytes(), Some("contactid")).unwrap();
        assert_eq!(page.records.len(), 2);
        assert!(
            page.records
                .iter()
                .all(|r| r.id().is_some() && r.etag().is_some())
        );
        assert!(
            next.unwrap()
                .contains(&format!("pagenumber=%22{}%22", i + 2))
        );
    }
}

#[test]
fn s04_change_pages_hold_changed_rows_then_deletions() {
    let doc = fixture("04-change-tracking-initial-and-delta-with-deleted.http");
    let first = ChangePage::from_json(
        objects(sections(&doc, "Response 1")[0])[0].as_bytes(),
        Some("accountid"),
    )
    .unwrap();
    assert_eq!(first.changes.len(), 1);
    assert!(first.delta.unwrap().as_str().contains("$deltatoken=919042"));
    let delta = ChangePage::from_json(
        objects(sections(&doc, "Response 2")[0])[0].as_bytes(),
        Some("accountid"),
    )
    .unwrap();
    let Change::Upsert(row) = &delta.changes[0] else {
        panic!("a changed row first")
    };
    assert_eq!(row.string("name").unwrap(), Some("Monte Orton"));
    assert_eq!(
        delta.changes[1],
        Change::Deleted {
            id: Uuid::parse_str("2e451703-c686-e711-80e5-00155db19e6d").unwrap()
        }
    );
    assert!(delta.delta.is_some());
}

#[tokio::test]
async fn s05_a_batch_answers_each_part() {
    let doc = fixture("05-batch-no-changeset.http");
    let outcomes = batch_outcomes(sections(&doc, "Response")[0]).await;
    let statuses: Vec<u16> = outcomes.into_iter().map(Result::unwrap).collect();
    assert_eq!(statuses, [204, 204, 204, 200]);
}

#[tokio::test]
async fn s06_change_set_answers_are_flattened_in_order() {
    let doc = fixture("06-batch-with-changeset.http");
    let outcomes = batch_answer(sections(&doc, "Response")[0]).await;
    assert_eq!(outcomes.len(), 4);
    assert_eq!(
        outcomes[0].as_ref().unwrap().entity_id,
        Some(Uuid::parse_str("e73ffc82-e292-ed11-aad1-000d3a9933c9").unwrap())
    );
    assert_eq!(outcomes[3].as_ref().unwrap().status, 200);
}

#[tokio::test]
async fn s07_failed_parts_are_errors_with_their_codes() {
    let doc = fixture("07-batch-error-stops-and-continue-on-error.http");
    let stopped = batch_outcomes(sections(&doc, "Response A")[0]).await;
    assert_eq!(stopped.len(), 1);
    let error = stopped[0].as_ref().unwrap_err();
    assert_eq!(
        (error.code(), error.is_validation()),
        (Some("0x80044331"), true)
    );
    let went_on = batch_outcomes(sections(&doc, "Response B")[0]).await;
    assert!(went_on[0].is_err());
    assert_eq!(
        went_on[1..]
            .iter()
            .map(|o| *o.as_ref().unwrap())
            .collect::<Vec<_>>(),
        [204, 204]
    );
}

#[tokio::test]
async fn s08_content_id_answers_read_as_creates() {
    let doc = fixture("08-batch-changeset-contentid-odata-bind.http");
    let outcomes = batch_outcomes(sections(&doc, "Response")[0]).await;
    assert_eq!(
        outcomes.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
        [204, 204, 204]
    );
}

#[test]
fn s09_who_am_i_reads_all_three_ids() {
    let doc = fixture("09-whoami.http");
    let bodies: Vec<String> = sections(&doc, "Response")
        .iter()
        .chain(sections(&doc, "Second verbatim").iter())
        .flat_map(|s| objects(s))
        .collect();
    assert_eq!(bodies.len(), 2);
    for body in bodies {
        let me = WhoAmI::from_json(body.as_bytes()).unwrap();
        assert!(
            !me.user_id.is_nil() && !me.organization_id.is_nil() && !me.business_unit_id.is_nil()
        );
    }
}

#[test]
fn s10_the_organization_detail_reads() {
    let doc = fixture("10-retrieve-current-organization-and-whoami-v92.http");
    let responses = sections(&doc, "Response");
    WhoAmI::from_json(objects(responses[0])[0].as_bytes()).unwrap();
    let org = Organization::from_json(objects(responses[1])[0].as_bytes()).unwrap();
    assert_eq!(
        org.organization_id,
        Uuid::parse_str("f2c9290b-0806-4d48-bf9c-3814d4286755").unwrap()
    );
    assert_eq!(
        (org.unique_name.as_str(), org.version.as_str()),
        ("org0335df44", "9.2.22074.168")
    );
}

#[test]
fn s11_the_entity_id_header_gives_the_new_id() {
    let doc = fixture("11-create-returns-odata-entityid.http");
    for section in sections(&doc, "Response") {
        assert!(entity_id(header(section, "OData-EntityId")).is_some());
    }
}

#[test]
fn s12_entity_and_attribute_definitions_read() {
    let doc = fixture("12-entitydefinitions-and-attribute-metadata.http");
    let tables =
        EntityMeta::list_from_json(objects(sections(&doc, "(A) Response")[0])[0].as_bytes())
            .unwrap();
    assert!(
        tables.is_empty(),
        "the sample selects neither LogicalName nor PrimaryIdAttribute, so no usable table"
    );
    let attribute =
        AttributeMeta::from_json(objects(sections(&doc, "(B) Response")[0])[0].as_bytes()).unwrap();
    assert_eq!(attribute.logical_name, "new_boolean");
    assert_eq!(attribute.attribute_type, "Boolean");
    assert_eq!(attribute.display_name.as_deref(), Some("Sample Boolean"));
    assert!(
        attribute.is_custom
            && !attribute.is_secured
            && attribute.valid_for_update
            && attribute.readable_by_caller
    );
}

#[test]
fn s13_s14_token_answers_give_the_token_and_its_lifetime() {
    for (name, heading) in [
        (
            "13-oauth-token-client-credentials.http",
            "Successful response",
        ),
        ("14-oauth-token-ropc-password.http", "Successful response"),
    ] {
        let doc = fixture(name);
        let (token, lifetime) =
            token_response(objects(sections(&doc, heading)[0])[0].as_bytes()).unwrap();
        assert!(token.expose().starts_with("eyJ0eXAi"));
        assert_eq!(lifetime, Duration::from_secs(3599));
    }
    let doc = fixture("13-oauth-token-client-credentials.http");
    let e = token_error(
        400,
        objects(sections(&doc, "Error response")[0])[0].as_bytes(),
    );
    assert!(matches!(
        e,
        Error::Auth {
            aadsts: Some(70_011),
            ..
        }
    ));
}

#[test]
fn s15_aadsts_errors_keep_the_first_line_and_the_code() {
    let e = token_error(
        400,
        objects(&fixture("15-oauth-error-shape-aadsts.json"))[0].as_bytes(),
    );
    let Error::Auth {
        error,
        aadsts,
        description,
        ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!((error.as_str(), *aadsts), ("invalid_scope", Some(70_011)));
    assert!(
        description.starts_with("AADSTS70011: ") && !description.contains("Trace ID"),
        "{description}"
    );
    assert!(e.is_auth());
}

#[test]
fn s16_the_challenge_names_the_tenant() {
    let doc = fixture("16-error-401-unauthorized-challenge.http");
    let authority =
        Authority::from_challenge(header(sections(&doc, "Response")[0], "WWW-Authenticate"))
            .unwrap();
    assert_eq!(authority.tenant, "bd6c851f-e0dc-4d6d-ab4c-99452fe28387");
    assert_eq!(
        authority.host.as_str(),
        "https://login.microsoftonline.com/"
    );
}

#[test]
fn s17_a_429_is_throttling_and_waits_retry_after() {
    let doc = fixture("17-error-429-service-protection.http");
    let section = sections(&doc, "Response")[0];
    let mut headers = HeaderMap::new();
    headers.insert(
        "retry-after",
        header(section, "Retry-After").parse().unwrap(),
    );
    let e = api_error(
        429,
        Some(Duration::from_secs(12)),
        objects(section)[0].as_bytes(),
    );
    assert!(e.is_throttled() && e.is_retryable());
    assert_eq!(
        retry_decision(StatusCode::TOO_MANY_REQUESTS, &headers, e.code(), 1, 0.5),
        Retry::After(Duration::from_secs(12))
    );
}

#[test]
fn s18_conditional_failures_are_classified_even_without_a_code() {
    let doc = fixture("18-upsert-conditional-404-412-304.http");
    let not_found = api_error(
        404,
        None,
        objects(sections(&doc, "2)")[0]).last().unwrap().as_bytes(),
    );
    assert!(not_found.is_not_found());
    assert_eq!(not_found.code(), None, "the doc's code is empty");
    for heading in ["3)", "4)"] {
        let e = api_error(
            412,
            None,
            objects(sections(&doc, heading)[0])
                .last()
                .unwrap()
                .as_bytes(),
        );
        assert!(
            e.is_precondition_failed() && !e.is_retryable(),
            "{heading}: {e}"
        );
    }
}

#[test]
fn s19_duplicate_detection_is_a_refused_record_not_a_server_fault() {
    let doc = fixture("19-error-duplicate-detection-500.http");
    for section in sections(&doc, "Response") {
        let e = api_error(500, None, objects(section)[0].as_bytes());
        assert!(e.is_validation() && !e.is_retryable(), "{e}");
        assert_eq!(
            retry_decision(
                StatusCode::INTERNAL_SERVER_ERROR,
                &HeaderMap::new(),
                e.code(),
                1,
                0.0
            ),
            Retry::Stop
        );
    }
}

#[test]
fn s20_formatted_values_name_a_lookups_target() {
    let doc = fixture("20-filter-lookup-with-formattedvalue.http");
    let (page, _) = Page::from_json(
        objects(sections(&doc, "Response")[0])[0].as_bytes(),
        Some("accountid"),
    )
    .unwrap();
    let account = &page.records[0];
    let contact = account.lookup("primarycontactid").unwrap().unwrap();
    assert_eq!(contact.name.as_deref(), Some("Susanna Stubberod (sample)"));
    assert_eq!(
        contact.id,
        Uuid::parse_str("70bf4d48-34cb-ed11-b596-0022481d68cd").unwrap()
    );
}

#[test]
fn s21_a_created_record_reads_back_with_types() {
    let doc = fixture("21-create-basic-and-return-representation-and-bind.http");
    assert!(entity_id(header(sections(&doc, "1)")[0], "OData-EntityId")).is_some());
    let created = Record::parse(
        objects(sections(&doc, "2)")[0]).last().unwrap().as_bytes(),
        Some("accountid"),
    )
    .unwrap();
    assert_eq!(created.number("revenue").unwrap(), Some(5_000_000.0));
    assert_eq!(created.boolean("creditonhold").unwrap(), Some(false));
    assert!(created.datetime("createdon").unwrap().is_some());
    assert!(created.id().is_some());
    let expanded = Record::parse(
        objects(sections(&doc, "3)")[0]).last().unwrap().as_bytes(),
        Some("accountid"),
    )
    .unwrap();
    assert!(expanded.get("primarycontactid").unwrap().is_object());
}
