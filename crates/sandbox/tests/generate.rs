//! The seeded data generator, read back through the control API: the same seed gives the same
//! bytes, and the org is as messy as a real one in every way a sync must cope with.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use dynasync_sandbox::{Generate, Preset, Sandbox, SandboxConfig};
use serde_json::{Value, json};

async fn start(preset: Preset, seed: u64) -> Sandbox {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Sandbox::start(SandboxConfig {
        data: Some(Generate { preset, seed }),
        ..SandboxConfig::default()
    })
    .await
    .expect("the sandbox starts with generated data")
}

async fn get(sandbox: &Sandbox, path: &str) -> String {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::get(format!("{}{path}", sandbox.info().control_url))
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn snapshot(sandbox: &Sandbox) -> Value {
    serde_json::from_str(&get(sandbox, "snapshot").await).unwrap()
}

fn rows<'a>(snapshot: &'a Value, side: &str, set: &str) -> &'a [Value] {
    snapshot[side][set].as_array().map_or(&[], Vec::as_slice)
}

fn text<'a>(row: &'a Value, name: &str) -> Option<&'a str> {
    row[name].as_str()
}

/// Contacts by the account they belong to.
fn contacts_per_account(all: &Value) -> HashMap<&str, usize> {
    let mut per_account: HashMap<&str, usize> = HashMap::new();
    for contact in rows(all, "dynamics", "contacts") {
        if let Some(account) = text(contact, "_parentcustomerid_value") {
            *per_account.entry(account).or_default() += 1;
        }
    }
    per_account
}

#[tokio::test]
async fn the_same_seed_gives_byte_identical_snapshots_and_another_seed_does_not() {
    // The history is anchored at the start of the day: two runs either side of midnight UTC
    // legitimately differ, so such a pair is run again.
    for _ in 0..2 {
        let day = Utc::now().date_naive();
        let a = start(Preset::Tiny, 42).await;
        let b = start(Preset::Tiny, 42).await;
        let (first, second) = (get(&a, "snapshot").await, get(&b, "snapshot").await);
        if Utc::now().date_naive() != day {
            continue;
        }
        assert_eq!(
            first, second,
            "the same seed must give the same orgs, byte for byte"
        );
        let c = start(Preset::Tiny, 43).await;
        assert_ne!(
            first,
            get(&c, "snapshot").await,
            "another seed must give other records"
        );
        return;
    }
    panic!("two runs in a row crossed midnight UTC");
}

#[tokio::test]
async fn without_data_the_org_holds_only_its_people() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let counts: Value = serde_json::from_str(&get(&sandbox, "counts").await).unwrap();
    assert_eq!(
        counts["dynamics"]["contacts"], 0,
        "the end-to-end tests start from an empty org"
    );
    assert_eq!(counts["dynamics"]["accounts"], 0);
    assert_eq!(counts["marketo"]["leads"], 0);
    assert!(
        counts["dynamics"]["systemusers"].as_u64().unwrap() >= 4,
        "the people are there"
    );
}

#[tokio::test]
async fn counts_agree_with_the_snapshot_and_presets_have_their_size() {
    for (preset, low, high) in [(Preset::Tiny, 35, 80), (Preset::Demo, 8_000, 14_000)] {
        let sandbox = start(preset, 7).await;
        let counts: Value = serde_json::from_str(&get(&sandbox, "counts").await).unwrap();
        let all = &snapshot(&sandbox).await;
        let mut total = 0;
        for (set, n) in counts["dynamics"].as_object().unwrap() {
            assert_eq!(
                n.as_u64().unwrap() as usize,
                rows(all, "dynamics", set).len(),
                "counts must tell the truth for {set}"
            );
            // The org's people and the roles it ships with are not generated data.
            if !matches!(
                set.as_str(),
                "systemusers"
                    | "teams"
                    | "businessunits"
                    | "connectionroles"
                    | "connectionroleobjecttypecodes"
            ) {
                total += n.as_u64().unwrap();
            }
        }
        assert_eq!(
            counts["marketo"]["leads"].as_u64().unwrap() as usize,
            rows(all, "marketo", "leads").len()
        );
        for kind in [
            "companies",
            "opportunities",
            "opportunityRoles",
            "salesPersons",
        ] {
            assert_eq!(
                counts["marketo"][kind], 0,
                "nothing has been synced into Marketo yet"
            );
        }
        total += counts["marketo"]["leads"].as_u64().unwrap();
        assert!(
            (low..=high).contains(&total),
            "{preset}: {total} records, expected {low}..={high}"
        );
    }
}

/// The demo org, generated once for the checks below.
fn demo() -> &'static Value {
    static DEMO: OnceLock<Value> = OnceLock::new();
    DEMO.get_or_init(|| {
        std::thread::spawn(|| {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async { snapshot(&start(Preset::Demo, 11).await).await })
        })
        .join()
        .unwrap()
    })
}

