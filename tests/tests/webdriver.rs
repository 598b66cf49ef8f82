//! WebDriver tests of the real, built desktop app. Run by `cargo xtask test` (Xvfb, tauri-driver,
//! WebKitWebDriver, gnome-keyring); ignored by a plain `cargo test`. The app's built-in sandbox
//! starts with its tiny sample set (see `App::launch`).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use dynasync_sandbox::{Sandbox, SandboxConfig};
use dynasync_tests::app::{App, PATIENCE, SYNC_PATIENCE};
use dynasync_tests::control::{Control, people, rows};
use fantoccini::key::Key;
use serde_json::{Value, json};

/// A message of the UI's catalogue (`en` or `fr`), to assert what the user reads.
fn message(language: &str, key: &str) -> String {
    let path = format!(
        "{}/../ui/src/lib/i18n/{language}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let catalogue: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    key.split('.')
        .fold(&catalogue, |node, part| &node[part])
        .as_str()
        .unwrap_or_else(|| panic!("no message {key} in {language}.json"))
        .to_owned()
}

/// Saves a screenshot and audits the screen with axe-core.
async fn screen(app: &App, name: &str) {
    app.assert_accessible(name).await;
    app.screenshot(name).await;
}

/// Waits until a connection's checks are shown and all passed.
async fn checks_pass(app: &App, list: &str) {
    app.wait_for(&format!("{list} li[data-check]"), PATIENCE)
        .await;
    assert!(
        !app.exists(&format!("{list} li[data-status=failed]")).await,
        "every {list} check must pass against the sandbox: {}",
        app.text(list).await
    );
}

/// How the test user works the wizard.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Via {
    Mouse,
    /// The Tab key to move, Enter on buttons and Space on checkboxes: nothing else.
    Keyboard,
}

impl Via {
    async fn button(self, app: &App, css: &str) {
        match self {
            Via::Mouse => app.click(css).await,
            Via::Keyboard => app.press(css, Key::Enter).await,
        }
    }

    async fn checkbox(self, app: &App, css: &str) {
        match self {
            Via::Mouse => app.click(css).await,
            Via::Keyboard => app.press(css, Key::Space).await,
        }
    }
}

/// Walks the wizard on the built-in sandbox with every default, in `language`, saving a screenshot
/// (and an accessibility audit) of each step, and starts the first sync.
async fn set_up_sandbox(app: &App, language: &str, via: Via) {
    let t = |key: &str| message(language, key);
    app.wait_for_text("#welcome-title", &t("welcome.title"))
        .await;
    screen(app, &format!("{language}-1-welcome")).await;
    via.button(app, "#choose-sandbox").await;

    app.wait_for_text("#step-title", &t("dynamics.title")).await;
    assert!(
        app.exists("#sandbox-banner").await,
        "the wizard must say clearly that this is a sandbox"
    );
    assert!(
        app.value("#dyn-org-url")
            .await
            .starts_with("http://127.0.0.1:"),
        "every sandbox credential is pre-filled"
    );
    assert_eq!(
        app.value("#dyn-client-secret").await,
        "",
        "a secret never comes back to the UI, even the sandbox's"
    );
    via.checkbox(app, "#confirm-org").await;
    via.button(app, "#validate-dynamics").await;
    checks_pass(app, "#dynamics-checks").await;
    screen(app, &format!("{language}-2-dynamics")).await;
    via.button(app, "#step-next").await;

    app.wait_for_text("#step-title", &t("marketo.title")).await;
    via.button(app, "#validate-marketo").await;
    checks_pass(app, "#marketo-checks").await;
    app.wait_for("#marketo-budget", PATIENCE).await;
    screen(app, &format!("{language}-3-marketo")).await;
    via.button(app, "#step-next").await;

    app.wait_for_text("#step-title", &t("fields.title")).await;
    app.wait_for(".fields-table tbody tr[data-column]", PATIENCE)
        .await;
    screen(app, &format!("{language}-4-fields")).await;
    via.button(app, "#step-next").await;

    app.wait_for_text("#step-title", &t("custom.title")).await;
    app.wait_gone("main [role=status]").await;
    screen(app, &format!("{language}-5-custom-entities")).await;
    via.button(app, "#step-next").await;

    app.wait_for_text("#step-title", &t("options.title")).await;
    app.wait_for("#reserve", PATIENCE).await;
    screen(app, &format!("{language}-6-options")).await;
    via.button(app, "#step-next").await;

    app.wait_for_text("#step-title", &t("review.title")).await;
    app.wait_for("#preview-operations", SYNC_PATIENCE).await;
    screen(app, &format!("{language}-7-review")).await;
    via.button(app, "#step-next").await;

    // The dashboard shows the first sync's counts once it has ended.
    app.wait_for("#synced-counts[data-run-id]", SYNC_PATIENCE)
        .await;
    app.wait_for("#sync-state[data-state=idle]", SYNC_PATIENCE)
        .await;
}

