//! Functions and actions: `WhoAmI`, `RetrieveCurrentOrganization` (webapi/use-web-api-functions.md,
//! samples 09–10), the `QualifyLead` action (a lead becomes a contact and, if asked, an account and
//! an opportunity) and the `Merge` action (webapi/merge-entity-using-web-api.md: the subordinate's
//! data fills the target's blanks, its children move to the target, it is deactivated).

use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::errors::{Answer, ApiError, ApiResult};
use super::schema::Schema;
use super::store::Cell;
use super::values::cell_to_json;
use super::{Ctx, Request, write};

pub(crate) fn who_am_i(ctx: &Ctx<'_>) -> ApiResult<Answer> {
    let org = ctx.state().org.read().id;
    Ok(Answer::json(
        StatusCode::OK,
        &json!({
            "@odata.context": format!("{}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse", ctx.base),
            "BusinessUnitId": ctx.state().directory.business_unit,
            "UserId": ctx.caller,
            "OrganizationId": org,
        }),
    ))
}

/// `RetrieveCurrentOrganization(AccessType=@p1)?@p1=Microsoft.Dynamics.CRM.EndpointAccessType'Default'`:
/// the enum member must be fully qualified.
pub(crate) fn current_organization(ctx: &Ctx<'_>, request: &Request<'_>) -> ApiResult<Answer> {
    let access = request.param("@p1").unwrap_or_default();
    let member = access
        .strip_prefix("Microsoft.Dynamics.CRM.EndpointAccessType'")
        .and_then(|m| m.strip_suffix('\''));
    if !matches!(member, Some("Default" | "Internet" | "Intranet")) {
        return Err(ApiError::bad_query(format!(
            "The parameter 'AccessType' must be a Microsoft.Dynamics.CRM.EndpointAccessType member, e.g. Microsoft.Dynamics.CRM.EndpointAccessType'Default', not '{access}'."
        )));
    }
    let org = ctx.state().org.read().clone();
    Ok(Answer::json(
        StatusCode::OK,
        &json!({
            "@odata.context": format!("{}$metadata#Microsoft.Dynamics.CRM.RetrieveCurrentOrganizationResponse", ctx.base),
            "Detail": {
                "OrganizationId": org.id,
                "FriendlyName": org.friendly_name,
                "OrganizationVersion": "9.2.24101.185",
                "EnvironmentId": format!("Default-{}", org.tenant_id),
                "DatacenterId": super::schema::stable_id(&["datacenter"]),
                "Geo": "NA",
                "TenantId": org.tenant_id,
                "UrlName": org.url_name,
                "UniqueName": org.unique_name,
                "State": "Enabled",
                "Endpoints": {
                    "Count": 3,
                    "IsReadOnly": false,
                    "Keys": ["WebApplication", "OrganizationService", "OrganizationDataService"],
                    "Values": [
                        format!("{}/", org.url),
                        format!("{}/XRMServices/2011/Organization.svc", org.url),
                        format!("{}/XRMServices/2011/OrganizationData.svc", org.url),
                    ],
                },
            },
        }),
    ))
}

fn table(schema: &Schema, logical: &str) -> ApiResult<usize> {
    schema
        .by_logical(logical)
        .map(|(i, _)| i)
        .ok_or_else(|| ApiError::no_resource(logical))
}

fn flag(body: &Map<String, Value>, name: &str) -> ApiResult<bool> {
    body.get(name).and_then(Value::as_bool).ok_or_else(|| {
        ApiError::bad_body(format!(
            "The parameter '{name}' of QualifyLead is required and must be a Boolean."
        ))
    })
}

