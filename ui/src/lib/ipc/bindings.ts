// Generated from the Rust IPC types (src-tauri/src/ipc.rs) by `cargo xtask bindings`.
// Do not edit: a test fails when this file differs from what the Rust types produce.

export type ErrorCode = "internal";

export type IpcError = { code: ErrorCode, message: string, };

export type KeychainStatus = { "status": "ready", backend: string, } | { "status": "unavailable", message: string, };

export type StartupReport = { appVersion: string, keychain: KeychainStatus, };
