//! Queries of the lead-database objects other than leads (`lead-database.md`, Query): a
//! `filterType` — a single searchable field, or the aliases `idField` and `dedupeFields` — with up
//! to 300 `filterValues`; or, for compound keys, `POST ...?_method=GET` with a JSON body whose
//! `input` holds one object per key. Each result carries the `seq` of the value it matched.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::api::{self, ApiError, Call};
use super::objects::{Record, Store, key_text};
use super::paging;

/// The JSON body of a `_method=GET` query (compound keys).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LookupRequest {
    filter_type: Option<String>,
    fields: Option<Vec<String>>,
    input: Option<Vec<Map<String, Value>>>,
    batch_size: Option<i64>,
    next_page_token: Option<String>,
}

impl Store {
    /// Answers a query: `filterType`/`filterValues` (GET or `_method=GET` form), or a JSON
    /// lookup with compound-key `input`.
    pub(crate) fn query(&self, call: &Call, max_values: usize) -> Result<Value, ApiError> {
        let lookup: Option<LookupRequest> = if call.json_body && call.has_body() {
            Some(call.json()?)
        } else {
            None
        };
        let filter_type = match &lookup {
            Some(l) => l
                .filter_type
                .clone()
                .ok_or_else(|| ApiError::blank("filterType"))?,
            None => call.required("filterType")?.to_owned(),
        };
        let fields = match &lookup {
            Some(l) => l.fields.clone(),
            None => {
                let f = call.list("fields");
                (!f.is_empty()).then(|| f.into_iter().map(str::to_owned).collect())
            }
        };
        if let Some(fields) = &fields {
            for name in fields {
                if self.kind.field(name).is_none() {
                    return Err(ApiError::new(1006, format!("Field '{name}' not found")));
                }
            }
        }
        let size = match lookup.as_ref().and_then(|l| l.batch_size) {
            Some(n) if (1..=300).contains(&n) => n as usize,
            Some(n) => {
                return Err(ApiError::invalid(format!(
                    "batchSize {n} is outside 1..=300"
                )));
            }
            None => call.batch_size(300)?,
        };
        let token = match &lookup {
            Some(l) => l.next_page_token.clone(),
            None => call.param("nextPageToken").map(str::to_owned),
        };
        let offset = usize::try_from(paging::position(token.as_deref())?).unwrap_or(0);
        let key: Vec<String> = match filter_type.as_str() {
            "idField" => vec![self.kind.id_field.name().to_owned()],
            "dedupeFields" => self.kind.dedupe.clone(),
            other => self
                .kind
                .searchable
                .iter()
                .find(|s| s.len() == 1 && s[0].eq_ignore_ascii_case(other))
                .cloned()
                .ok_or_else(|| {
                    ApiError::invalid(format!(
                        "filterType '{other}' is not searchable; use one of {}",
                        self.searchable_names()
                    ))
                })?,
        };
        // One map of key field to value per filter value.
        let wanted: Vec<Vec<Value>> = match &lookup {
            Some(l) => {
                let input = l.input.as_ref().ok_or_else(|| ApiError::blank("input"))?;
                input
                    .iter()
                    .map(|i| {
                        key.iter()
                            .map(|k| {
                                i.iter()
                                    .find(|(n, _)| n.eq_ignore_ascii_case(k))
                                    .map(|(_, v)| v.clone())
                                    .ok_or_else(|| {
                                        ApiError::invalid(format!("every input needs '{k}'"))
                                    })
                            })
                            .collect()
                    })
                    .collect::<Result<_, _>>()?
            }
            None if key.len() > 1 => {
                return Err(ApiError::invalid(format!(
                    "the compound key {} is queried with POST ?_method=GET and a JSON input",
                    key.join(", ")
                )));
            }
            None => {
                let values = call.list("filterValues");
                if values.is_empty() {
                    return Err(ApiError::blank("filterValues"));
                }
                values.into_iter().map(|v| vec![json!(v)]).collect()
            }
        };
        if wanted.len() > max_values {
            return Err(ApiError::invalid(format!(
                "at most {max_values} filterValues, got {}",
                wanted.len()
            )));
        }
        let mut matches: Vec<(usize, &Record)> = Vec::new();
        for (seq, values) in wanted.iter().enumerate() {
            if key.len() == 1 && key[0] == self.kind.id_field.name() {
                if let Some(index) = self.find_by_id(&values[0]) {
                    matches.push((seq, self.record(index).expect("indexed")));
                }
            } else if key == self.kind.dedupe {
                if let Some(record) = self.find_by_key(&values.iter().collect::<Vec<_>>()) {
                    matches.push((seq, record));
                }
            } else {
                let wanted = key_text(&values[0]);
                matches.extend(
                    self.iter()
                        .filter(|r| self.value(r, &key[0]).as_ref().and_then(key_text) == wanted)
                        .map(|r| (seq, r)),
                );
            }
        }
        let end = (offset + size).min(matches.len());
        let result = matches[offset.min(end)..end]
            .iter()
            .map(|(seq, r)| self.record_json(r, *seq, &fields))
            .collect();
        let more = end < matches.len();
        Ok(api::page(
            result,
            more,
            more.then(|| paging::position_token(end as i64)),
        ))
    }

    fn searchable_names(&self) -> String {
        self.kind
            .searchable
            .iter()
            .filter(|s| s.len() == 1)
            .map(|s| s[0].as_str())
            .chain(["idField", "dedupeFields"])
            .collect::<Vec<_>>()
            .join(", ")
    }
}