/// Qualifies an open lead; answers the created records as `crmbaseentity` references.
pub(crate) fn qualify_lead(ctx: &Ctx<'_>, lead: Uuid, request: &Request<'_>) -> ApiResult<Answer> {
    let body = request.json_body()?;
    let (create_account, create_contact, create_opportunity) = (
        flag(&body, "CreateAccount")?,
        flag(&body, "CreateContact")?,
        flag(&body, "CreateOpportunity")?,
    );
    let status = body.get("Status").and_then(Value::as_i64).ok_or_else(|| {
        ApiError::bad_body(
            "The parameter 'Status' of QualifyLead is required and must be an Int32.",
        )
    })?;
    let created = qualify(
        ctx,
        lead,
        create_account,
        create_contact,
        create_opportunity,
        status,
    )?;
    let value: Vec<Value> = created
        .iter()
        .map(|(logical, id)| json!({ "@odata.type": format!("#Microsoft.Dynamics.CRM.{logical}"), format!("{logical}id"): id }))
        .collect();
    Ok(Answer::json(
        StatusCode::OK,
        &json!({ "@odata.context": format!("{}$metadata#Collection(Microsoft.Dynamics.CRM.crmbaseentity)", ctx.base), "value": value }),
    ))
}

/// The lead's values for the columns a target table shares with it (the lead's attribute maps).
fn shared_columns(ctx: &Ctx<'_>, lead: Uuid, target: &str) -> ApiResult<Map<String, Value>> {
    let state = ctx.state();
    let schema = state.schema.read();
    let store = state.store.read();
    let (leads, lead_entity) = schema
        .by_logical("lead")
        .ok_or_else(|| ApiError::no_resource("lead"))?;
    let (_, target_entity) = schema
        .by_logical(target)
        .ok_or_else(|| ApiError::no_resource(target))?;
    let row = store
        .row(leads, lead)
        .ok_or_else(|| ApiError::not_found("lead", lead))?;
    let mut out = Map::new();
    for (i, column) in lead_entity.live_columns() {
        let shared = target_entity.column(&column.name).is_some_and(|(_, c)| {
            c.kind == column.kind
                && c.valid_for_create
                && !c.primary_id
                && !c.kind.is_lookup()
                && !matches!(c.name.as_str(), "statecode" | "statuscode")
        });
        if let (true, Some(cell)) = (shared, row.get(i)) {
            out.insert(column.name.clone(), cell_to_json(cell));
        }
    }
    Ok(out)
}

