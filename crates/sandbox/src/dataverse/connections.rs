//! Connections: how Dynamics links an opportunity to its stakeholders (SPEC R57), and the roles
//! that say what each side is to the other.
//!
//! Creating a connection creates its reciprocal: the same connection seen from the other side,
//! records and roles swapped, `ismaster` false, each one's `relatedconnectionid` pointing at the
//! other ("two records are created in the database", connection-entities.md). Updating either
//! one updates the other; deleting either deletes both; deleting a connected record deletes its
//! connections (`Delete: Cascade` on `account_connections1/2`, `contact_connections1/2`, …) and
//! deleting a role empties it on the connections that used it (`RemoveLink`,
//! `connection_role_connections1/2`). The platform fills in both sides' object type codes and the
//! name (the name of the record connected to, `Record2Id`).
//!
//! A role limited to some tables by `connectionroleobjecttypecode` rows applies only to records of
//! those tables (`0x80048215` ConnectionRoleNotValidForObjectType); a role without such rows
//! applies to every table (describe-relationship-entities-connection-roles.md).
//!
//! `connection` is change-tracked: it is a standard user-owned business table
//! (`reference/entities/connection.md`, OwnershipType `UserOwned`), and change tracking is a
//! per-table switch (`ChangeTrackingEnabled`) an org running the sync turns on for every table
//! the sync reads (use-change-tracking-synchronize-data-external-systems.md, "Enable change
//! tracking for a table"). The role tables are solution components, not data, and are not.

use axum::http::StatusCode;
use chrono::Utc;
use uuid::Uuid;

use super::errors::{ApiError, ApiResult};
use super::schema::{Entity, Schema, stable_id};
use super::store::{Cell, Row, Store};
use super::write::Mode;

/// The roles an org has out of the box that matter for opportunities, by category
/// (`connectionrole_category`) and the tables each is limited to. The ones of the Stakeholder
/// category are what the opportunity form's Stakeholders grid offers for contacts; the Sales
/// Team ones, for users on the deal.
const STANDARD_ROLES: &[(&str, i64, &[&str])] = &[
    ("Stakeholder", STAKEHOLDER, &["contact"]),
    ("Decision Maker", STAKEHOLDER, &["contact"]),
    ("Economic Buyer", STAKEHOLDER, &["contact"]),
    ("Technical Buyer", STAKEHOLDER, &["contact"]),
    ("Influencer", STAKEHOLDER, &["contact"]),
    ("Champion", STAKEHOLDER, &["contact"]),
    ("End User", STAKEHOLDER, &["contact"]),
    ("Sales Professional", SALES_TEAM, &["systemuser"]),
    ("Technical Sales Professional", SALES_TEAM, &["systemuser"]),
    ("Delivery Professional", SALES_TEAM, &["systemuser"]),
    ("Colleague", BUSINESS, &[]),
    ("Employee", BUSINESS, &[]),
    ("Employer", BUSINESS, &[]),
    ("Former Employee", BUSINESS, &[]),
    ("Former Employer", BUSINESS, &[]),
    ("Partner", BUSINESS, &[]),
    ("Referral", BUSINESS, &[]),
    ("Referred by", BUSINESS, &[]),
    ("Parent", FAMILY, &[]),
    ("Child", FAMILY, &[]),
    ("Spouse/Partner", FAMILY, &[]),
    ("Friend", SOCIAL, &[]),
    ("Service Professional", SERVICE, &[]),
];

const BUSINESS: i64 = 1;
const FAMILY: i64 = 2;
const SOCIAL: i64 = 3;
const STAKEHOLDER: i64 = 1000;
const SALES_TEAM: i64 = 1001;
const SERVICE: i64 = 1002;

/// The id of a standard role: the same in every sandbox, whatever the seed.
pub(crate) fn standard_role_id(name: &str) -> Uuid {
    stable_id(&["connectionrole", name])
}

/// The names of the standard roles of the Stakeholder category, for the data generator.
pub(crate) fn stakeholder_roles() -> impl Iterator<Item = &'static str> {
    STANDARD_ROLES
        .iter()
        .filter(|(_, category, _)| *category == STAKEHOLDER)
        .map(|(name, _, _)| *name)
}

