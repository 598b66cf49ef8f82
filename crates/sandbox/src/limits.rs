//! The documented limits of both APIs, their numbers configurable and their enforcement switchable
//! (off only for engine-only benchmarks). Contract sizes (page sizes, batch sizes) always apply.

use serde::{Deserialize, Serialize};

/// Every limit the sandbox enforces, as the control API shows and changes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct Limits {
    pub dataverse: DataverseLimits,
    pub marketo: MarketoLimits,
    pub tokens: TokenLifetimes,
}

impl Limits {
    /// The same sizes and lifetimes, with no throttling at all: for engine-only benchmarks.
    pub fn unthrottled() -> Limits {
        let mut limits = Limits::default();
        limits.dataverse.enforced = false;
        limits.marketo.enforced = false;
        limits
    }
}

/// Dataverse service protection (per user, sliding 300 s window) and request sizes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct DataverseLimits {
    /// Whether the three service-protection limits answer 429.
    pub enforced: bool,
    pub window_secs: u32,
    /// 6,000 requests per window (error -2147015902).
    pub requests_per_window: u32,
    /// 1,200,000 ms of combined execution time per window (error -2147015903).
    pub execution_ms_per_window: u64,
    /// 52 concurrent requests (error -2147015898).
    pub concurrent_requests: u32,
    /// `Prefer: odata.maxpagesize` ceiling and default page size.
    pub max_page_size: u32,
    /// Operations in one `$batch`.
    pub max_batch_operations: u32,
    /// Days a change-tracking delta token stays valid (`ExpireChangeTrackingInDays`).
    pub change_tracking_days: u32,
}

impl Default for DataverseLimits {
    fn default() -> Self {
        DataverseLimits {
            enforced: true,
            window_secs: 300,
            requests_per_window: 6_000,
            execution_ms_per_window: 1_200_000,
            concurrent_requests: 52,
            max_page_size: 5_000,
            max_batch_operations: 1_000,
            change_tracking_days: 7,
        }
    }
}

/// Marketo's per-instance limits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct MarketoLimits {
    /// Whether rate, concurrency and daily quota answer 606, 615 and 607.
    pub enforced: bool,
    pub window_secs: u32,
    /// 100 calls per 20 s (606).
    pub calls_per_window: u32,
    /// 10 concurrent calls (615).
    pub concurrent_calls: u32,
    /// 50,000 calls per day, reset at midnight US Central (607).
    pub daily_quota: u32,
    /// Records per sync, delete and filter call.
    pub max_batch_records: u32,
    /// Values in `filterValues`.
    pub max_filter_values: u32,
    /// Request body bytes (413 above).
    pub max_body_bytes: u32,
    /// Request URI bytes (414 above).
    pub max_uri_bytes: u32,
}

impl Default for MarketoLimits {
    fn default() -> Self {
        MarketoLimits {
            enforced: true,
            window_secs: 20,
            calls_per_window: 100,
            concurrent_calls: 10,
            daily_quota: 50_000,
            max_batch_records: 300,
            max_filter_values: 300,
            max_body_bytes: 1_048_576,
            max_uri_bytes: 8_192,
        }
    }
}

/// How long issued tokens live.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct TokenLifetimes {
    /// Entra ID access tokens (`expires_in` 3599 in the docs' examples).
    pub entra_secs: u32,
    /// Marketo identity tokens (3600 s).
    pub marketo_secs: u32,
}

impl Default for TokenLifetimes {
    fn default() -> Self {
        TokenLifetimes {
            entra_secs: 3599,
            marketo_secs: 3600,
        }
    }
}
