//! The English words the CLI prints for check results and form problems, read from the desktop
//! app's own message catalogue so both say the same thing.

use std::sync::LazyLock;

use serde::Serialize;
use serde_json::Value;

static ENGLISH: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../../ui/src/lib/i18n/en.json"))
        .expect("en.json is valid")
});

/// The message under `section.group.<name of value>`, e.g. `checks.problem.wrongSecret`.
pub(crate) fn of(section: &str, group: &str, value: impl Serialize) -> String {
    let name = serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    ENGLISH[section][group][&name]
        .as_str()
        .map_or(name.clone(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use dynasync_engine::setup::checks::{CheckId, ProblemCode};
    use dynasync_engine::setup::form::{FieldProblem, FormField};

    use super::of;

    #[test]
    fn every_check_problem_and_field_has_english_words() {
        let problems = [
            ProblemCode::Unreachable,
            ProblemCode::WrongSecret,
            ProblemCode::MfaRequired,
            ProblemCode::QuotaLow,
            ProblemCode::Other,
        ];
        for code in problems {
            let name = serde_json::to_value(code).unwrap();
            assert_ne!(
                of("checks", "problem", code),
                name.as_str().unwrap(),
                "{code:?} has a sentence"
            );
        }
        assert_eq!(of("checks", "name", CheckId::SignIn), "Sign-in");
        assert_eq!(of("form", "field", FormField::OrgUrl), "Organization URL");
        assert_eq!(of("form", "problem", FieldProblem::Required), "Required.");
    }
}