/// Adds the standard roles and the tables they are limited to, as an org ships them.
pub(crate) fn seed_roles(schema: &Schema, store: &mut Store) {
    let (Some((roles, role_table)), Some((scopes, scope_table))) = (
        schema.by_logical("connectionrole"),
        schema.by_logical("connectionroleobjecttypecode"),
    ) else {
        return;
    };
    // Dated from the start of the day, so that the same seed gives the same rows all day long.
    let shipped = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or_else(Utc::now, |d| d.and_utc())
        - chrono::Duration::days(400);
    let cell = |entity: &Entity, row: &mut Row, name: &str, value: Cell| {
        if let Some((i, _)) = entity.column(name) {
            row.set(i, Some(value));
        }
    };
    for (name, category, tables) in STANDARD_ROLES {
        let id = standard_role_id(name);
        let mut row = Row {
            id,
            version: 0,
            cells: Vec::new(),
        };
        cell(role_table, &mut row, "name", Cell::text(name));
        cell(role_table, &mut row, "category", Cell::Int(*category));
        cell(role_table, &mut row, "statecode", Cell::Int(0));
        cell(role_table, &mut row, "statuscode", Cell::Int(1));
        cell(role_table, &mut row, "createdon", Cell::time(shipped));
        cell(role_table, &mut row, "modifiedon", Cell::time(shipped));
        store.put(roles, row);
        for table in *tables {
            let mut scope = Row {
                id: stable_id(&["connectionroleobjecttypecode", name, table]),
                version: 0,
                cells: Vec::new(),
            };
            cell(
                scope_table,
                &mut scope,
                "connectionroleid",
                Cell::Ref(id, u16::try_from(roles).unwrap_or(0)),
            );
            cell(
                scope_table,
                &mut scope,
                "associatedobjecttypecode",
                Cell::text(table),
            );
            store.put(scopes, scope);
        }
    }
}

/// The connection table's columns by role.
struct Columns {
    record: [usize; 2],
    role: [usize; 2],
    type_code: [usize; 2],
    related: usize,
    is_master: usize,
    name: usize,
    start: usize,
    end: usize,
}

impl Columns {
    fn of(entity: &Entity) -> Option<Columns> {
        let at = |name: &str| entity.column(name).map(|(i, _)| i);
        Some(Columns {
            record: [at("record1id")?, at("record2id")?],
            role: [at("record1roleid")?, at("record2roleid")?],
            type_code: [at("record1objecttypecode")?, at("record2objecttypecode")?],
            related: at("relatedconnectionid")?,
            is_master: at("ismaster")?,
            name: at("name")?,
            start: at("effectivestart")?,
            end: at("effectiveend")?,
        })
    }
}

fn is_connection(schema: &Schema, entity: usize) -> bool {
    schema.entities[entity].logical == "connection"
}

/// Completes a connection about to be written, after its columns are applied and stamped:
/// checks both sides and their roles, fills in what the platform maintains, and answers the
/// reciprocal to store with it. Any other table's row passes through untouched.
///
/// # Errors
/// A side left empty (`0x80040203`, both: `0x80048210` ConnectionObjectsMissing), a role not
/// meant for its side's table (`0x80048215`), an end before the start (`0x80048209`).
pub(crate) fn complete(
    schema: &Schema,
    store: &Store,
    entity: usize,
    row: &mut Row,
    mode: Mode,
) -> ApiResult<Option<Row>> {
    if !is_connection(schema, entity) {
        return Ok(None);
    }
    let e = &schema.entities[entity];
    let Some(cols) = Columns::of(e) else {
        return Ok(None);
    };
    let sides = cols.record.map(|c| match row.get(c) {
        Some(Cell::Ref(id, table)) => Some((*id, usize::from(*table))),
        _ => None,
    });
    let [Some(first), Some(second)] = sides else {
        return Err(match sides {
            [None, None] => ApiError::new(
                StatusCode::BAD_REQUEST,
                "0x80048210",
                "Both objects being connected are missing.",
            ),
            [None, _] => required(e, "record1id"),
            _ => required(e, "record2id"),
        });
    };
    for (side, (_, table)) in [first, second].into_iter().enumerate() {
        if let Some(Cell::Ref(role, _)) = row.get(cols.role[side]) {
            check_role(schema, store, *role, &schema.entities[table])?;
        }
    }
    if let (Some(Cell::Time(start)), Some(Cell::Time(end))) =
        (row.get(cols.start), row.get(cols.end))
        && end < start
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "0x80048209",
            "Start date / end date is invalid.",
        ));
    }
    for (side, (_, table)) in [first, second].into_iter().enumerate() {
        let code = i64::from(schema.entities[table].type_code);
        row.set(cols.type_code[side], Some(Cell::Int(code)));
    }
    row.set(cols.name, record_name(schema, store, second));
    let reciprocal = match (mode, row.get(cols.related)) {
        (Mode::Update, Some(Cell::Ref(related, _))) => *related,
        (Mode::Update, _) => return Ok(None),
        (Mode::Create, _) => {
            row.set(cols.is_master, Some(Cell::Bool(true)));
            reciprocal_id(row.id)
        }
    };
    let itself = u16::try_from(entity).unwrap_or(0);
    row.set(cols.related, Some(Cell::Ref(reciprocal, itself)));
    let mut mirror = Row {
        id: reciprocal,
        version: 0,
        cells: row.cells.clone(),
    };
    for side in 0..2 {
        mirror.set(cols.record[side], row.get(cols.record[1 - side]).cloned());
        mirror.set(cols.role[side], row.get(cols.role[1 - side]).cloned());
        mirror.set(
            cols.type_code[side],
            row.get(cols.type_code[1 - side]).cloned(),
        );
    }
    let master = matches!(row.get(cols.is_master), Some(Cell::Bool(true)));
    mirror.set(cols.is_master, Some(Cell::Bool(!master)));
    mirror.set(cols.related, Some(Cell::Ref(row.id, itself)));
    mirror.set(cols.name, record_name(schema, store, first));
    Ok(Some(mirror))
}

