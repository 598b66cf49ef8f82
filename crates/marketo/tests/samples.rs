//! Every sample of `reference/marketo-samples/` parses with the client's types. The samples are
//! kept under `fixtures/`, verbatim where the docs' JSON is valid and corrected (each file says
//! how, on its first line) where it is not (API-FACTS B11).

use dynasync_marketo::{
    ActivityKind, ActivityType, Envelope, Error, FieldSchema, IdentityRefusal, IdentityToken, Lead,
    LeadAttribute, LeadDescription, ObjectDescription, OutcomeStatus, Record, RecordId, Usage,
    parse, parse_activities, parse_deleted_leads, parse_lead_changes, parse_outcomes,
};
use serde_json::Value;

/// What a JSON block of a sample is, and so which client type must read it.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Identity,
    IdentityRefusal,
    LeadAttributes,
    LeadDescription,
    Leads,
    /// A write's answer: one outcome per record.
    Outcomes,
    /// A request body whose `input` records the client sends.
    Request,
    PagingToken,
    Activities,
    ActivityTypes,
    LeadChanges,
    DeletedLeads,
    /// A failure (or an array of failures, and record-level successes) with these codes.
    Failures(&'static [u32]),
    /// A bulk export job: read as plain records.
    Export,
    ObjectDescription,
    Records,
    Usage,
    ErrorStats,
}

use Kind::*;

const SAMPLES: &[(&str, &[Kind])] = &[
    ("m01-identity-token.http", &[Identity]),
    ("m02-identity-error-invalid-client.http", &[IdentityRefusal]),
    (
        "m03-describe-leads-and-describe2.http",
        &[LeadAttributes, LeadDescription],
    ),
    (
        "m04-get-leads-by-filter.http",
        &[Leads, Leads, Leads, Records],
    ),
    (
        "m05-sync-leads-and-record-level-statuses.http",
        &[Request, Outcomes, Outcomes, Outcomes],
    ),
    ("m06-paging-token.http", &[PagingToken]),
    ("m07-activities-page.http", &[Activities, ActivityTypes]),
    ("m08-lead-changes.http", &[LeadChanges]),
    ("m09-deleted-leads.http", &[DeletedLeads]),
    (
        "m10-error-601-access-token-invalid.json",
        &[Failures(&[601])],
    ),
    (
        "m11-error-601-602-client-fixtures.json",
        &[Failures(&[602, 601])],
    ),
    (
        "m12-error-606-615-rate-and-concurrency.json",
        &[Failures(&[606, 607, 615])],
    ),
    (
        "m13-error-1003-and-record-level.json",
        &[Failures(&[1003, 0])],
    ),
    (
        "m14-bulk-lead-extract-lifecycle.http",
        &[Request, Export, Export, Export, Export, Export],
    ),
    ("m15-bulk-activity-extract.http", &[Request, Export, Export]),
    (
        "m16-companies-describe-query-sync-delete.http",
        &[
            ObjectDescription,
            Records,
            Request,
            Outcomes,
            Request,
            Outcomes,
        ],
    ),
    (
        "m17-opportunities-and-roles.http",
        &[
            ObjectDescription,
            Request,
            Outcomes,
            ObjectDescription,
            Request,
            Request,
            Outcomes,
        ],
    ),
    (
        "m18-salespersons-namedaccounts.http",
        &[
            ObjectDescription,
            Request,
            Outcomes,
            ObjectDescription,
            Records,
            Request,
            Outcomes,
        ],
    ),
    (
        "m19-custom-objects-describe-sync-delete.http",
        &[
            ObjectDescription,
            ObjectDescription,
            Records,
            Request,
            Outcomes,
            Request,
            Outcomes,
        ],
    ),
    ("m20-usage-and-error-stats.http", &[Usage, ErrorStats]),
];

