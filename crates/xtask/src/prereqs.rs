//! What must be on the machine before building or testing, and installing it where we can.
//!
//! On Debian and Ubuntu the missing system packages are installed with apt (as root, or through
//! sudo); elsewhere the exact packages to install are printed. npm packages come from the UI's
//! lockfile; tauri-driver is installed into `.tools/`.

use std::path::PathBuf;

use crate::process::Cmd;
use crate::root;

/// What `cargo xtask demo` needs: a C toolchain and the WebKitGTK stack the app links against.
const BUILD_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "file",
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "libsoup-3.0-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "libdbus-1-dev",
];

/// What `cargo xtask test` needs on top: a virtual display, the WebDriver for WebKitGTK, a
/// private D-Bus session with gnome-keyring, and the tools that inspect windows and secrets.
const TEST_PACKAGES: &[&str] = &[
    "xvfb",
    "xauth",
    "x11-utils",
    "imagemagick",
    "webkit2gtk-driver",
    "dbus",
    "dbus-x11",
    "gnome-keyring",
    "libsecret-tools",
];

const NODE_MAJOR: u32 = 20;

pub(crate) fn demo(install: bool) -> Result<(), String> {
    system(BUILD_PACKAGES, install, "demo")?;
    ui(install)
}

pub(crate) fn test(install: bool) -> Result<(), String> {
    let packages: Vec<&str> = BUILD_PACKAGES
        .iter()
        .chain(TEST_PACKAGES)
        .copied()
        .collect();
    system(&packages, install, "test")?;
    ui(install)?;
    tauri_driver()?;
    Ok(())
}

/// Node.js, then the UI's npm packages exactly as locked (skipped when already installed).
pub(crate) fn ui(_install: bool) -> Result<(), String> {
    node()?;
    let ui = root().join("ui");
    let lock = ui.join("package-lock.json");
    let installed = ui.join("node_modules/.package-lock.json");
    let fresh = match (modified(&installed), modified(&lock)) {
        (Some(installed), Some(lock)) => installed >= lock,
        _ => false,
    };
    if !fresh {
        Cmd::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .dir(&ui)
            .run()?;
    }
    Ok(())
}

fn modified(path: &std::path::Path) -> Option<std::time::SystemTime> {
    path.metadata().and_then(|m| m.modified()).ok()
}

fn node() -> Result<(), String> {
    let version = Cmd::new("node").args(["--version"]).output();
    let major = version.as_deref().and_then(|v| {
        v.trim()
            .trim_start_matches('v')
            .split('.')
            .next()?
            .parse::<u32>()
            .ok()
    });
    match major {
        Some(major) if major >= NODE_MAJOR => Ok(()),
        Some(major) => Err(format!(
            "Node.js {major} is too old: the UI needs Node.js {NODE_MAJOR} or newer (https://nodejs.org)"
        )),
        None => Err(format!(
            "Node.js is not installed: install Node.js {NODE_MAJOR} or newer with npm (https://nodejs.org, \
             or on Debian/Ubuntu the NodeSource packages), then run this again"
        )),
    }
}

/// The official tauri-driver, compiled once into `.tools/bin`.
pub(crate) fn tauri_driver_path() -> PathBuf {
    root().join(".tools/bin/tauri-driver")
}

fn tauri_driver() -> Result<(), String> {
    if tauri_driver_path().exists() {
        return Ok(());
    }
    crate::cargo()
        .args([
            "install",
            "tauri-driver",
            "--locked",
            "--version",
            "^2",
            "--root",
        ])
        .args([root().join(".tools")])
        .run()
}

fn system(packages: &[&str], install: bool, command: &str) -> Result<(), String> {
    let os = OsRelease::read();
    if !os.is_debian_like() {
        // With --no-install the user says the packages are there; trust that and let the build tell.
        return if install {
            Err(other_os_instructions(&os, command))
        } else {
            Ok(())
        };
    }
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| !dpkg_installed(p))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !install {
        return Err(format!("missing system packages: {}", missing.join(" ")));
    }
    println!("Installing missing system packages: {}", missing.join(" "));
    let root_user = Cmd::new("id")
        .args(["-u"])
        .output()
        .is_some_and(|id| id.trim() == "0");
    let apt = |args: &[&str]| {
        let cmd = Cmd::new("apt-get")
            .args(args.iter().copied())
            .env("DEBIAN_FRONTEND", "noninteractive");
        if root_user {
            cmd
        } else {
            cmd.wrapped_in(&["sudo", "--preserve-env=DEBIAN_FRONTEND"])
        }
    };
    apt(&["update"]).run()?;
    let mut install_args = vec!["install", "-y", "--no-install-recommends"];
    install_args.extend(&missing);
    apt(&install_args).run().map_err(|e| {
        format!("{e}\n(installing system packages needs root or sudo: run as root, or install them yourself: apt-get install {})", missing.join(" "))
    })
}

fn dpkg_installed(package: &str) -> bool {
    Cmd::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_some_and(|status| status.contains("ok installed"))
}

#[derive(Debug, Default)]
struct OsRelease {
    id: String,
    id_like: String,
}

impl OsRelease {
    fn read() -> OsRelease {
        let text = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
                .map(|v| v.trim_matches('"').to_ascii_lowercase())
                .unwrap_or_default()
        };
        OsRelease {
            id: field("ID"),
            id_like: field("ID_LIKE"),
        }
    }

    fn is_debian_like(&self) -> bool {
        cfg!(target_os = "linux")
            && (["debian", "ubuntu"].contains(&self.id.as_str())
                || self
                    .id_like
                    .split_whitespace()
                    .any(|l| l == "debian" || l == "ubuntu"))
    }
}

fn other_os_instructions(os: &OsRelease, command: &str) -> String {
    let node = format!("Node.js {NODE_MAJOR} or newer with npm (https://nodejs.org)");
    let how = if cfg!(target_os = "macos") {
        format!("install the Xcode command line tools (`xcode-select --install`) and {node}")
    } else if cfg!(target_os = "windows") {
        format!(
            "install the Microsoft C++ Build Tools (workload \"Desktop development with C++\"), the \
             WebView2 runtime (already present on Windows 11) and {node}"
        )
    } else if os.id == "fedora" || os.id_like.contains("fedora") {
        format!(
            "run `sudo dnf install webkit2gtk4.1-devel libsoup3-devel libappindicator-gtk3-devel \
             librsvg2-devel libxdo-devel dbus-devel gcc pkgconf-pkg-config file` and install {node}"
        )
    } else if os.id == "arch" || os.id_like.contains("arch") {
        format!(
            "run `sudo pacman -S --needed base-devel webkit2gtk-4.1 libsoup3 libappindicator-gtk3 \
             librsvg xdotool dbus file` and install {node}"
        )
    } else {
        format!(
            "install the development packages of WebKitGTK 4.1, libsoup 3, GTK 3, libayatana-appindicator3 \
             (or libappindicator3), librsvg2, libxdo and D-Bus, a C toolchain with pkg-config, and {node}"
        )
    };
    let scope = if command == "test" {
        "\n`cargo xtask test` installs and drives its own Xvfb, WebKitWebDriver and gnome-keyring only on \
         Debian and Ubuntu; here, run `cargo test --workspace` and `npm --prefix ui test` instead."
    } else {
        "\nThen run `cargo xtask demo --no-install`."
    };
    format!(
        "cargo xtask {command} installs system packages on Debian and Ubuntu only. On this system, {how}.{scope}"
    )
}