#[test]
fn opportunities_get_stakeholders_with_their_reciprocals() {
    let all: &Value = demo();
    let by_id = |set: &str, key: &str| -> HashMap<String, Value> {
        rows(all, "dynamics", set)
            .iter()
            .map(|r| (text(r, key).unwrap().to_owned(), r.clone()))
            .collect()
    };
    let opportunities = by_id("opportunities", "opportunityid");
    let contacts = by_id("contacts", "contactid");
    let roles = by_id("connectionroles", "connectionroleid");
    let connections = by_id("connections", "connectionid");
    let mut per_opportunity: HashMap<&str, usize> = HashMap::new();
    let mut with_the_customer = 0;
    for connection in connections.values().filter(|c| c["ismaster"] == true) {
        let opportunity = text(connection, "_record1id_value").unwrap();
        let contact = text(connection, "_record2id_value").unwrap();
        assert!(
            opportunities.contains_key(opportunity) && contacts.contains_key(contact),
            "a stakeholder connects an opportunity to a contact: {connection}"
        );
        let role = &roles[text(connection, "_record2roleid_value").unwrap()];
        assert_eq!(
            role["category"], 1000,
            "stakeholders have a role of the Stakeholder category"
        );
        let reciprocal = &connections[text(connection, "_relatedconnectionid_value").unwrap()];
        assert_eq!(
            (
                text(reciprocal, "_record1id_value"),
                text(reciprocal, "_record2id_value"),
                text(reciprocal, "_record1roleid_value"),
                &reciprocal["ismaster"],
            ),
            (
                Some(contact),
                Some(opportunity),
                text(connection, "_record2roleid_value"),
                &json!(false),
            ),
            "every stakeholder has its reciprocal, sides swapped"
        );
        *per_opportunity.entry(opportunity).or_default() += 1;
        let customer = text(&opportunities[opportunity], "_customerid_value");
        if customer == Some(contact)
            || customer == text(&contacts[contact], "_parentcustomerid_value")
        {
            with_the_customer += 1;
        }
    }
    let stakeholders: usize = per_opportunity.values().sum();
    assert_eq!(
        connections.len(),
        stakeholders * 2,
        "the generated connections are stakeholders and their reciprocals only"
    );
    let without = opportunities.len() - per_opportunity.len();
    assert!(
        without > opportunities.len() / 5 && per_opportunity.values().any(|n| *n == 3),
        "some opportunities have no stakeholder, others up to three: {without} without of {}",
        opportunities.len()
    );
    assert!(
        with_the_customer > stakeholders / 2 && with_the_customer < stakeholders,
        "most stakeholders are the customer or its account's people, not all: {with_the_customer} of {stakeholders}"
    );
}

#[test]
fn person_data_is_messy_like_a_real_org() {
    let all: &Value = demo();
    let persons: Vec<&Value> = rows(all, "dynamics", "contacts")
        .iter()
        .chain(rows(all, "dynamics", "leads"))
        .collect();
    let missing = persons
        .iter()
        .filter(|p| text(p, "emailaddress1").is_none())
        .count();
    let mut exact: HashMap<&str, usize> = HashMap::new();
    let mut folded: HashMap<String, BTreeSet<&str>> = HashMap::new();
    for email in persons.iter().filter_map(|p| text(p, "emailaddress1")) {
        *exact.entry(email).or_default() += 1;
        folded
            .entry(email.to_lowercase())
            .or_default()
            .insert(email);
    }
    let duplicated = exact.values().filter(|n| **n > 1).count();
    let case_only = folded
        .values()
        .filter(|spellings| spellings.len() > 1)
        .count();
    assert!(
        missing > persons.len() / 50,
        "some people have no email: {missing}"
    );
    assert!(
        duplicated > 10,
        "some emails are shared by two records: {duplicated}"
    );
    assert!(
        case_only > 10,
        "some emails differ only in case: {case_only}"
    );

    let phones: BTreeSet<&str> = persons
        .iter()
        .filter_map(|p| text(p, "telephone1"))
        .collect();
    assert!(
        phones.iter().any(|p| p.starts_with('(')) && phones.iter().any(|p| p.starts_with("+44")),
        "phones come in many formats"
    );
    assert!(
        persons.iter().any(
            |p| text(p, "address1_line1").is_some() && text(p, "address1_postalcode").is_some()
        ),
        "addresses"
    );
    assert!(
        persons.iter().any(|p| text(p, "address1_city").is_none()),
        "some addresses are missing"
    );
    let names: Vec<&str> = persons.iter().filter_map(|p| text(p, "lastname")).collect();
    assert!(
        names.iter().any(|n| n.contains('\'')) && names.iter().any(|n| !n.is_ascii()),
        "names with apostrophes and accents"
    );
    assert!(
        names
            .iter()
            .any(|n| n.chars().all(|c| !c.is_lowercase()) && n.len() > 2),
        "some names are in capitals"
    );
    assert!(
        persons.iter().any(|p| p["firstname"].is_null()),
        "some people have no first name"
    );
    let methods: BTreeSet<i64> = persons
        .iter()
        .filter_map(|p| p["preferredcontactmethodcode"].as_i64())
        .collect();
    assert!(
        methods.len() >= 4,
        "option sets take many values: {methods:?}"
    );
}

