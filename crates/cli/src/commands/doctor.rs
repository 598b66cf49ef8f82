//! `dynasync doctor`: can this computer keep Dynasync's secrets?

use std::path::PathBuf;

use dynasync_engine::default_data_dir;

use crate::exit::Exit;

pub(crate) fn run(data_dir: Option<PathBuf>) -> Exit {
    match crate::keychain(&data_dir.unwrap_or_else(default_data_dir)).check() {
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
