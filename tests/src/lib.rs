//! Shared harness for Dynasync's end-to-end tests.
//!
//! [`app::App`] drives the real, built desktop app through tauri-driver and WebKitWebDriver: the
//! WebDriver tests are `#[ignore]`d in plain `cargo test` and run by `cargo xtask test` under Xvfb
//! inside a D-Bus session with an unlocked gnome-keyring. [`bench`] holds the scenarios of
//! `cargo xtask bench`.

pub mod app;
pub mod bench;
pub mod control;
pub mod setup;