/// Qualifies a lead (also used by the control API); returns the created `(table, id)` pairs.
pub(crate) fn qualify(
    ctx: &Ctx<'_>,
    lead: Uuid,
    create_account: bool,
    create_contact: bool,
    create_opportunity: bool,
    status: i64,
) -> ApiResult<Vec<(String, Uuid)>> {
    let (leads, accounts, contacts, opportunities, open, company, subject) = {
        let state = ctx.state();
        let schema = state.schema.read();
        let store = state.store.read();
        let leads = table(&schema, "lead")?;
        let lead_entity = &schema.entities[leads];
        let row = store
            .row(leads, lead)
            .ok_or_else(|| ApiError::not_found("lead", lead))?;
        let text = |name: &str| {
            lead_entity
                .column(name)
                .and_then(|(i, _)| row.get(i)?.as_text().map(str::to_owned))
        };
        let open = lead_entity
            .column("statecode")
            .is_none_or(|(i, _)| matches!(row.get(i), Some(Cell::Int(0)) | None));
        (
            leads,
            table(&schema, "account")?,
            table(&schema, "contact")?,
            table(&schema, "opportunity")?,
            open,
            text("companyname"),
            text("subject").or_else(|| text("fullname")),
        )
    };
    if !open {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "0x80048447",
            "The lead is closed. You cannot convert or qualify a lead that is already closed.",
        ));
    }
    let valid_status = {
        let schema = ctx.state().schema.read();
        schema.entities[leads]
            .column("statuscode")
            .is_some_and(|(_, c)| {
                c.options
                    .iter()
                    .any(|(v, _, s)| i64::from(*v) == status && *s == 1)
            })
    };
    if !valid_status {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "0x8004431a",
            format!(
                "{status} is not a valid status code for state code LeadState.Qualified on lead with Id {lead}."
            ),
        ));
    }
    let origin = json!(format!("/leads({lead})"));
    let mut created = Vec::new();
    let mut account = None;
    ctx.state().store.write().begin_undo();
    let result = (|| -> ApiResult<()> {
        if create_account && let Some(name) = &company {
            let mut body = shared_columns(ctx, lead, "account")?;
            body.insert("name".into(), json!(name));
            body.insert("originatingleadid@odata.bind".into(), origin.clone());
            let id = write::create(ctx, accounts, &body, None, None)?;
            created.push(("account".to_owned(), id));
            account = Some(id);
        }
        let mut contact = None;
        if create_contact {
            let mut body = shared_columns(ctx, lead, "contact")?;
            if let Some(account) = account {
                body.insert(
                    "parentcustomerid_account@odata.bind".into(),
                    json!(format!("/accounts({account})")),
                );
            }
            body.insert("originatingleadid@odata.bind".into(), origin.clone());
            let id = write::create(ctx, contacts, &body, None, None)?;
            created.push(("contact".to_owned(), id));
            contact = Some(id);
        }
        if create_opportunity {
            let mut body = Map::new();
            body.insert(
                "name".into(),
                json!(subject.clone().unwrap_or_else(|| "Opportunity".into())),
            );
            body.insert("originatingleadid@odata.bind".into(), origin.clone());
            match (account, contact) {
                (Some(a), _) => body.insert(
                    "customerid_account@odata.bind".into(),
                    json!(format!("/accounts({a})")),
                ),
                (None, Some(c)) => body.insert(
                    "customerid_contact@odata.bind".into(),
                    json!(format!("/contacts({c})")),
                ),
                (None, None) => None,
            };
            if let Some(c) = contact {
                body.insert(
                    "parentcontactid@odata.bind".into(),
                    json!(format!("/contacts({c})")),
                );
            }
            let id = write::create(ctx, opportunities, &body, None, None)?;
            created.push(("opportunity".to_owned(), id));
        }
        let account_ref = account.map(|a| Cell::Ref(a, u16::try_from(accounts).unwrap_or(0)));
        let contact_ref = contact.map(|c| Cell::Ref(c, u16::try_from(contacts).unwrap_or(0)));
        let mut cells = vec![
            ("statecode", Some(Cell::Int(1))),
            ("statuscode", Some(Cell::Int(status))),
        ];
        if account_ref.is_some() {
            cells.push(("parentaccountid", account_ref));
        }
        if contact_ref.is_some() {
            cells.push(("parentcontactid", contact_ref));
        }
        write::set_cells(ctx, leads, lead, &cells)
    })();
    let mut store = ctx.state().store.write();
    match result {
        Ok(()) => {
            store.commit();
            Ok(created)
        }
        Err(e) => {
            store.rollback();
            Err(e)
        }
    }
}

/// `POST /Merge` with `Target`, `Subordinate` (each with `@odata.type`), `UpdateContent` and
/// `PerformParentingChecks`.
pub(crate) fn merge(ctx: &Ctx<'_>, request: &Request<'_>) -> ApiResult<Answer> {
    let body = request.json_body()?;
    let reference = |name: &str| -> ApiResult<(String, Uuid)> {
        let value = body.get(name).and_then(Value::as_object).ok_or_else(|| {
            ApiError::bad_body(format!("The parameter '{name}' of Merge is required."))
        })?;
        let logical = value
            .get("@odata.type")
            .and_then(Value::as_str)
            .map(|t| {
                t.trim_start_matches('#')
                    .trim_start_matches("Microsoft.Dynamics.CRM.")
                    .to_owned()
            })
            .ok_or_else(|| {
                ApiError::bad_body(format!(
                    "The '{name}' parameter needs an @odata.type annotation to specify its type."
                ))
            })?;
        let id = value
            .get(&format!("{logical}id"))
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| {
                ApiError::bad_body(format!(
                    "The '{name}' parameter must carry the record's {logical}id."
                ))
            })?;
        Ok((logical, id))
    };
    let (logical, target) = reference("Target")?;
    let (other, subordinate) = reference("Subordinate")?;
    if logical != other {
        return Err(ApiError::bad_body(
            "The Target and the Subordinate of a merge must be of the same table.",
        ));
    }
    let mut update = body
        .get("UpdateContent")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    update.remove("@odata.type");
    merge_records(ctx, &logical, target, subordinate, &update)?;
    Ok(Answer::empty(StatusCode::NO_CONTENT))
}