/// Stores a written row and, for a connection, its reciprocal after it.
pub(crate) fn put(store: &mut Store, entity: usize, row: Row, reciprocal: Option<Row>) {
    store.put(entity, row);
    if let Some(reciprocal) = reciprocal {
        store.put(entity, reciprocal);
    }
}

/// The reciprocal's id: derived from the connection's, so that a seeded org stays the same.
fn reciprocal_id(connection: Uuid) -> Uuid {
    stable_id(&["reciprocal connection", &connection.to_string()])
}

fn required(entity: &Entity, column: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "0x80040203",
        format!(
            "A validation error occurred. The value of '{column}' on record of type '{}' is required.",
            entity.logical
        ),
    )
}

/// A role's tables, when it is limited to some, must include the table of its side's record.
fn check_role(schema: &Schema, store: &Store, role: Uuid, side: &Entity) -> ApiResult<()> {
    let Some((scopes, scope_table)) = schema.by_logical("connectionroleobjecttypecode") else {
        return Ok(());
    };
    let (Some((of_role, _)), Some((table, _))) = (
        scope_table.column("connectionroleid"),
        scope_table.column("associatedobjecttypecode"),
    ) else {
        return Ok(());
    };
    let mut limited = false;
    for scope in store.tables[scopes].rows.values() {
        if matches!(scope.get(of_role), Some(Cell::Ref(id, _)) if *id == role) {
            limited = true;
            if scope.get(table).and_then(Cell::as_text) == Some(side.logical.as_str()) {
                return Ok(());
            }
        }
    }
    if !limited {
        return Ok(());
    }
    let name = schema
        .by_logical("connectionrole")
        .and_then(|(roles, e)| {
            let (name, _) = e.column("name")?;
            store
                .row(roles, role)?
                .get(name)?
                .as_text()
                .map(str::to_owned)
        })
        .unwrap_or_default();
    Err(ApiError::new(
        StatusCode::BAD_REQUEST,
        "0x80048215",
        format!(
            "The record of type {} (Object type code {}) is not defined for use with connection role {name} with id {role}.",
            side.logical, side.type_code
        ),
    ))
}

/// The primary name of a connected record, which names the connection.
fn record_name(schema: &Schema, store: &Store, (id, table): (Uuid, usize)) -> Option<Cell> {
    let entity = schema.entities.get(table)?;
    let (name, _) = entity.column(&entity.primary_name)?;
    store.row(table, id)?.get(name).cloned()
}

/// What deleting a row does to connections: a connection takes its reciprocal with it, a
/// connected record takes its connections, and a role is emptied from the connections that
/// used it (with its table limits gone too).
pub(crate) fn after_delete(schema: &Schema, store: &mut Store, entity: usize, deleted: &Row) {
    let Some((connections, e)) = schema.by_logical("connection") else {
        return;
    };
    let Some(cols) = Columns::of(e) else {
        return;
    };
    let points_here = |row: &Row, columns: &[usize]| {
        columns.iter().any(|c| {
            matches!(row.get(*c), Some(Cell::Ref(id, table)) if *id == deleted.id && usize::from(*table) == entity)
        })
    };
    if entity == connections {
        if let Some(Cell::Ref(related, _)) = deleted.get(cols.related) {
            store.delete(connections, *related);
        }
        return;
    }
    let logical = schema.entities[entity].logical.as_str();
    if logical == "connectionrole" {
        let emptied: Vec<Row> = store.tables[connections]
            .rows
            .values()
            .filter(|r| points_here(r, &cols.role))
            .cloned()
            .collect();
        for mut row in emptied {
            for c in cols.role {
                if points_here(&row, &[c]) {
                    row.set(c, None);
                }
            }
            store.put(connections, row);
        }
        if let Some((scopes, scope_table)) = schema.by_logical("connectionroleobjecttypecode")
            && let Some((of_role, _)) = scope_table.column("connectionroleid")
        {
            let gone: Vec<Uuid> = store.tables[scopes]
                .rows
                .values()
                .filter(|r| points_here(r, &[of_role]))
                .map(|r| r.id)
                .collect();
            for id in gone {
                store.delete(scopes, id);
            }
        }
        return;
    }
    let connectable = e.columns[cols.record[0]]
        .targets
        .iter()
        .any(|t| t == logical);
    if !connectable {
        return;
    }
    let gone: Vec<Uuid> = store.tables[connections]
        .rows
        .values()
        .filter(|r| points_here(r, &cols.record))
        .map(|r| r.id)
        .collect();
    for id in gone {
        store.delete(connections, id);
    }
}