/// The JSON blocks of a sample: each starts on a line beginning with `{` or `[` and runs until its
/// brackets close.
fn blocks(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].starts_with(['{', '[']) {
            i += 1;
            continue;
        }
        let (mut depth, mut in_string, mut escaped) = (0i32, false, false);
        let mut block = Vec::new();
        while i < lines.len() {
            block.push(lines[i]);
            for c in lines[i].chars() {
                match (in_string, escaped, c) {
                    (true, true, _) => escaped = false,
                    (true, false, '\\') => escaped = true,
                    (true, false, '"') => in_string = false,
                    (false, _, '"') => in_string = true,
                    (false, _, '{' | '[') => depth += 1,
                    (false, _, '}' | ']') => depth -= 1,
                    _ => {}
                }
            }
            i += 1;
            if depth <= 0 {
                break;
            }
        }
        found.push(block.join("\n"));
    }
    found
}

fn result_len(block: &str) -> usize {
    serde_json::from_str::<Value>(block).unwrap()["result"]
        .as_array()
        .map_or(0, Vec::len)
}

fn check(name: &str, index: usize, kind: Kind, block: &str) {
    let at = format!("{name} block {index} ({kind:?})");
    let bytes = block.as_bytes();
    match kind {
        Identity => {
            let token: IdentityToken = serde_json::from_str(block).expect(&at);
            assert_eq!(token.token_type, "bearer", "{at}");
            assert_eq!(token.expires_in, 3599, "{at}");
        }
        IdentityRefusal => {
            let refusal: IdentityRefusal = serde_json::from_str(block).expect(&at);
            assert_eq!(refusal.error, "invalid_client", "{at}");
        }
        LeadAttributes => {
            let described: Envelope<LeadAttribute> = parse(bytes).expect(&at);
            assert_eq!(
                described.result[0].rest.as_ref().unwrap().name,
                "company",
                "{at}"
            );
        }
        LeadDescription => {
            let described: Envelope<LeadDescription> = parse(bytes).expect(&at);
            let fields = &described.result[0].fields;
            assert!(
                fields
                    .iter()
                    .any(|f| f.name == "annualRevenue" && f.data_type == "currency"),
                "{at}"
            );
        }
        Leads => {
            let leads: Envelope<Lead> = parse(bytes).expect(&at);
            assert!(leads.result.iter().all(|l| l.id().is_some()), "{at}");
        }
        Records | Export => {
            let records: Envelope<Record> = parse(bytes).expect(&at);
            assert_eq!(records.result.len(), result_len(block), "{at}");
        }
        Outcomes => {
            let outcomes = parse_outcomes(bytes, result_len(block)).expect(&at);
            assert!(outcomes.iter().enumerate().all(|(i, o)| o.seq == i), "{at}");
            for outcome in outcomes.iter().filter(|o| o.is_skipped()) {
                assert!(
                    outcome.reason_code().is_some(),
                    "{at}: a skipped record says why"
                );
            }
        }
        Request => {
            let body: Value = serde_json::from_str(block).expect(&at);
            let input = body
                .get("input")
                .cloned()
                .unwrap_or(Value::Array(vec![body.clone()]));
            let records: Vec<Record> = serde_json::from_value(input).expect(&at);
            assert!(!records.is_empty(), "{at}");
        }
        PagingToken => {
            let envelope: Envelope<Value> = parse(bytes).expect(&at);
            assert!(
                envelope.result.is_empty() && envelope.next_page_token.is_some(),
                "{at}"
            );
        }
        Activities => {
            let page = parse_activities(bytes).expect(&at);
            assert_eq!(
                page.activities[0].attribute("Client IP Address").as_deref(),
                Some("10.0.19.252"),
                "{at}"
            );
        }
        ActivityTypes => {
            let types: Envelope<ActivityType> = parse(bytes).expect(&at);
            assert_eq!(
                types.result[0].primary_attribute.as_ref().unwrap().name,
                "Webform ID",
                "{at}"
            );
        }
        LeadChanges => {
            let page = parse_lead_changes(bytes).expect(&at);
            let change = &page.changes[0];
            assert_eq!(change.activity_type, ActivityKind::ChangeDataValue, "{at}");
            assert_eq!(
                change.fields[0].old_value.as_deref(),
                Some("FirstName_4914"),
                "{at}"
            );
            assert_eq!(
                change.attribute("Lead ID").as_deref(),
                Some("775"),
                "{at}: a numeric attribute"
            );
            assert_eq!(
                change.at.to_rfc3339(),
                "2014-09-17T22:31:49+00:00",
                "{at}: the +0000 form"
            );
            assert!(page.more, "{at}");
        }
        DeletedLeads => {
            let page = parse_deleted_leads(bytes).expect(&at);
            assert_eq!(page.deleted[1].name.as_deref(), Some("First Last"), "{at}");
        }
        Failures(codes) => {
            let value: Value = serde_json::from_str(block).expect(&at);
            let items = match value {
                Value::Array(items) => items,
                one => vec![one],
            };
            assert_eq!(items.len(), codes.len(), "{at}");
            for (item, code) in items.iter().zip(codes.iter()) {
                let body = item.to_string();
                if *code == 0 {
                    let outcomes = parse_outcomes(body.as_bytes(), 3).expect(&at);
                    assert_eq!(outcomes[0].id, Some(RecordId::Id(50)), "{at}");
                    assert_eq!(outcomes[2].status, OutcomeStatus::Skipped, "{at}");
                    assert_eq!(
                        outcomes[2].reason_code(),
                        Some(1004),
                        "{at}: errors, not reasons"
                    );
                    continue;
                }
                let error = parse::<Value>(body.as_bytes()).expect_err(&at);
                assert_eq!(error.code(), Some(*code), "{at}");
                match code {
                    607 => assert!(
                        error.is_quota() && error.quota_resets_at().is_some(),
                        "{at}"
                    ),
                    606 | 615 => assert!(error.is_rate_limited() && error.is_retryable(), "{at}"),
                    601 | 602 => assert!(error.is_auth(), "{at}"),
                    _ => assert!(matches!(error, Error::Api { .. }), "{at}"),
                }
            }
        }
        ObjectDescription => {
            let described: Envelope<ObjectDescription> = parse(bytes).expect(&at);
            let meta = &described.result[0];
            assert!(
                meta.id_field.is_some() && !meta.dedupe_fields.is_empty(),
                "{at}"
            );
            assert!(!meta.searchable_fields.is_empty(), "{at}");
        }
        Usage => {
            let usage: Envelope<Usage> = parse(bytes).expect(&at);
            assert_eq!(usage.result[0].total, 1120, "{at}");
        }
        ErrorStats => {
            let stats: Envelope<dynasync_marketo::ErrorStats> = parse(bytes).expect(&at);
            assert_eq!(stats.result[0].errors[1].error_code, "609", "{at}");
        }
    }
}

#[test]
fn every_marketo_sample_parses_with_the_client() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let listed: Vec<&str> = SAMPLES.iter().map(|(name, _)| *name).collect();
    assert_eq!(files, listed, "every fixture is checked, and only fixtures");
    for (name, kinds) in SAMPLES {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let found = blocks(&text);
        assert_eq!(
            found.len(),
            kinds.len(),
            "{name}: every JSON block is checked"
        );
        for (index, (block, kind)) in found.iter().zip(kinds.iter()).enumerate() {
            check(name, index, *kind, block);
        }
    }
}

#[test]
fn the_lead_field_schema_of_the_docs_parses() {
    let body = br#"{"requestId":"cd97#1793ee0fec4","result":[{"displayName":"Email Address","name":"email","description":null,"dataType":"email","length":255,"isHidden":false,"isHtmlEncodingInEmail":true,"isSensitive":true,"isCustom":false}],"success":true}"#;
    let fields: Envelope<FieldSchema> = parse(body).unwrap();
    assert_eq!(fields.result[0].length, Some(255));
    assert!(fields.result[0].description.is_none());
}
