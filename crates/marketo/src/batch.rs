//! Splitting writes into calls Marketo accepts: at most 300 records (`lead-database.md`) and a body
//! under 1 MB (`error-codes.md`, 413: "move those records to another request"). Batches run
//! concurrently within the limiter and their outcomes come back in input order.

use std::future::Future;
use std::ops::Range;

use futures_util::{StreamExt, TryStreamExt};
use serde::Serialize;

use crate::records::RecordOutcome;
use crate::{Error, MarketoClient};

/// Records per call in the lead database.
pub(crate) const MAX_RECORDS: usize = 300;
/// Body bytes per call, less room for the envelope around the records.
const MAX_BODY: usize = 1_048_576 - 4_096;

/// Consecutive ranges of `items`, each at most `max` records and under 1 MB of JSON.
///
/// # Errors
/// [`Error::Invalid`] when one record alone is over 1 MB.
pub(crate) fn batches<T: Serialize>(items: &[T], max: usize) -> Result<Vec<Range<usize>>, Error> {
    let mut ranges = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        let size = serde_json::to_vec(item).map_or(0, |v| v.len()) + 1;
        if size > MAX_BODY {
            return Err(Error::Invalid(format!(
                "record {i} is {size} bytes of JSON; a call's body must stay under 1 MB"
            )));
        }
        if i > start && (i - start == max || bytes + size > MAX_BODY) {
            ranges.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < items.len() {
        ranges.push(start..items.len());
    }
    Ok(ranges)
}

impl MarketoClient {
    /// Runs `write` on each batch of `items`, at most `concurrent` at once, and returns every
    /// outcome in input order.
    pub(crate) async fn write_batches<'a, T, F, Fut>(
        &self,
        items: &'a [T],
        max: usize,
        write: F,
    ) -> Result<Vec<RecordOutcome>, Error>
    where
        T: Serialize,
        F: Fn(Range<usize>, &'a [T]) -> Fut,
        Fut: Future<Output = Result<Vec<RecordOutcome>, Error>>,
    {
        let ranges = batches(items, max)?;
        let concurrent = self.inner.limits.concurrent.max(1) as usize;
        let results: Vec<Vec<RecordOutcome>> = futures_util::stream::iter(ranges)
            .map(|range| write(range.clone(), &items[range]))
            .buffered(concurrent)
            .try_collect()
            .await?;
        Ok(results.into_iter().flatten().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn batches_hold_at_most_300_records_and_stay_under_a_megabyte() {
        let small: Vec<_> = (0..700)
            .map(|i| json!({"email": format!("{i}@x.com")}))
            .collect();
        let ranges = batches(&small, 300).unwrap();
        assert_eq!(ranges, vec![0..300, 300..600, 600..700]);
        let big: Vec<_> = (0..10)
            .map(|_| json!({"address": "x".repeat(300_000)}))
            .collect();
        let ranges = batches(&big, 300).unwrap();
        assert!(
            ranges.iter().all(|r| r.len() <= 3),
            "three 300 KB records fill a call: {ranges:?}"
        );
        assert_eq!(ranges.iter().map(|r| r.len()).sum::<usize>(), 10);
        let huge = vec![json!({"address": "x".repeat(1_100_000)})];
        assert!(matches!(batches(&huge, 300), Err(Error::Invalid(_))));
    }
}
