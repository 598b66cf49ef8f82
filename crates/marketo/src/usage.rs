//! API usage and error statistics (`usage.md`); reading today's usage also corrects the
//! client's own count of the daily budget.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::client::Request;
use crate::{Error, MarketoClient};

/// One API user's calls of a day.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserCount {
    pub user_id: String,
    pub count: u64,
}

/// A day's calls, all API users of the instance together and each on its own.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Usage {
    pub date: NaiveDate,
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub users: Vec<UserCount>,
}

/// One error code's count of a day.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorCount {
    pub error_code: String,
    pub count: u64,
}

/// A day's errors.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ErrorStats {
    pub date: NaiveDate,
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub errors: Vec<ErrorCount>,
}

impl MarketoClient {
    /// Today's calls (`stats/usage.json`). The instance's total raises the client's count in
    /// [`MarketoClient::budget`]: other integrations spend the same quota.
    ///
    /// # Errors
    /// Any response-level error.
    pub async fn usage_today(&self) -> Result<Usage, Error> {
        let usage: Usage = self.first(Request::get("/v1/stats/usage.json")).await?;
        self.correct_budget(usage.date, usage.total);
        Ok(usage)
    }

    /// Today's errors by code (`stats/errors.json`).
    ///
    /// # Errors
    /// Any response-level error.
    pub async fn errors_today(&self) -> Result<ErrorStats, Error> {
        self.first(Request::get("/v1/stats/errors.json")).await
    }
}