#[test]
fn records_are_created_by_named_people_and_owned_by_users_and_teams() {
    let all: &Value = demo();
    let users: BTreeMap<&str, &str> = rows(all, "dynamics", "systemusers")
        .iter()
        .map(|u| {
            (
                text(u, "systemuserid").unwrap(),
                text(u, "title").unwrap_or(""),
            )
        })
        .collect();
    let teams: BTreeSet<&str> = rows(all, "dynamics", "teams")
        .iter()
        .filter_map(|t| text(t, "teamid"))
        .collect();
    let named: BTreeSet<&str> = users
        .iter()
        .filter(|(_, title)| {
            !matches!(
                **title,
                "Application user" | "Integration" | "Administrator"
            )
        })
        .map(|(id, _)| *id)
        .collect();
    let now = Utc::now();
    let mut creators = BTreeSet::new();
    let (mut by_user, mut by_team) = (0, 0);
    let mut oldest = now;
    for set in [
        "accounts",
        "contacts",
        "leads",
        "opportunities",
        "new_event_registrations",
    ] {
        for row in rows(all, "dynamics", set) {
            let creator = text(row, "_createdby_value").unwrap();
            assert!(
                named.contains(creator),
                "{set} must be created by a named person, never the sync user"
            );
            creators.insert(creator);
            let owner = text(row, "_ownerid_value").unwrap();
            if teams.contains(owner) {
                by_team += 1;
            } else if users.contains_key(owner) {
                by_user += 1;
            }
            let created: DateTime<Utc> = text(row, "createdon").unwrap().parse().unwrap();
            let modified: DateTime<Utc> = text(row, "modifiedon").unwrap().parse().unwrap();
            assert!(
                created <= modified && modified <= now,
                "history is in the past and in order"
            );
            oldest = oldest.min(created);
        }
    }
    assert!(
        creators.len() >= 3,
        "records are created by several people: {creators:?}"
    );
    assert!(
        by_user > 0 && by_team > 0,
        "owners are users ({by_user}) and teams ({by_team})"
    );
    assert!(
        now - oldest > chrono::Duration::days(300),
        "history spreads over the past, oldest {oldest}"
    );
}

#[test]
fn accounts_have_zero_to_many_contacts_and_leads_are_qualified_as_qualify_lead_leaves_them() {
    let all: &Value = demo();
    let per_account = contacts_per_account(all);
    let accounts = rows(all, "dynamics", "accounts");
    let empty = accounts
        .iter()
        .filter(|a| !per_account.contains_key(text(a, "accountid").unwrap()))
        .count();
    assert!(empty > 0, "some accounts have no contacts");
    assert!(
        per_account.values().any(|n| *n >= 20),
        "some accounts have many contacts"
    );
    assert!(
        rows(all, "dynamics", "contacts")
            .iter()
            .any(|c| c["_parentcustomerid_value"].is_null()),
        "some contacts have no account"
    );

    let contacts: HashMap<&str, &Value> = rows(all, "dynamics", "contacts")
        .iter()
        .map(|c| (text(c, "contactid").unwrap(), c))
        .collect();
    let leads = rows(all, "dynamics", "leads");
    let qualified: Vec<&Value> = leads.iter().filter(|l| l["statecode"] == 1).collect();
    assert!(
        !qualified.is_empty() && qualified.len() < leads.len() / 2,
        "some leads, not most, are qualified"
    );
    assert!(
        leads.iter().any(|l| l["statecode"] == 2),
        "some leads are disqualified"
    );
    for lead in qualified {
        assert_eq!(
            lead["statuscode"], 3,
            "a qualified lead has the Qualified status reason"
        );
        let contact =
            contacts[text(lead, "_parentcontactid_value").expect("QualifyLead links the contact")];
        assert_eq!(
            contact["_originatingleadid_value"], lead["leadid"],
            "the contact points back at its lead"
        );
        assert_eq!(
            contact["emailaddress1"], lead["emailaddress1"],
            "the contact is the lead's person"
        );
    }
}

