//! The lead store: persons by id, and lookup indexes on their searchable fields and on the
//! company and sales-person links.
//!
//! A lead's values live in a compact [`Row`]; indexes map a 64-bit hash of a value's lower-cased
//! text to the leads holding it, so a million persons cost a few hundred bytes each.

use std::collections::HashMap;

use super::schema::{LeadSchema, Source};
use super::values::Row;

#[derive(Debug, Clone)]
pub(crate) struct Lead {
    pub(crate) created_ms: i64,
    pub(crate) updated_ms: i64,
    pub(crate) values: Row,
}

/// Lead indexes (`id - 1`) by the hash of a field's value. Most values belong to one lead, so
/// those take 12 bytes; shared values (a company key, a hash collision) get a list.
#[derive(Debug, Default)]
struct Index {
    one: HashMap<u64, u32>,
    many: HashMap<u64, Vec<u32>>,
}

impl Index {
    fn get(&self, hash: u64) -> &[u32] {
        match self.one.get(&hash) {
            Some(one) => std::slice::from_ref(one),
            None => self.many.get(&hash).map_or(&[], Vec::as_slice),
        }
    }

    fn insert(&mut self, hash: u64, index: u32) {
        if let Some(list) = self.many.get_mut(&hash) {
            list.push(index);
        } else if let Some(first) = self.one.remove(&hash) {
            self.many.insert(hash, vec![first, index]);
        } else {
            self.one.insert(hash, index);
        }
    }

    fn remove(&mut self, hash: u64, index: u32) {
        if self.one.get(&hash) == Some(&index) {
            self.one.remove(&hash);
        } else if let Some(list) = self.many.get_mut(&hash) {
            list.retain(|&i| i != index);
            if let [last] = list.as_slice() {
                let last = *last;
                self.many.remove(&hash);
                self.one.insert(hash, last);
            }
        }
    }
}

/// FNV-1a over the lower-cased text: index keys match without regard to case.
fn key_hash(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte.to_ascii_lowercase());
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[derive(Debug, Default)]
pub(crate) struct Leads {
    /// Index `id - 1`; a deleted lead leaves `None`.
    rows: Vec<Option<Lead>>,
    indexes: HashMap<u16, Index>,
}

impl Leads {
    /// A store indexing the schema's searchable person fields and the link fields.
    pub(crate) fn new(schema: &LeadSchema) -> Leads {
        let mut leads = Leads::default();
        for field in schema.all() {
            let link = matches!(
                field.name.as_str(),
                "externalCompanyId" | "externalSalesPersonId"
            );
            if field.source == Source::Person && (field.searchable || link) {
                leads.indexes.insert(field.id, Index::default());
            }
        }
        leads
    }

    /// Starts indexing a (new, empty) field.
    pub(crate) fn index_field(&mut self, field: u16) {
        self.indexes.entry(field).or_default();
    }

    pub(crate) fn get(&self, id: i64) -> Option<&Lead> {
        let index = usize::try_from(id.checked_sub(1)?).ok()?;
        self.rows.get(index)?.as_ref()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (i64, &Lead)> {
        self.rows
            .iter()
            .enumerate()
            .filter_map(|(i, l)| Some((i as i64 + 1, l.as_ref()?)))
    }

    /// Ids of the leads whose `field` has the text `value` (case-insensitive).
    pub(crate) fn find(&self, field: u16, value: &str) -> Vec<i64> {
        let matches = |lead: &Lead| {
            lead.values
                .get(field)
                .is_some_and(|v| v.text().eq_ignore_ascii_case(value))
        };
        match self.indexes.get(&field) {
            Some(index) => index
                .get(key_hash(value))
                .iter()
                .map(|&i| i64::from(i) + 1)
                .filter(|&id| self.get(id).is_some_and(matches))
                .collect(),
            None => self
                .iter()
                .filter(|(_, l)| matches(l))
                .map(|(id, _)| id)
                .collect(),
        }
    }

    fn unindex(&mut self, index: u32, values: &Row) {
        for (field, value) in values.iter() {
            if let Some(map) = self.indexes.get_mut(&field) {
                map.remove(key_hash(&value.text()), index);
            }
        }
    }

    fn reindex(&mut self, index: u32, values: &Row) {
        for (field, value) in values.iter() {
            if let Some(map) = self.indexes.get_mut(&field) {
                map.insert(key_hash(&value.text()), index);
            }
        }
    }

    /// Makes room for `more` leads.
    pub(crate) fn reserve(&mut self, more: usize) {
        self.rows.reserve(more);
    }

    pub(crate) fn insert(&mut self, lead: Lead) -> i64 {
        let index = self.rows.len() as u32;
        self.reindex(index, &lead.values);
        self.rows.push(Some(lead));
        i64::from(index) + 1
    }

    pub(crate) fn set_values(&mut self, id: i64, values: Row, now_ms: i64) {
        let index = (id - 1) as u32;
        let old = std::mem::take(&mut self.rows[index as usize].as_mut().expect("live").values);
        self.unindex(index, &old);
        self.reindex(index, &values);
        let lead = self.rows[index as usize].as_mut().expect("live");
        lead.values = values;
        lead.updated_ms = now_ms;
    }

    /// Marks a lead updated without changing its own values (an inherited value changed).
    pub(crate) fn touch(&mut self, id: i64, now_ms: i64) {
        if let Some(Some(lead)) = self.rows.get_mut((id - 1) as usize) {
            lead.updated_ms = now_ms;
        }
    }

    pub(crate) fn remove(&mut self, id: i64) -> Option<Lead> {
        let index = u32::try_from(id.checked_sub(1)?).ok()?;
        let lead = self.rows.get_mut(index as usize)?.take()?;
        self.unindex(index, &lead.values);
        Some(lead)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marketo::values::Val;

    #[test]
    fn the_index_finds_leads_by_value_without_regard_to_case_and_forgets_old_values() {
        let schema = LeadSchema::default();
        let email = schema.get("email").unwrap().id;
        let mut leads = Leads::new(&schema);
        let row = |e: &str| Row::from_values(vec![(email, Val::Str(e.into()))]);
        let a = leads.insert(Lead {
            created_ms: 0,
            updated_ms: 0,
            values: row("Ann@x.com"),
        });
        let b = leads.insert(Lead {
            created_ms: 0,
            updated_ms: 0,
            values: row("ann@X.com"),
        });
        assert_eq!(leads.find(email, "ANN@x.com"), vec![a, b]);
        leads.set_values(a, row("zed@x.com"), 1);
        assert_eq!(leads.find(email, "ann@x.com"), vec![b]);
        assert_eq!(leads.find(email, "zed@x.com"), vec![a]);
        leads.remove(b);
        assert!(leads.find(email, "ann@x.com").is_empty());
        assert!(leads.get(b).is_none() && leads.get(a).is_some());
    }
}
