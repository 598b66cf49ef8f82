//! Record counts for progress totals (`RetrieveTotalRecordCount`) and the client's usage counters,
//! against the sandbox over real HTTP.

mod common;

use common::Org;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn total_record_counts_answers_each_table_named() {
    let org = Org::start().await;
    org.seed_contacts(3).await;
    let counts = org
        .client
        .total_record_counts(&["account", "contact"])
        .await
        .unwrap();
    assert_eq!(counts.get("contact"), Some(&3), "{counts:?}");
    assert_eq!(counts.get("account"), Some(&0), "{counts:?}");
    assert_eq!(counts.len(), 2, "one count per table asked for");
}

#[tokio::test]
async fn record_counts_come_from_a_snapshot_at_most_a_day_old() {
    let org = Org::start().await;
    org.seed_contacts(2).await;
    let first = org.client.total_record_counts(&["contact"]).await.unwrap();
    org.seed_contacts(5).await;
    let same_day = org.client.total_record_counts(&["contact"]).await.unwrap();
    assert_eq!(
        same_day, first,
        "the service counts from a snapshot, so new records are not counted at once (API-FACTS A7)"
    );
    org.control(
        Method::POST,
        "clock/advance",
        json!({ "seconds": 25 * 3600 }),
    )
    .await;
    let next_day = org.client.total_record_counts(&["contact"]).await.unwrap();
    assert_eq!(
        next_day.get("contact"),
        Some(&7),
        "a day later the snapshot is new"
    );
}

#[tokio::test]
async fn a_table_the_org_does_not_have_is_refused() {
    let org = Org::start().await;
    let error = org
        .client
        .total_record_counts(&["contact", "new_nosuchtable"])
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(404), "{error}");
    assert!(
        error.to_string().contains("new_nosuchtable"),
        "the error names the table: {error}"
    );
}

#[tokio::test]
async fn usage_counts_requests_and_throttled_answers_across_clones() {
    let org = Org::start().await;
    let clone = org.client.clone();
    assert_eq!(
        org.client.usage().requests,
        0,
        "a new client has sent nothing"
    );
    org.client.who_am_i().await.unwrap();
    org.control(
        Method::PUT,
        "faults",
        json!({ "dataverse": { "storm": { "kind": "throttle", "requests": 2, "retryAfterSecs": 1 } } }),
    )
    .await;
    clone.who_am_i().await.unwrap();
    let usage = org.client.usage();
    assert_eq!(
        usage.requests, 4,
        "one WhoAmI, then a clone's WhoAmI sent three times: {usage:?}"
    );
    assert_eq!(
        usage.throttled, 2,
        "two 429s, counted for every clone: {usage:?}"
    );
    assert_eq!(clone.usage(), usage, "clones share one usage");
}
