//! The setup flow against the sandbox over real HTTP: every check, with the problem each failure
//! names, the field catalog, and finishing the setup.

use dynasync_engine::ClientLimits;
use dynasync_engine::EngineError;
use dynasync_engine::setup::catalog::Availability;
use dynasync_engine::setup::checks::{CheckId, CheckReport, CheckStatus, ProblemCode};
use dynasync_engine::setup::form::{FieldProblem, FormField};
use dynasync_sandbox::{Sandbox, SandboxConfig};
use dynasync_secrets::Secret;
use dynasync_tests::setup::{self, dynamics_form, marketo_form, password_form};

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts")
}

fn status(report: &CheckReport, id: CheckId) -> (CheckStatus, Option<ProblemCode>) {
    let check = report
        .checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no {id:?} check: {report:#?}"));
    (check.status, check.problem.as_ref().map(|p| p.code))
}

#[tokio::test]
async fn an_app_registration_passes_every_dynamics_check_and_names_the_org() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = setup::engine(dir.path(), ClientLimits::default());
    let report = engine
        .check_dynamics(dynamics_form(sandbox.info()))
        .await
        .unwrap();
    assert!(report.ok, "{report:#?}");
    assert_eq!(
        report.checks.len(),
        7,
        "the seven checks of Validate Sync Setup"
    );
    assert_eq!(
        status(&report, CheckId::FieldVisibility),
        (CheckStatus::Warning, Some(ProblemCode::SecuredColumns)),
        "the sandbox has a column the sync user cannot read"
    );
    let org = report.organization.expect("the org is named");
    assert_eq!(org.id, sandbox.info().dataverse.organization_id);
    let state = engine.setup_state().await.unwrap();
    let draft = state
        .dynamics
        .expect("a passing connection is kept for the next steps");
    assert!(draft.client_secret_saved, "the secret went to the keychain");
}

#[tokio::test]
async fn a_username_and_password_connection_passes_too() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let report = setup::engine(dir.path(), ClientLimits::default())
        .check_dynamics(password_form(sandbox.info()))
        .await
        .unwrap();
    assert!(report.ok, "{report:#?}");
}

#[tokio::test]
async fn each_sign_in_failure_names_its_problem_and_skips_what_depends_on_it() {
    let sandbox = sandbox().await;
    let info = sandbox.info();
    let dir = tempfile::tempdir().unwrap();
    let engine = setup::engine(dir.path(), ClientLimits::default());
    let cases = [
        (
            {
                let mut f = dynamics_form(info);
                f.client_secret = Some(Secret::new("wrong"));
                f
            },
            ProblemCode::WrongSecret,
        ),
        (
            {
                let mut f = dynamics_form(info);
                f.tenant = "nobody.onmicrosoft.com".into();
                f
            },
            ProblemCode::UnknownTenant,
        ),
        (
            {
                let mut f = dynamics_form(info);
                f.client_id = uuid::Uuid::from_u128(7).to_string();
                f
            },
            ProblemCode::AppNotFound,
        ),
        (
            {
                let mut f = password_form(info);
                f.password = Some(Secret::new("nope"));
                f
            },
            ProblemCode::WrongPassword,
        ),
        (
            {
                let mut f = password_form(info);
                f.username = Some(info.mfa_username.clone());
                f
            },
            ProblemCode::MfaRequired,
        ),
    ];
    for (form, problem) in cases {
        let report = engine.check_dynamics(form).await.unwrap();
        assert!(!report.ok);
        assert_eq!(
            status(&report, CheckId::SignIn),
            (CheckStatus::Failed, Some(problem)),
            "{report:#?}"
        );
        assert_eq!(status(&report, CheckId::ReadAccess).0, CheckStatus::Skipped);
    }
    assert!(
        engine.setup_state().await.unwrap().dynamics.is_none(),
        "a failing connection is not kept"
    );
}

#[tokio::test]
async fn an_unreachable_org_url_fails_the_first_check() {
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sandbox = sandbox().await;
    let mut form = dynamics_form(sandbox.info());
    form.org_url = format!("http://127.0.0.1:{closed}");
    let report = setup::engine(dir.path(), ClientLimits::default())
        .check_dynamics(form)
        .await
        .unwrap();
    assert_eq!(
        status(&report, CheckId::OrgUrl),
        (CheckStatus::Failed, Some(ProblemCode::Unreachable))
    );
}

#[tokio::test]
async fn a_url_that_is_not_an_org_fails_the_first_check() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let mut form = dynamics_form(sandbox.info());
    form.org_url = sandbox.info().entra.authority_host.clone();
    let report = setup::engine(dir.path(), ClientLimits::default())
        .check_dynamics(form)
        .await
        .unwrap();
    assert_eq!(
        status(&report, CheckId::OrgUrl),
        (CheckStatus::Failed, Some(ProblemCode::NotDataverse))
    );
}

#[tokio::test]
async fn a_bad_form_is_refused_field_by_field_before_anything_is_contacted() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let mut form = dynamics_form(sandbox.info());
    form.org_url = "http://contoso.crm.dynamics.com".into();
    form.client_id = "not-a-guid".into();
    match setup::engine(dir.path(), ClientLimits::default())
        .check_dynamics(form)
        .await
    {
        Err(EngineError::Invalid(fields)) => {
            let found: Vec<_> = fields.iter().map(|f| (f.field, f.problem)).collect();
            assert_eq!(
                found,
                [
                    (FormField::OrgUrl, FieldProblem::HttpNotAllowed),
                    (FormField::ClientId, FieldProblem::NotAGuid)
                ]
            );
        }
        other => panic!("expected field problems, got {other:?}"),
    }
}

