//! The few strings the Rust side shows (tray menu, notifications), read from the UI's own message
//! catalogues so that there is one catalogue per language.

use std::sync::LazyLock;

use serde_json::Value;

static ENGLISH: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../ui/src/lib/i18n/en.json")).expect("en.json is valid")
});
static FRENCH: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../ui/src/lib/i18n/fr.json")).expect("fr.json is valid")
});

/// The message under a dotted `key` in `language` (English when unknown).
pub(crate) fn text(language: &str, key: &str) -> String {
    let catalogue = if language.starts_with("fr") {
        &*FRENCH
    } else {
        &*ENGLISH
    };
    let found = key
        .split('.')
        .try_fold(catalogue, |node, part| node.get(part));
    found
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| key.to_owned())
}

#[cfg(test)]
mod tests {
    use super::text;

    #[test]
    fn the_tray_speaks_the_users_language() {
        assert_eq!(text("en", "tray.quickSync"), "Quick Sync");
        assert_eq!(text("fr", "tray.quickSync"), "Synchronisation rapide");
        assert_eq!(
            text("de", "tray.open"),
            text("en", "tray.open"),
            "unknown languages fall back to English"
        );
    }
}