/// Opens the sandbox panel and answers a client of the sandbox's control API, read from it.
async fn sandbox_control(app: &App) -> Control {
    app.click("#tab-sandbox").await;
    let url = app.text("#sandbox-control-url").await;
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "the panel names the control API: {url}"
    );
    Control::new(&url)
}

/// The number the dashboard shows as created for a flow of the latest run.
async fn created(app: &App, flow: &str) -> u64 {
    app.attr(
        &format!("#synced-counts tr[data-flow='{flow}']"),
        "data-created",
    )
    .await
    .and_then(|n| n.parse().ok())
    .unwrap_or_else(|| panic!("the dashboard shows no {flow} counts"))
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver: run `cargo xtask test`"]
async fn welcome_step_renders_in_english_and_switches_to_french() {
    let app = App::launch(&[]).await;
    app.wait_for_text("#welcome-title", "Welcome to Dynasync")
        .await;
    app.wait_for_text("#choose-connect .choice-title", "Connect my systems")
        .await;
    app.wait_for_text(
        "#choose-sandbox .choice-title",
        "Try with the built-in sandbox",
    )
    .await;

    // The startup check ran against the real OS keychain and found it working.
    app.wait_for_attr("main", "data-startup", "done").await;
    assert!(
        !app.exists("#keychain-error").await,
        "the keychain check failed inside a working keyring session"
    );
    app.screenshot("welcome-en").await;

    app.find("#language")
        .await
        .select_by_value("fr")
        .await
        .expect("choose French");
    app.wait_for_text("#welcome-title", "Bienvenue dans Dynasync")
        .await;
    app.wait_for_text("#choose-connect .choice-title", "Connecter mes systèmes")
        .await;
    app.wait_for_text(
        "#choose-sandbox .choice-title",
        "Essayer avec le bac à sable intégré",
    )
    .await;
    app.wait_for_attr("html", "lang", "fr").await;
    app.screenshot("welcome-fr").await;
    app.close().await;
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver: run `cargo xtask test`"]
async fn sandbox_setup_runs_the_first_sync_and_the_dashboard_counts_match_the_sandbox() {
    let app = App::launch(&[]).await;
    set_up_sandbox(&app, "en", Via::Mouse).await;
    screen(&app, "en-8-dashboard").await;

    let contacts = created(&app, "contact → Marketo").await;
    let leads = created(&app, "lead → Marketo").await;
    let snapshot = sandbox_control(&app).await.snapshot().await;
    screen(&app, "en-9-sandbox-panel").await;
    for (set, shown) in [("contacts", contacts), ("leads", leads)] {
        let key = format!("{}id", set.trim_end_matches('s'));
        let ids: BTreeSet<String> = rows(&snapshot, set)
            .iter()
            .map(|r| r[&key].as_str().unwrap().to_lowercase())
            .collect();
        let in_marketo = people(&snapshot)
            .iter()
            .filter(|p| {
                p["externalPersonId"]
                    .as_str()
                    .is_some_and(|id| ids.contains(&id.to_lowercase()))
            })
            .count() as u64;
        assert!(!ids.is_empty(), "the sandbox starts with {set} to sync");
        assert_eq!(
            in_marketo,
            ids.len() as u64,
            "the first sync copies every Dynamics {set} to Marketo"
        );
        assert_eq!(
            shown, in_marketo,
            "the dashboard's count of {set} created must be what the sandbox holds"
        );
    }
    let counted = app
        .attr(
            "#sandbox-counts tr[data-side=dynamics][data-entity=contacts]",
            "data-count",
        )
        .await;
    assert_eq!(
        counted,
        Some(rows(&snapshot, "contacts").len().to_string()),
        "the panel's counts are the sandbox's"
    );

    for tab in ["errors", "journal", "settings", "person"] {
        app.click(&format!("#tab-{tab}")).await;
        app.wait_gone("main [role=status]").await;
        screen(&app, &format!("en-10-{tab}")).await;
    }
    app.close().await;
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver: run `cargo xtask test`"]
async fn an_edit_made_as_a_user_in_the_sandbox_appears_after_quick_sync() {
    let app = App::launch(&[]).await;
    set_up_sandbox(&app, "en", Via::Mouse).await;
    let control = sandbox_control(&app).await;

    let contact = "tr.sandbox-person[data-side=dynamics][data-entity=contacts]";
    let id = app
        .attr(contact, "data-id")
        .await
        .expect("a Dynamics contact is listed");
    app.click(&format!("{contact}[data-id='{id}'] .edit-person"))
        .await;
    app.fill("#edit-job-title", "Chief Sync Officer").await;
    app.click("#save-edit").await;
    app.wait_for("#sandbox-notice", PATIENCE).await;

    app.click("#quick-sync").await;
    let person = format!(
        "tr.sandbox-person[data-side=marketo][data-dynamics-id='{}' i] .job-title",
        id
    );
    let deadline = Instant::now() + SYNC_PATIENCE;
    loop {
        if app.exists(&person).await && app.text(&person).await == "Chief Sync Officer" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the job title edited in Dynamics never reached the Marketo person"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let snapshot = control.snapshot().await;
    let synced = dynasync_tests::control::person_of(&snapshot, &id).expect("linked person");
    assert_eq!(
        synced["title"],
        json!("Chief Sync Officer"),
        "the sandbox's Marketo holds the edit, not just the panel"
    );
    screen(&app, "en-11-after-quick-sync").await;
    app.close().await;
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver: run `cargo xtask test`"]
async fn a_wrong_secret_shows_a_red_check_with_its_fix_and_the_corrected_one_passes() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let info = sandbox.info();
    let app = App::launch(&[]).await;
    app.click("#choose-connect").await;
    app.wait_for_text("#step-title", "Connect Dynamics 365")
        .await;

    // A URL that would send the secret in clear text is refused before anything is contacted,
    // and nothing typed is lost.
    app.fill("#dyn-org-url", "http://crm.example.com").await;
    app.fill("#dyn-tenant", &info.entra.tenant_id.to_string())
        .await;
    app.fill("#dyn-client-id", &info.app.client_id.to_string())
        .await;
    app.fill("#dyn-client-secret", "not-the-secret").await;
    app.fill("#dyn-authority", &info.entra.authority_host).await;
    app.click("#confirm-org").await;
    app.click("#validate-dynamics").await;
    app.wait_for_text(
        "#dyn-org-url-error",
        &message("en", "form.problem.httpNotAllowed"),
    )
    .await;
    assert_eq!(
        app.value("#dyn-client-secret").await,
        "not-the-secret",
        "a refused form keeps what was typed, the secret included"
    );
    assert_eq!(
        app.value("#dyn-tenant").await,
        info.entra.tenant_id.to_string()
    );
    screen(&app, "en-12-invalid-url").await;

    app.fill("#dyn-org-url", &info.dataverse.org_url).await;
    app.click("#validate-dynamics").await;
    let sign_in = "#dynamics-checks li[data-check=signIn]";
    app.wait_for_attr(sign_in, "data-status", "failed").await;
    assert_eq!(
        app.text(&format!("{sign_in} .check-fix")).await,
        message("en", "checks.problem.wrongSecret"),
        "a wrong secret gets its own fix"
    );
    assert!(
        !app.exists("#step-next:enabled").await,
        "a failed check keeps the user on the step"
    );
    screen(&app, "en-13-wrong-secret").await;

    app.fill("#dyn-client-secret", &info.app.client_secret)
        .await;
    app.click("#validate-dynamics").await;
    app.wait_for_attr(sign_in, "data-status", "passed").await;
    checks_pass(&app, "#dynamics-checks").await;
    assert_eq!(
        app.value("#dyn-client-secret").await,
        "",
        "once kept in the keychain, the secret leaves the form"
    );
    assert!(
        app.exists("#dyn-client-secret-hint").await,
        "the step says the secret is saved"
    );
    app.wait_for("#step-next:enabled", PATIENCE).await;
    screen(&app, "en-14-corrected-secret").await;
    app.close().await;
    sandbox.shutdown().await;
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver: run `cargo xtask test`"]
async fn adding_a_field_starts_its_backfill_and_its_progress_bar_moves() {
    let app = App::launch(&[]).await;
    set_up_sandbox(&app, "en", Via::Mouse).await;
    let control = sandbox_control(&app).await;

    // Enough contacts for several back-fill batches, synced first; then slow answers so each
    // batch can be seen.
    control
        .dynamics_bulk(
            "contacts",
            (0..1_200)
                .map(|i| json!({"lastname": format!("Bulk{i}"), "emailaddress1": format!("bulk{i}@example.com"), "fax": format!("555-{i:04}")}))
                .collect(),
        )
        .await;
    app.click("#tab-overview").await;
    let first = app.attr("#synced-counts", "data-run-id").await;
    app.click("#quick-sync").await;
    // So many changes at once may trip the circuit breaker: the admin confirms them.
    let deadline = Instant::now() + SYNC_PATIENCE;
    while app.attr("#synced-counts", "data-run-id").await == first
        || !app.exists("#sync-state[data-state=idle]").await
    {
        if app.exists("#confirm-cycle").await {
            app.click("#confirm-cycle").await;
        }
        assert!(Instant::now() < deadline, "the Quick Sync never ended");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.click("#tab-sandbox").await;
    app.click("#fault-slow").await;
    app.wait_for("#sandbox-notice", PATIENCE).await;

    app.click("#tab-settings").await;
    app.wait_for("#settings-entity-contact", SYNC_PATIENCE)
        .await;
    app.click("#settings-entity-contact").await;
    app.click("#field-contact-fax").await;
    app.click("#save-fields").await;
    app.wait_for("#settings-notice", SYNC_PATIENCE).await;
    app.click("#tab-overview").await;

    let row = ".progress-row[data-entity=contact][data-phase=backfill]";
    let mut seen = Vec::new();
    let deadline = Instant::now() + SYNC_PATIENCE;
    while Instant::now() < deadline {
        if let Ok(element) = app.client().find(fantoccini::Locator::Css(row)).await
            && let Ok(Some(done)) = element.attr("data-done").await
            && let Ok(done) = done.parse::<u64>()
            && seen.last() != Some(&done)
        {
            seen.push(done);
            if seen.len() == 2 {
                app.screenshot("en-15-backfill-progress").await;
            }
        }
        if !seen.is_empty() && app.exists("#sync-state[data-state=idle]").await {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        seen.len() >= 2 && seen.windows(2).all(|w| w[0] < w[1]),
        "the back-fill's progress bar must move forward while it runs: {seen:?}"
    );
    // A contact's fax goes to the person field Dynasync creates for it.
    let snapshot = control.snapshot().await;
    let filled = people(&snapshot)
        .iter()
        .filter(|p| {
            p["microsoftFax"]
                .as_str()
                .is_some_and(|f| f.starts_with("555-"))
        })
        .count();
    assert_eq!(
        filled, 1_200,
        "the back-fill copies the new field for every contact"
    );
    app.close().await;
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver: run `cargo xtask test`"]
async fn the_whole_wizard_speaks_french_and_works_with_the_keyboard_alone() {
    let app = App::launch(&[]).await;
    app.wait_for_attr("main", "data-startup", "done").await;
    app.find("#language")
        .await
        .select_by_value("fr")
        .await
        .expect("choose French");
    // Every step's title and the dashboard are read from the French catalogue; the whole wizard
    // is worked with the keyboard alone.
    set_up_sandbox(&app, "fr", Via::Keyboard).await;
    app.wait_for_text("#sync-state-label", &message("fr", "state.idle"))
        .await;
    app.wait_for_text("#quick-sync", &message("fr", "dashboard.quickSync"))
        .await;
    screen(&app, "fr-8-dashboard").await;
    app.close().await;
}