#[tokio::test]
async fn marketo_checks_pass_and_show_the_budget_left_today() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let report = setup::engine(dir.path(), ClientLimits::default())
        .check_marketo(marketo_form(sandbox.info()))
        .await
        .unwrap();
    assert!(report.ok, "{report:#?}");
    let budget = report.budget.expect("the budget is shown");
    assert_eq!(budget.quota, 50_000);
    assert_eq!(budget.reserve, 5_000, "10 % is kept back by default");
}

#[tokio::test]
async fn a_wrong_marketo_secret_fails_sign_in() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let mut form = marketo_form(sandbox.info());
    form.client_secret = Some(Secret::new("wrong"));
    let report = setup::engine(dir.path(), ClientLimits::default())
        .check_marketo(form)
        .await
        .unwrap();
    assert_eq!(
        status(&report, CheckId::MarketoSignIn),
        (CheckStatus::Failed, Some(ProblemCode::MarketoClientRefused))
    );
}

#[tokio::test]
async fn the_catalog_preselects_the_default_mapping_and_shows_secured_columns_r5_r52() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = setup::engine(dir.path(), ClientLimits::default());
    engine
        .check_dynamics(dynamics_form(sandbox.info()))
        .await
        .unwrap();
    engine
        .check_marketo(marketo_form(sandbox.info()))
        .await
        .unwrap();
    let catalog = engine.catalog().await.unwrap();
    let contact = catalog
        .iter()
        .find(|e| e.entity == "contact")
        .expect("contacts");
    let email = contact
        .fields
        .iter()
        .find(|f| f.column == "emailaddress1")
        .expect("email");
    assert!(email.default && email.selected);
    assert_eq!(
        email.target.as_ref().map(|t| t.name.as_str()),
        Some("email")
    );
    let secured: Vec<_> = contact
        .fields
        .iter()
        .filter(|f| f.availability == Availability::Secured)
        .collect();
    assert!(!secured.is_empty(), "the secured column is listed as such");
    assert!(secured.iter().all(|f| !f.selected), "and never selected");
    assert!(
        contact.has_sync_filter,
        "the sandbox has new_synctomkto on contacts"
    );
}

#[tokio::test]
async fn finishing_the_setup_creates_dynasyncs_fields_in_marketo_and_saves_the_connection() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = setup::engine(dir.path(), ClientLimits::default());
    setup::configure(&engine, sandbox.info(), &[]).await;
    let state = engine.setup_state().await.unwrap();
    assert!(state.configured);
    let described = setup::marketo_client(sandbox.info())
        .describe_leads()
        .await
        .unwrap();
    for field in [
        "microsoftType",
        "microsoftIsDeleted",
        "microsoftCreatedDate",
        "microsoftAddress2",
    ] {
        assert!(
            described.field(field).is_some(),
            "{field} must exist in Marketo after the setup"
        );
    }
    let types = setup::marketo_client(sandbox.info())
        .custom_activity_types()
        .await
        .unwrap();
    assert!(
        types
            .iter()
            .any(|t| t.api_name == "dynasyncDynamicsRejected"),
        "the R28 activity type exists"
    );
}

#[tokio::test]
async fn disconnecting_removes_the_secrets_and_the_setup_but_keeps_the_language() {
    let world = dynasync_tests::world::World::new().await;
    world.engine.set_language("fr".into()).await.unwrap();
    world
        .with_contact(serde_json::json!({"lastname": "Kept", "emailaddress1": "k@example.com"}))
        .await;
    world.engine.disconnect().await.unwrap();

    for name in dynasync_engine::config::secret_names::ALL {
        assert!(
            world.engine.secrets().read(name).unwrap().is_none(),
            "{name} leaves the keychain"
        );
    }
    let overview = world.engine.overview().await.unwrap();
    assert!(!overview.configured && overview.recent_runs.is_empty());
    assert_eq!(
        world.engine.status().borrow().state,
        dynasync_engine::status::SyncState::NotConfigured,
        "the wizard comes next"
    );
    assert_eq!(
        world.engine.language().await.unwrap().as_deref(),
        Some("fr")
    );

    world.configure().await;
    world.cycle().await;
    assert!(
        world.engine.overview().await.unwrap().first_sync_done,
        "a new setup starts over with a first sync"
    );
}

#[tokio::test]
async fn options_out_of_range_are_refused_with_what_is_allowed_and_nothing_is_saved() {
    use dynasync_engine::setup::flow::SyncOptions;
    let world = dynasync_tests::world::World::new().await;
    world.configure().await;
    let saved = world.engine.options().await.unwrap();
    let wrong = [
        (
            SyncOptions {
                interval_minutes: 0,
                ..saved.clone()
            },
            "1,440 minutes",
        ),
        (
            SyncOptions {
                reserve_percent: 95,
                ..saved.clone()
            },
            "at most 90 %",
        ),
        (
            SyncOptions {
                breaker_percent: 0,
                ..saved.clone()
            },
            "between 1 and 100 %",
        ),
        (
            SyncOptions {
                marketo_daily_quota: 0,
                ..saved.clone()
            },
            "at least 1 call",
        ),
    ];
    for (options, expected) in wrong {
        let error = world
            .engine
            .set_options(options)
            .await
            .expect_err("an out-of-range option is refused")
            .to_string();
        assert!(
            error.contains(expected),
            "{error:?} says what is allowed ({expected})"
        );
    }
    assert_eq!(
        world.engine.options().await.unwrap(),
        saved,
        "nothing was saved"
    );
    let quota = SyncOptions {
        marketo_daily_quota: 200_000,
        ..saved
    };
    world.engine.set_options(quota.clone()).await.unwrap();
    assert_eq!(world.engine.options().await.unwrap(), quota);
}
