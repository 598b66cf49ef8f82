//! Where `dynasync setup` gets secrets: never from the command line (it ends up in shell history
//! and process lists). On a terminal it prompts without echo; otherwise it reads `name=value`
//! lines from standard input. A secret already in the keychain may be left out.

use std::io::{IsTerminal, Read};

use dynasync_engine::config::secret_names;
use dynasync_secrets::{Secret, SecretStore};

/// The names secrets have on standard input.
pub(crate) const DYNAMICS_CLIENT_SECRET: &str = "dynamics-client-secret";
pub(crate) const DYNAMICS_PASSWORD: &str = "dynamics-password";
pub(crate) const MARKETO_CLIENT_SECRET: &str = "marketo-client-secret";

/// The secrets given this time; `None` keeps the keychain's.
#[derive(Debug, Default)]
pub(crate) struct Given {
    pub(crate) dynamics_client_secret: Option<Secret>,
    pub(crate) dynamics_password: Option<Secret>,
    pub(crate) marketo_client_secret: Option<Secret>,
}

/// Reads the secrets a setup needs (the password only for a username-and-password connection).
pub(crate) fn gather(keychain: &dyn SecretStore, needs_password: bool) -> Result<Given, String> {
    if std::io::stdin().is_terminal() {
        return prompt(keychain, needs_password);
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read secrets from standard input: {e}"))?;
    parse(&text)
}

fn prompt(keychain: &dyn SecretStore, needs_password: bool) -> Result<Given, String> {
    let ask = |label: &str, keychain_name: &str| -> Result<Option<Secret>, String> {
        let saved = keychain
            .read(keychain_name)
            .map_err(|e| e.to_string())?
            .is_some();
        let hint = if saved {
            " (saved in the keychain: press Enter to keep it)"
        } else {
            ""
        };
        let typed = rpassword::prompt_password(format!("{label}{hint}: "))
            .map_err(|e| format!("cannot read {label}: {e}"))?;
        Ok((!typed.is_empty()).then(|| Secret::new(typed)))
    };
    Ok(Given {
        dynamics_client_secret: ask(
            "Dynamics client secret",
            secret_names::DYNAMICS_CLIENT_SECRET,
        )?,
        dynamics_password: if needs_password {
            ask(
                "Dynamics sync user's password",
                secret_names::DYNAMICS_PASSWORD,
            )?
        } else {
            None
        },
        marketo_client_secret: ask("Marketo client secret", secret_names::MARKETO_CLIENT_SECRET)?,
    })
}

/// Parses `name=value` lines; blank lines and `#` comments are skipped.
pub(crate) fn parse(text: &str) -> Result<Given, String> {
    let mut given = Given::default();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            return Err(format!(
                "standard input, line {}: expected name=value (the value is not shown)",
                number + 1
            ));
        };
        let slot = match name.trim() {
            DYNAMICS_CLIENT_SECRET => &mut given.dynamics_client_secret,
            DYNAMICS_PASSWORD => &mut given.dynamics_password,
            MARKETO_CLIENT_SECRET => &mut given.marketo_client_secret,
            other => {
                return Err(format!(
                    "standard input, line {}: unknown secret '{other}' (expected {DYNAMICS_CLIENT_SECRET}, {DYNAMICS_PASSWORD} or {MARKETO_CLIENT_SECRET})",
                    number + 1
                ));
            }
        };
        *slot = (!value.is_empty()).then(|| Secret::new(value.to_owned()));
    }
    Ok(given)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_come_as_named_lines_and_a_mistake_never_shows_the_value() {
        let given =
            parse("# from the vault\ndynamics-client-secret=a=b\n\nmarketo-client-secret=m\n")
                .unwrap();
        assert_eq!(given.dynamics_client_secret.unwrap().expose(), "a=b");
        assert_eq!(given.marketo_client_secret.unwrap().expose(), "m");
        assert!(given.dynamics_password.is_none());
        let error = parse("marketo-secret=hunter2\n").unwrap_err();
        assert!(
            error.contains("marketo-secret") && !error.contains("hunter2"),
            "{error}"
        );
        let error = parse("hunter2\n").unwrap_err();
        assert!(!error.contains("hunter2"), "{error}");
    }
}
