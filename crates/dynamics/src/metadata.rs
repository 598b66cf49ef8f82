//! Table and column definitions for the field picker (webapi/query-metadata-web-api.md): only
//! what the sync user can read is worth offering (R5, R44), and custom tables qualify when they are
//! linked to lead, contact or account one or two levels deep and readable by the sync user (R60).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;

use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::client::{DataverseClient, Payload, query_string};
use crate::error::Error;
use crate::wire;

/// A table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityMeta {
    pub logical_name: String,
    pub entity_set_name: String,
    pub primary_id: String,
    pub primary_name: Option<String>,
    pub display_name: Option<String>,
    pub is_custom: bool,
    pub change_tracking_enabled: bool,
    /// Lookups from other tables to this one.
    pub one_to_many: Vec<Relationship>,
}

/// A lookup column of `referencing_entity` pointing at `referenced_entity`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Relationship {
    pub schema_name: String,
    pub referenced_entity: String,
    pub referencing_entity: String,
    pub referencing_attribute: String,
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeMeta {
    pub logical_name: String,
    pub display_name: Option<String>,
    /// `String`, `Picklist`, `Lookup`, `Customer`, `DateTime`, ...
    pub attribute_type: String,
    pub is_custom: bool,
    pub is_secured: bool,
    pub valid_for_read: bool,
    pub valid_for_create: bool,
    pub valid_for_update: bool,
    /// `None`, `Recommended`, `ApplicationRequired`, `SystemRequired`.
    pub required_level: Option<String>,
    /// Text columns.
    pub max_length: Option<u32>,
    /// Choice, state, status and Boolean columns.
    pub options: Vec<OptionMeta>,
    /// Lookup columns: the tables they can point to.
    pub targets: Vec<String>,
    /// Whether the caller can read the values: a secured column needs its field security profile
    /// to grant read.
    pub readable_by_caller: bool,
}

/// One choice of a choice column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionMeta {
    pub value: i32,
    pub label: Option<String>,
}

/// A custom table and how it hangs off lead, contact or account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomEntityLink {
    pub logical_name: String,
    pub entity_set_name: String,
    pub display_name: Option<String>,
    /// From the standard table down to this one, shortest first found; empty when not linked.
    pub path: Vec<LinkStep>,
    /// Why it cannot be synced; `None` when it can.
    pub ineligible: Option<Ineligible>,
}

/// One lookup on the way from a standard table to a custom one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkStep {
    pub parent: String,
    pub child: String,
    /// The child's lookup column pointing at the parent.
    pub lookup: String,
}

/// Why a custom table cannot be synced (R60).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ineligible {
    /// Linked, but more than two levels below lead, contact or account.
    TooDeep { levels: usize },
    /// Not linked to lead, contact or account at all.
    NotLinked,
    /// The sync user cannot read it.
    NotReadable,
}

impl fmt::Display for Ineligible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ineligible::TooDeep { levels } => write!(
                f,
                "linked {levels} levels below lead, contact or account; only one or two levels are supported"
            ),
            Ineligible::NotLinked => f.write_str("not linked to lead, contact or account"),
            Ineligible::NotReadable => f.write_str("the sync user cannot read it"),
        }
    }
}

const ROOTS: [&str; 3] = ["lead", "contact", "account"];

#[derive(Debug, Deserialize)]
struct Collection<T> {
    value: Vec<T>,
}

#[derive(Debug, Deserialize)]
struct Label {
    #[serde(rename = "UserLocalizedLabel")]
    user: Option<LocalizedLabel>,
}

#[derive(Debug, Deserialize)]
struct LocalizedLabel {
    #[serde(rename = "Label")]
    label: String,
}

