//! `dynasync doctor`: can this computer keep Dynasync's secrets?

use crate::exit::Exit;

pub(crate) fn run() -> Exit {
    match crate::keychain().check() {
        Ok(backend) => {
            println!("keychain: ok ({})", backend.display_name());
            Exit::Ok
        }
        Err(error) => {
            eprintln!("keychain: {error}");
            Exit::Auth
        }
    }
}
