//! WebDriver tests of the real, built desktop app. Run by `cargo xtask test` (Xvfb, tauri-driver,
//! WebKitWebDriver, gnome-keyring); ignored by a plain `cargo test`.

use dynasync_tests::app::App;

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
    let english = app.screenshot("welcome-en").await;

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
    let french = app.screenshot("welcome-fr").await;

    eprintln!("screenshots: {} {}", english.display(), french.display());
    app.close().await;
}