/// Merges `subordinate` into `target` (also used by the control API).
pub(crate) fn merge_records(
    ctx: &Ctx<'_>,
    logical: &str,
    target: Uuid,
    subordinate: Uuid,
    update: &Map<String, Value>,
) -> ApiResult<()> {
    if !matches!(logical, "account" | "contact" | "lead") {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "0x80040315",
            format!(
                "Merge is not supported for the {logical} table: only account, contact, lead and incident can be merged."
            ),
        ));
    }
    if target == subordinate {
        return Err(ApiError::bad_body("A record cannot be merged into itself."));
    }
    let (entity, fill, children) = {
        let state = ctx.state();
        let schema = state.schema.read();
        let store = state.store.read();
        let entity = table(&schema, logical)?;
        let e = &schema.entities[entity];
        let target_row = store
            .row(entity, target)
            .ok_or_else(|| ApiError::not_found(logical, target))?;
        let sub_row = store
            .row(entity, subordinate)
            .ok_or_else(|| ApiError::not_found(logical, subordinate))?;
        if e.column("statecode")
            .is_some_and(|(i, _)| !matches!(sub_row.get(i), Some(Cell::Int(0)) | None))
        {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "0x80040203",
                "The subordinate record of a merge must be active.",
            ));
        }
        // The subordinate's values fill the target's blanks; nothing the target has is overwritten.
        let mut fill = Vec::new();
        for (i, column) in e.live_columns() {
            if column.valid_for_update
                && !matches!(column.name.as_str(), "statecode" | "statuscode" | "ownerid")
                && target_row.get(i).is_none()
                && let Some(cell) = sub_row.get(i)
            {
                fill.push((column.name.clone(), cell.clone()));
            }
        }
        // Children: every row whose lookup points at the subordinate moves to the target.
        let mut children = Vec::new();
        for (t, child) in schema.entities.iter().enumerate() {
            for (i, column) in child.live_columns().filter(|(_, c)| {
                c.kind.is_lookup()
                    && !matches!(
                        c.name.as_str(),
                        "masterid" | "createdby" | "modifiedby" | "ownerid"
                    )
            }) {
                for row in store.tables[t].rows.values() {
                    if matches!(row.get(i), Some(Cell::Ref(id, target)) if *id == subordinate && usize::from(*target) == entity)
                    {
                        children.push((t, row.id, column.name.clone()));
                    }
                }
            }
        }
        (entity, fill, children)
    };
    let cells: Vec<(&str, Option<Cell>)> = fill
        .iter()
        .map(|(n, c)| (n.as_str(), Some(c.clone())))
        .collect();
    if !cells.is_empty() {
        write::set_cells(ctx, entity, target, &cells)?;
    }
    if !update.is_empty() {
        write::update(ctx, entity, target, update, None)?;
    }
    let reference = Cell::Ref(target, u16::try_from(entity).unwrap_or(0));
    for (t, id, column) in &children {
        write::set_cells(ctx, *t, *id, &[(column.as_str(), Some(reference.clone()))])?;
    }
    let (state, status) = if logical == "lead" { (2, 7) } else { (1, 2) };
    write::set_cells(
        ctx,
        entity,
        subordinate,
        &[
            ("statecode", Some(Cell::Int(state))),
            ("statuscode", Some(Cell::Int(status))),
            ("merged", Some(Cell::Bool(true))),
            ("masterid", Some(reference)),
        ],
    )
}