#[test]
fn opportunities_custom_rows_and_the_sync_filter_are_all_there() {
    let all: &Value = demo();
    let opportunities = rows(all, "dynamics", "opportunities");
    let accounts: BTreeSet<&str> = rows(all, "dynamics", "accounts")
        .iter()
        .filter_map(|a| text(a, "accountid"))
        .collect();
    let contacts: BTreeSet<&str> = rows(all, "dynamics", "contacts")
        .iter()
        .filter_map(|c| text(c, "contactid"))
        .collect();
    let customers: Vec<&str> = opportunities
        .iter()
        .filter_map(|o| text(o, "_customerid_value"))
        .collect();
    assert!(
        customers.iter().any(|c| accounts.contains(c)),
        "opportunities for accounts (R56)"
    );
    assert!(
        customers.iter().any(|c| contacts.contains(c)),
        "opportunities for contacts (R56)"
    );
    let states: BTreeSet<i64> = opportunities
        .iter()
        .filter_map(|o| o["statecode"].as_i64())
        .collect();
    assert_eq!(
        states,
        BTreeSet::from([0, 1, 2]),
        "open, won and lost opportunities"
    );

    let registrations = rows(all, "dynamics", "new_event_registrations");
    assert!(
        registrations
            .iter()
            .all(|r| text(r, "_new_contactid_value").is_some_and(|c| contacts.contains(c))),
        "registrations hang off contacts"
    );
    let registration_ids: BTreeSet<&str> = registrations
        .iter()
        .filter_map(|r| text(r, "new_event_registrationid"))
        .collect();
    let feedback = rows(all, "dynamics", "new_session_feedbacks");
    assert!(
        !feedback.is_empty()
            && feedback
                .iter()
                .all(|f| registration_ids.contains(text(f, "_new_registrationid_value").unwrap())),
        "feedback hangs off registrations"
    );
    assert!(
        !rows(all, "dynamics", "new_feedback_followups").is_empty(),
        "follow-ups, three levels down"
    );
    assert!(
        !rows(all, "dynamics", "new_venues").is_empty(),
        "venues, linked to nothing"
    );

    for set in ["contacts", "leads", "accounts"] {
        let filter: Vec<&Value> = rows(all, "dynamics", set)
            .iter()
            .map(|r| &r["new_synctomkto"])
            .collect();
        for (value, what) in [
            (Value::Bool(true), "Yes"),
            (Value::Bool(false), "No"),
            (Value::Null, "empty"),
        ] {
            let n = filter.iter().filter(|f| ***f == value).count();
            assert!(
                n * 20 > filter.len(),
                "{set}: new_synctomkto {what} on a share of records ({n} of {})",
                filter.len()
            );
        }
    }
}

#[test]
fn marketo_has_its_own_people_and_people_matching_dynamics_some_ambiguously() {
    let all: &Value = demo();
    let mut dynamics: HashMap<String, usize> = HashMap::new();
    for person in rows(all, "dynamics", "contacts")
        .iter()
        .chain(rows(all, "dynamics", "leads"))
    {
        if let Some(email) = text(person, "emailaddress1") {
            *dynamics.entry(email.to_lowercase()).or_default() += 1;
        }
    }
    let persons = rows(all, "marketo", "leads");
    let (mut only, mut matching, mut ambiguous, mut recased) = (0, 0, 0, 0);
    let exact: BTreeSet<&str> = rows(all, "dynamics", "contacts")
        .iter()
        .chain(rows(all, "dynamics", "leads"))
        .filter_map(|p| text(p, "emailaddress1"))
        .collect();
    for person in persons {
        match text(person, "email").map(|e| (e, dynamics.get(&e.to_lowercase()))) {
            Some((email, Some(n))) => {
                matching += 1;
                ambiguous += usize::from(*n > 1);
                recased += usize::from(!exact.contains(email));
            }
            _ => only += 1,
        }
    }
    assert!(
        only > persons.len() / 3,
        "persons that exist only in Marketo: {only}"
    );
    assert!(
        matching > 100,
        "persons matching Dynamics by email, for the dedupe pre-flight: {matching}"
    );
    assert!(
        ambiguous > 5,
        "some match more than one Dynamics record: {ambiguous}"
    );
    assert!(
        recased > 5,
        "some match only without regard to case: {recased}"
    );
    assert!(
        persons.iter().all(|p| text(p, "createdAt").is_some()),
        "Marketo persons have a history too"
    );
}

#[tokio::test]
async fn the_larger_presets_have_an_account_with_more_than_five_thousand_contacts() {
    let sandbox = start(Preset::Hundred, 5).await;
    let all = &snapshot(&sandbox).await;
    let per_account = contacts_per_account(all);
    let most = per_account.values().max().copied().unwrap_or_default();
    assert!(
        most > 5_000,
        "R12 needs an account over 5,000 contacts; the largest has {most}"
    );
}