fn text(label: Option<Label>) -> Option<String> {
    label
        .and_then(|l| l.user)
        .map(|l| l.label)
        .filter(|l| !l.is_empty())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawEntity {
    logical_name: Option<String>,
    entity_set_name: Option<String>,
    primary_id_attribute: Option<String>,
    primary_name_attribute: Option<String>,
    display_name: Option<Label>,
    #[serde(default)]
    is_custom_entity: bool,
    change_tracking_enabled: Option<bool>,
    #[serde(default)]
    one_to_many_relationships: Vec<Relationship>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawAttribute {
    logical_name: String,
    attribute_type: Option<String>,
    display_name: Option<Label>,
    #[serde(default)]
    is_custom_attribute: bool,
    #[serde(default)]
    is_secured: bool,
    #[serde(default)]
    is_valid_for_read: bool,
    #[serde(default)]
    is_valid_for_create: bool,
    #[serde(default)]
    is_valid_for_update: bool,
    required_level: Option<Managed>,
}

#[derive(Debug, Deserialize)]
struct Managed {
    #[serde(rename = "Value")]
    value: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WithMaxLength {
    logical_name: String,
    max_length: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WithTargets {
    logical_name: String,
    #[serde(default)]
    targets: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WithOptionSet {
    logical_name: String,
    option_set: Option<RawOptionSet>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawOptionSet {
    #[serde(default)]
    options: Vec<RawOption>,
    true_option: Option<RawOption>,
    false_option: Option<RawOption>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawOption {
    value: i32,
    label: Option<Label>,
}

impl EntityMeta {
    /// Decodes an `EntityDefinitions` collection; tables without an entity set are left out.
    ///
    /// # Errors
    /// A body that is not such a collection, with the JSON path that failed.
    pub fn list_from_json(body: &[u8]) -> Result<Vec<EntityMeta>, Error> {
        let raw: Collection<RawEntity> = wire::decode(body, "EntityDefinitions")?;
        Ok(raw
            .value
            .into_iter()
            .filter_map(|e| {
                Some(EntityMeta {
                    entity_set_name: e.entity_set_name?,
                    primary_id: e.primary_id_attribute?,
                    logical_name: e.logical_name?,
                    primary_name: e.primary_name_attribute,
                    display_name: text(e.display_name),
                    is_custom: e.is_custom_entity,
                    change_tracking_enabled: e.change_tracking_enabled.unwrap_or(false),
                    one_to_many: e.one_to_many_relationships,
                })
            })
            .collect())
    }
}

impl AttributeMeta {
    fn from_raw(a: RawAttribute) -> AttributeMeta {
        AttributeMeta {
            logical_name: a.logical_name,
            display_name: text(a.display_name),
            attribute_type: a.attribute_type.unwrap_or_default(),
            is_custom: a.is_custom_attribute,
            is_secured: a.is_secured,
            valid_for_read: a.is_valid_for_read,
            valid_for_create: a.is_valid_for_create,
            valid_for_update: a.is_valid_for_update,
            required_level: a.required_level.and_then(|r| r.value),
            max_length: None,
            options: Vec::new(),
            targets: Vec::new(),
            readable_by_caller: a.is_valid_for_read && !a.is_secured,
        }
    }

    /// Decodes an `Attributes` collection (base properties only).
    ///
    /// # Errors
    /// A body that is not such a collection, with the JSON path that failed.
    pub fn list_from_json(body: &[u8]) -> Result<Vec<AttributeMeta>, Error> {
        let raw: Collection<RawAttribute> = wire::decode(body, "Attributes")?;
        Ok(raw.value.into_iter().map(AttributeMeta::from_raw).collect())
    }

    /// Decodes one column's definition (`.../Attributes(LogicalName='x')`).
    ///
    /// # Errors
    /// A body that is not an attribute definition, with the JSON path that failed.
    pub fn from_json(body: &[u8]) -> Result<AttributeMeta, Error> {
        wire::decode::<RawAttribute>(body, "Attribute").map(AttributeMeta::from_raw)
    }
}

impl DataverseClient {
    async fn get_collection<T: DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
    ) -> Result<Vec<T>, Error> {
        let answer = self
            .send(Method::GET, self.url(path)?, &[], Payload::None)
            .await?;
        wire::decode::<Collection<T>>(&answer.body, what).map(|c| c.value)
    }

    /// Every table with an entity set, with the lookups pointing at it.
    ///
    /// # Errors
    /// As any request.
    pub async fn entities(&self) -> Result<Vec<EntityMeta>, Error> {
        let query = query_string(&[
            ("$select", "LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute,DisplayName,IsCustomEntity,ChangeTrackingEnabled".into()),
            ("$expand", "OneToManyRelationships($select=SchemaName,ReferencedEntity,ReferencingEntity,ReferencingAttribute)".into()),
        ]);
        let answer = self
            .send(
                Method::GET,
                self.url(&format!("EntityDefinitions?{query}"))?,
                &[],
                Payload::None,
            )
            .await?;
        EntityMeta::list_from_json(&answer.body)
    }

    /// The columns of a table (`contact`), with lengths, choices and lookup targets, and whether the
    /// caller can read each one.
    ///
    /// # Errors
    /// As any request.
    pub async fn attributes(&self, entity: &str) -> Result<Vec<AttributeMeta>, Error> {
        let base = format!("EntityDefinitions(LogicalName='{entity}')/Attributes");
        let select = query_string(&[(
            "$select",
            "LogicalName,AttributeType,DisplayName,IsCustomAttribute,IsSecured,IsValidForRead,IsValidForCreate,IsValidForUpdate,RequiredLevel".into(),
        )]);
        let answer = self
            .send(
                Method::GET,
                self.url(&format!("{base}?{select}"))?,
                &[],
                Payload::None,
            )
            .await?;
        let mut attributes = AttributeMeta::list_from_json(&answer.body)?;
        let index: HashMap<String, usize> = attributes
            .iter()
            .enumerate()
            .map(|(i, a)| (a.logical_name.clone(), i))
            .collect();
        let cast =
            |kind: &str, options: &str| format!("{base}/Microsoft.Dynamics.CRM.{kind}?{options}");
        for kind in ["StringAttributeMetadata", "MemoAttributeMetadata"] {
            for a in self
                .get_collection::<WithMaxLength>(&cast(kind, "$select=LogicalName,MaxLength"), kind)
                .await?
            {
                if let Some(&i) = index.get(&a.logical_name) {
                    attributes[i].max_length = a.max_length;
                }
            }
        }
        for a in self
            .get_collection::<WithTargets>(
                &cast("LookupAttributeMetadata", "$select=LogicalName,Targets"),
                "LookupAttributeMetadata",
            )
            .await?
        {
            if let Some(&i) = index.get(&a.logical_name) {
                attributes[i].targets = a.targets;
            }
        }
        for kind in [
            "PicklistAttributeMetadata",
            "StateAttributeMetadata",
            "StatusAttributeMetadata",
            "BooleanAttributeMetadata",
        ] {
            for a in self
                .get_collection::<WithOptionSet>(
                    &cast(kind, "$select=LogicalName&$expand=OptionSet"),
                    kind,
                )
                .await?
            {
                let (Some(&i), Some(set)) = (index.get(&a.logical_name), a.option_set) else {
                    continue;
                };
                let options = set
                    .options
                    .into_iter()
                    .chain(set.false_option)
                    .chain(set.true_option);
                attributes[i].options = options
                    .map(|o| OptionMeta {
                        value: o.value,
                        label: text(o.label),
                    })
                    .collect();
            }
        }
        let secured: Vec<usize> = attributes
            .iter()
            .enumerate()
            .filter(|(_, a)| a.is_secured && a.valid_for_read)
            .map(|(i, _)| i)
            .collect();
        if !secured.is_empty() {
            let set = self.entity_set_of(entity).await?;
            for i in secured {
                let property = match attributes[i].attribute_type.as_str() {
                    "Lookup" | "Customer" | "Owner" => {
                        format!("_{}_value", attributes[i].logical_name)
                    }
                    _ => attributes[i].logical_name.clone(),
                };
                attributes[i].readable_by_caller = self.can_read_column(&set, &property).await?;
            }
        }
        Ok(attributes)
    }

    async fn entity_set_of(&self, entity: &str) -> Result<String, Error> {
        #[derive(Debug, Deserialize)]
        struct Set {
            #[serde(rename = "EntitySetName")]
            entity_set_name: String,
        }
        let answer = self
            .send(
                Method::GET,
                self.url(&format!(
                    "EntityDefinitions(LogicalName='{entity}')?$select=EntitySetName"
                ))?,
                &[],
                Payload::None,
            )
            .await?;
        wire::decode::<Set>(&answer.body, "EntityDefinitions").map(|s| s.entity_set_name)
    }

    /// A secured column is readable when a query may filter on it: without read access Dataverse
    /// refuses the query (403, QueryContainedSecuredAttributeWithoutAccess, column-level-security.md).
    async fn can_read_column(&self, entity_set: &str, property: &str) -> Result<bool, Error> {
        let query = query_string(&[
            ("$select", property.to_owned()),
            ("$filter", format!("{property} ne null")),
            ("$top", "1".into()),
        ]);
        match self
            .send(
                Method::GET,
                self.url(&format!("{entity_set}?{query}"))?,
                &[],
                Payload::None,
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.is_forbidden() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Every custom table, with its path to lead, contact or account when it is one or two levels
    /// below them, and why not otherwise (R60).
    ///
    /// # Errors
    /// As any request.
    pub async fn linked_custom_entities(&self) -> Result<Vec<CustomEntityLink>, Error> {
        let entities = self.entities().await?;
        let paths = paths_from_roots(&entities);
        let mut out = Vec::new();
        for entity in entities.iter().filter(|e| e.is_custom) {
            let path = paths.get(&entity.logical_name).cloned().unwrap_or_default();
            let mut ineligible = match path.len() {
                0 => Some(Ineligible::NotLinked),
                1 | 2 => None,
                levels => Some(Ineligible::TooDeep { levels }),
            };
            if ineligible.is_none()
                && !self
                    .can_list(&entity.entity_set_name, &entity.primary_id)
                    .await?
            {
                ineligible = Some(Ineligible::NotReadable);
            }
            out.push(CustomEntityLink {
                logical_name: entity.logical_name.clone(),
                entity_set_name: entity.entity_set_name.clone(),
                display_name: entity.display_name.clone(),
                path,
                ineligible,
            });
        }
        Ok(out)
    }

    async fn can_list(&self, entity_set: &str, primary_id: &str) -> Result<bool, Error> {
        let query = query_string(&[("$select", primary_id.to_owned()), ("$top", "1".into())]);
        match self
            .send(
                Method::GET,
                self.url(&format!("{entity_set}?{query}"))?,
                &[],
                Payload::None,
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.is_forbidden() => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// The shortest chain of lookups from lead, contact or account down to each custom table
/// reachable through custom tables only.
fn paths_from_roots(entities: &[EntityMeta]) -> BTreeMap<String, Vec<LinkStep>> {
    let custom: HashMap<&str, &EntityMeta> = entities
        .iter()
        .filter(|e| e.is_custom)
        .map(|e| (e.logical_name.as_str(), e))
        .collect();
    let mut paths: BTreeMap<String, Vec<LinkStep>> = BTreeMap::new();
    let mut queue: VecDeque<(&str, Vec<LinkStep>)> =
        ROOTS.iter().map(|r| (*r, Vec::new())).collect();
    while let Some((parent, path)) = queue.pop_front() {
        let Some(meta) = entities.iter().find(|e| e.logical_name == parent) else {
            continue;
        };
        for rel in &meta.one_to_many {
            let child = rel.referencing_entity.as_str();
            if child == parent || !custom.contains_key(child) || paths.contains_key(child) {
                continue;
            }
            let mut next = path.clone();
            next.push(LinkStep {
                parent: parent.to_owned(),
                child: child.to_owned(),
                lookup: rel.referencing_attribute.clone(),
            });
            paths.insert(child.to_owned(), next.clone());
            queue.push_back((custom[child].logical_name.as_str(), next));
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(name: &str, custom: bool, children: &[(&str, &str)]) -> EntityMeta {
        EntityMeta {
            logical_name: name.into(),
            entity_set_name: format!("{name}s"),
            primary_id: format!("{name}id"),
            primary_name: None,
            display_name: None,
            is_custom: custom,
            change_tracking_enabled: true,
            one_to_many: children
                .iter()
                .map(|(child, lookup)| Relationship {
                    schema_name: format!("{name}_{child}"),
                    referenced_entity: name.into(),
                    referencing_entity: (*child).into(),
                    referencing_attribute: (*lookup).into(),
                })
                .collect(),
        }
    }

    #[test]
    fn paths_go_down_through_custom_tables_only() {
        let entities = vec![
            entity(
                "contact",
                false,
                &[("new_a", "new_contactid"), ("contact", "parentcustomerid")],
            ),
            entity("systemuser", false, &[("new_orphan", "new_userid")]),
            entity("new_a", true, &[("new_b", "new_aid")]),
            entity("new_b", true, &[("new_c", "new_bid")]),
            entity("new_c", true, &[]),
            entity("new_orphan", true, &[]),
        ];
        let paths = paths_from_roots(&entities);
        assert_eq!(paths["new_a"].len(), 1);
        assert_eq!(paths["new_b"].len(), 2);
        assert_eq!(
            paths["new_b"][1],
            LinkStep {
                parent: "new_a".into(),
                child: "new_b".into(),
                lookup: "new_aid".into()
            }
        );
        assert_eq!(
            paths["new_c"].len(),
            3,
            "three levels deep is found, to be refused with its depth"
        );
        assert!(
            !paths.contains_key("new_orphan"),
            "a link to a user does not count"
        );
    }
}
