//! The org's tables as they ship: the standard columns of lead, contact, account, opportunity and
//! team copied from the entity reference pages (`reference/dataverse-docs/reference__entities__*.md`:
//! display names, types, maximum lengths, choices), the columns the Marketo solution adds (`mkt_*`,
//! SPEC R52), the `new_synctomkto` filter (R32), and four custom tables: one linked to contact, one
//! two levels deep, one three levels deep and one linked to nothing, so that the "one or two levels
//! deep" rule for custom entities (R60) can be exercised both ways. Connections, their roles and
//! the tables a role is limited to hold the opportunity stakeholders (R57).

use super::schema::{Col, K, Req};

/// A table as it ships.
pub(super) struct Table {
    pub(super) logical: &'static str,
    pub(super) set: &'static str,
    pub(super) display: &'static str,
    pub(super) display_collection: &'static str,
    pub(super) primary_name: &'static str,
    pub(super) custom: bool,
    pub(super) user_owned: bool,
    pub(super) columns: &'static [&'static [Col]],
}

pub(super) const TABLES: &[Table] = &[
    Table { logical: "lead", set: "leads", display: "Lead", display_collection: "Leads", primary_name: "fullname", custom: false, user_owned: true, columns: &[LEAD, MARKETO_PERSON, SYNC_FILTER] },
    Table { logical: "contact", set: "contacts", display: "Contact", display_collection: "Contacts", primary_name: "fullname", custom: false, user_owned: true, columns: &[CONTACT, MARKETO_PERSON, SYNC_FILTER, ORIGINATING_LEAD, CONTACT_CUSTOM] },
    Table { logical: "account", set: "accounts", display: "Account", display_collection: "Accounts", primary_name: "name", custom: false, user_owned: true, columns: &[ACCOUNT, SYNC_FILTER, ORIGINATING_LEAD] },
    Table { logical: "opportunity", set: "opportunities", display: "Opportunity", display_collection: "Opportunities", primary_name: "name", custom: false, user_owned: true, columns: &[OPPORTUNITY, SYNC_FILTER] },
    Table { logical: "systemuser", set: "systemusers", display: "User", display_collection: "Users", primary_name: "fullname", custom: false, user_owned: false, columns: &[SYSTEMUSER] },
    Table { logical: "team", set: "teams", display: "Team", display_collection: "Teams", primary_name: "name", custom: false, user_owned: false, columns: &[TEAM] },
    Table { logical: "businessunit", set: "businessunits", display: "Business Unit", display_collection: "Business Units", primary_name: "name", custom: false, user_owned: false, columns: &[BUSINESSUNIT] },
    Table { logical: "new_event_registration", set: "new_event_registrations", display: "Event Registration", display_collection: "Event Registrations", primary_name: "new_name", custom: true, user_owned: true, columns: &[EVENT_REGISTRATION, OWNED_RECORD] },
    Table { logical: "new_session_feedback", set: "new_session_feedbacks", display: "Session Feedback", display_collection: "Session Feedbacks", primary_name: "new_name", custom: true, user_owned: true, columns: &[SESSION_FEEDBACK, OWNED_RECORD] },
    Table { logical: "new_feedback_followup", set: "new_feedback_followups", display: "Feedback Follow-up", display_collection: "Feedback Follow-ups", primary_name: "new_name", custom: true, user_owned: true, columns: &[FEEDBACK_FOLLOWUP, OWNED_RECORD] },
    Table { logical: "new_venue", set: "new_venues", display: "Venue", display_collection: "Venues", primary_name: "new_name", custom: true, user_owned: true, columns: &[VENUE, OWNED_RECORD] },
    Table { logical: "connection", set: "connections", display: "Connection", display_collection: "Connections", primary_name: "name", custom: false, user_owned: true, columns: &[CONNECTION, OWNED_RECORD] },
    Table { logical: "connectionrole", set: "connectionroles", display: "Connection Role", display_collection: "Connection Roles", primary_name: "name", custom: false, user_owned: false, columns: &[CONNECTION_ROLE] },
    Table { logical: "connectionroleobjecttypecode", set: "connectionroleobjecttypecodes", display: "Connection Role Object Type Code", display_collection: "Connection Role Object Type Codes", primary_name: "associatedobjecttypecode", custom: false, user_owned: false, columns: &[CONNECTION_ROLE_SCOPE] },
];

/// Columns the platform fills in on a table where others of that name are writable
/// (`reference/entities/connection.md`, "Read-only columns/attributes"); writes to them are
/// ignored.
pub(super) const READ_ONLY: &[(&str, &str)] = &[
    ("connection", "name"),
    ("connection", "record1objecttypecode"),
    ("connection", "record2objecttypecode"),
    ("connection", "relatedconnectionid"),
    ("connection", "ismaster"),
];

const SYNC_FILTER: &[Col] = &[
    Col { name: "new_synctomkto", display: "Sync to Marketo", kind: K::Boolean, required: Req::None, options: &[(0, "No", -1), (1, "Yes", -1)], targets: &[] },
];

/// Fields of the Marketo Lead Management solution on leads and contacts (SPEC R52).
const MARKETO_PERSON: &[Col] = &[
    Col { name: "mkt_leadscore", display: "Lead Score", kind: K::Integer, required: Req::None, options: &[], targets: &[] },
    Col { name: "mkt_lastinterestingmomentdate", display: "Last Interesting Moment Date", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "mkt_lastinterestingmomentdesc", display: "Last Interesting Moment Desc", kind: K::Memo(2000), required: Req::None, options: &[], targets: &[] },
    Col { name: "mkt_leadinterestingmomentsource", display: "Last Interesting Moment Source", kind: K::Text(100), required: Req::None, options: &[], targets: &[] },
    Col { name: "mkt_lastinterestingmomenttype", display: "Last Interesting Moment Type", kind: K::Text(100), required: Req::None, options: &[], targets: &[] },
    Col { name: "mkt_relativescore", display: "Relative Score", kind: K::Integer, required: Req::None, options: &[], targets: &[] },
    Col { name: "mkt_priority", display: "Priority", kind: K::Integer, required: Req::None, options: &[], targets: &[] },
    Col { name: "mkt_urgency", display: "Urgency", kind: K::Integer, required: Req::None, options: &[], targets: &[] },
];

/// The lead a contact or account was qualified from: not on the core reference pages, but the
/// Sales solution adds it and the `$batch` doc binds it (`originatingleadid@odata.bind`).
const ORIGINATING_LEAD: &[Col] = &[
    Col { name: "originatingleadid", display: "Originating Lead", kind: K::Lookup, required: Req::None, options: &[], targets: &["lead"] },
];

/// A custom column secured by field security out of the box, which the sync user cannot read.
const CONTACT_CUSTOM: &[Col] = &[
    Col { name: "new_creditlimit", display: "Approved Credit Limit", kind: K::Money, required: Req::None, options: &[], targets: &[] },
];

/// An Active/Inactive status, the audit columns and the owner, as every custom table and a
/// connection have them.
const OWNED_RECORD: &[Col] = &[
    Col { name: "statecode", display: "Status", kind: K::State, required: Req::SystemRequired, options: &[(0, "Active", -1), (1, "Inactive", -1)], targets: &[] },
    Col { name: "statuscode", display: "Status Reason", kind: K::Status, required: Req::None, options: &[(1, "Active", 0), (2, "Inactive", 1)], targets: &[] },
    Col { name: "createdon", display: "Created On", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "modifiedon", display: "Modified On", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "createdby", display: "Created By", kind: K::Lookup, required: Req::None, options: &[], targets: &["systemuser"] },
    Col { name: "modifiedby", display: "Modified By", kind: K::Lookup, required: Req::None, options: &[], targets: &["systemuser"] },
    Col { name: "ownerid", display: "Owner", kind: K::Owner, required: Req::SystemRequired, options: &[], targets: &["systemuser", "team"] },
    Col { name: "versionnumber", display: "Version Number", kind: K::BigInt, required: Req::None, options: &[], targets: &[] },
];

const EVENT_REGISTRATION: &[Col] = &[
    Col { name: "new_event_registrationid", display: "Event Registration", kind: K::Guid, required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "new_name", display: "Name", kind: K::Text(100), required: Req::ApplicationRequired, options: &[], targets: &[] },
    Col { name: "new_eventname", display: "Event Name", kind: K::Text(200), required: Req::None, options: &[], targets: &[] },
    Col { name: "new_eventdate", display: "Event Date", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "new_attendancestatus", display: "Attendance Status", kind: K::Picklist, required: Req::None, options: &[(100000000, "Registered", -1), (100000001, "Attended", -1), (100000002, "No-show", -1)], targets: &[] },
    Col { name: "new_ticketprice", display: "Ticket Price", kind: K::Money, required: Req::None, options: &[], targets: &[] },
    Col { name: "new_contactid", display: "Contact", kind: K::Lookup, required: Req::None, options: &[], targets: &["contact"] },
];

const SESSION_FEEDBACK: &[Col] = &[
    Col { name: "new_session_feedbackid", display: "Session Feedback", kind: K::Guid, required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "new_name", display: "Name", kind: K::Text(100), required: Req::ApplicationRequired, options: &[], targets: &[] },
    Col { name: "new_rating", display: "Rating", kind: K::Integer, required: Req::None, options: &[], targets: &[] },
    Col { name: "new_comments", display: "Comments", kind: K::Memo(4000), required: Req::None, options: &[], targets: &[] },
    Col { name: "new_registrationid", display: "Registration", kind: K::Lookup, required: Req::None, options: &[], targets: &["new_event_registration"] },
];

const FEEDBACK_FOLLOWUP: &[Col] = &[
    Col { name: "new_feedback_followupid", display: "Feedback Follow-up", kind: K::Guid, required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "new_name", display: "Name", kind: K::Text(100), required: Req::ApplicationRequired, options: &[], targets: &[] },
    Col { name: "new_followupdate", display: "Follow-up Date", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "new_feedbackid", display: "Feedback", kind: K::Lookup, required: Req::None, options: &[], targets: &["new_session_feedback"] },
];

const VENUE: &[Col] = &[
    Col { name: "new_venueid", display: "Venue", kind: K::Guid, required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "new_name", display: "Name", kind: K::Text(100), required: Req::ApplicationRequired, options: &[], targets: &[] },
    Col { name: "new_city", display: "City", kind: K::Text(80), required: Req::None, options: &[], targets: &[] },
    Col { name: "new_capacity", display: "Capacity", kind: K::Integer, required: Req::None, options: &[], targets: &[] },
];

const SYSTEMUSER: &[Col] = &[
    Col { name: "systemuserid", display: "User", kind: K::Guid, required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "fullname", display: "Full Name", kind: K::Text(200), required: Req::None, options: &[], targets: &[] },
    Col { name: "firstname", display: "First Name", kind: K::Text(256), required: Req::Recommended, options: &[], targets: &[] },
    Col { name: "lastname", display: "Last Name", kind: K::Text(256), required: Req::ApplicationRequired, options: &[], targets: &[] },
    Col { name: "domainname", display: "User Name", kind: K::Text(1024), required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "internalemailaddress", display: "Primary Email", kind: K::Text(100), required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "title", display: "Title", kind: K::Text(128), required: Req::None, options: &[], targets: &[] },
    Col { name: "jobtitle", display: "Job Title", kind: K::Text(100), required: Req::None, options: &[], targets: &[] },
    Col { name: "applicationid", display: "Application ID", kind: K::Guid, required: Req::None, options: &[], targets: &[] },
    Col { name: "azureactivedirectoryobjectid", display: "Azure AD Object ID", kind: K::Guid, required: Req::None, options: &[], targets: &[] },
    Col { name: "isdisabled", display: "Status", kind: K::Boolean, required: Req::None, options: &[(0, "Enabled", -1), (1, "Disabled", -1)], targets: &[] },
    Col { name: "accessmode", display: "Access Mode", kind: K::Picklist, required: Req::SystemRequired, options: &[(0, "Read-Write", -1), (1, "Administrative", -1), (2, "Read", -1), (3, "Support User", -1), (4, "Non-interactive", -1), (5, "Delegated Admin", -1)], targets: &[] },
    Col { name: "businessunitid", display: "Business Unit", kind: K::Lookup, required: Req::SystemRequired, options: &[], targets: &["businessunit"] },
    Col { name: "createdon", display: "Created On", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "modifiedon", display: "Modified On", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "createdby", display: "Created By", kind: K::Lookup, required: Req::None, options: &[], targets: &["systemuser"] },
    Col { name: "modifiedby", display: "Modified By", kind: K::Lookup, required: Req::None, options: &[], targets: &["systemuser"] },
    Col { name: "versionnumber", display: "Version Number", kind: K::BigInt, required: Req::None, options: &[], targets: &[] },
];

const BUSINESSUNIT: &[Col] = &[
    Col { name: "businessunitid", display: "Business Unit", kind: K::Guid, required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "name", display: "Name", kind: K::Text(160), required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "createdon", display: "Created On", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "modifiedon", display: "Modified On", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "versionnumber", display: "Version Number", kind: K::BigInt, required: Req::None, options: &[], targets: &[] },
];

const LEAD: &[Col] = &[
    Col { name: "leadid", display: "Lead", kind: K::Guid, required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "fullname", display: "Name", kind: K::Text(160), required: Req::None, options: &[], targets: &[] },
    Col { name: "salutation", display: "Salutation", kind: K::Text(100), required: Req::None, options: &[], targets: &[] },
    Col { name: "firstname", display: "First Name", kind: K::Text(50), required: Req::Recommended, options: &[], targets: &[] },
    Col { name: "middlename", display: "Middle Name", kind: K::Text(50), required: Req::None, options: &[], targets: &[] },
    Col { name: "lastname", display: "Last Name", kind: K::Text(50), required: Req::ApplicationRequired, options: &[], targets: &[] },
    Col { name: "emailaddress1", display: "Email", kind: K::Text(100), required: Req::None, options: &[], targets: &[] },
    Col { name: "jobtitle", display: "Job Title", kind: K::Text(100), required: Req::None, options: &[], targets: &[] },
    Col { name: "telephone1", display: "Business Phone", kind: K::Text(50), required: Req::None, options: &[], targets: &[] },
    Col { name: "telephone2", display: "Home Phone", kind: K::Text(50), required: Req::None, options: &[], targets: &[] },
    Col { name: "mobilephone", display: "Mobile Phone", kind: K::Text(20), required: Req::None, options: &[], targets: &[] },
    Col { name: "fax", display: "Fax", kind: K::Text(50), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_line1", display: "Street 1", kind: K::Text(250), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_line2", display: "Street 2", kind: K::Text(250), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_line3", display: "Street 3", kind: K::Text(250), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_city", display: "City", kind: K::Text(80), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_stateorprovince", display: "State/Province", kind: K::Text(50), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_country", display: "Country/Region", kind: K::Text(80), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_postalcode", display: "ZIP/Postal Code", kind: K::Text(20), required: Req::None, options: &[], targets: &[] },
    Col { name: "leadsourcecode", display: "Lead Source", kind: K::Picklist, required: Req::None, options: &[(1, "Advertisement", -1), (2, "Employee Referral", -1), (3, "External Referral", -1), (4, "Partner", -1), (5, "Public Relations", -1), (6, "Seminar", -1), (7, "Trade Show", -1), (8, "Web", -1), (9, "Word of Mouth", -1), (10, "Other", -1)], targets: &[] },
    Col { name: "statecode", display: "Status", kind: K::State, required: Req::SystemRequired, options: &[(0, "Open", -1), (1, "Qualified", -1), (2, "Disqualified", -1)], targets: &[] },
    Col { name: "statuscode", display: "Status Reason", kind: K::Status, required: Req::None, options: &[(1, "New", 0), (2, "Contacted", 0), (3, "Qualified", 1), (4, "Lost", 2), (5, "Cannot Contact", 2), (6, "No Longer Interested", 2), (7, "Canceled", 2)], targets: &[] },
    Col { name: "description", display: "Description", kind: K::Memo(2000), required: Req::None, options: &[], targets: &[] },
    Col { name: "donotphone", display: "Do not allow Phone Calls", kind: K::Boolean, required: Req::None, options: &[(0, "Allow", -1), (1, "Do Not Allow", -1)], targets: &[] },
    Col { name: "donotbulkemail", display: "Do not allow Bulk Emails", kind: K::Boolean, required: Req::None, options: &[(0, "Allow", -1), (1, "Do Not Allow", -1)], targets: &[] },
    Col { name: "leadqualitycode", display: "Rating", kind: K::Picklist, required: Req::None, options: &[(1, "Hot", -1), (2, "Warm", -1), (3, "Cold", -1)], targets: &[] },
    Col { name: "donotemail", display: "Do not allow Emails", kind: K::Boolean, required: Req::None, options: &[(0, "Allow", -1), (1, "Do Not Allow", -1)], targets: &[] },
    Col { name: "donotfax", display: "Do not allow Faxes", kind: K::Boolean, required: Req::None, options: &[(0, "Allow", -1), (1, "Do Not Allow", -1)], targets: &[] },
    Col { name: "donotsendmm", display: "Marketing Material", kind: K::Boolean, required: Req::None, options: &[(0, "Send", -1), (1, "Do Not Send", -1)], targets: &[] },
    Col { name: "preferredcontactmethodcode", display: "Preferred Method of Contact", kind: K::Picklist, required: Req::None, options: &[(1, "Any", -1), (2, "Email", -1), (3, "Phone", -1), (4, "Fax", -1), (5, "Mail", -1)], targets: &[] },
    Col { name: "subject", display: "Topic", kind: K::Text(300), required: Req::ApplicationRequired, options: &[], targets: &[] },
    Col { name: "companyname", display: "Company Name", kind: K::Text(100), required: Req::Recommended, options: &[], targets: &[] },
    Col { name: "revenue", display: "Annual Revenue", kind: K::Money, required: Req::None, options: &[], targets: &[] },
    Col { name: "numberofemployees", display: "No. of Employees", kind: K::Integer, required: Req::None, options: &[], targets: &[] },
    Col { name: "industrycode", display: "Industry", kind: K::Picklist, required: Req::None, options: &[(1, "Accounting", -1), (2, "Agriculture and Non-petrol Natural Resource Extraction", -1), (3, "Broadcasting Printing and Publishing", -1), (4, "Brokers", -1), (5, "Building Supply Retail", -1), (6, "Business Services", -1), (7, "Consulting", -1), (8, "Consumer Services", -1), (9, "Design, Direction and Creative Management", -1), (10, "Distributors, Dispatchers and Processors", -1), (11, "Doctor's Offices and Clinics", -1), (12, "Durable Manufacturing", -1), (13, "Eating and Drinking Places", -1), (14, "Entertainment Retail", -1), (15, "Equipment Rental and Leasing", -1), (16, "Financial", -1), (17, "Food and Tobacco Processing", -1), (18, "Inbound Capital Intensive Processing", -1), (19, "Inbound Repair and Services", -1), (20, "Insurance", -1), (21, "Legal Services", -1), (22, "Non-Durable Merchandise Retail", -1), (23, "Outbound Consumer Service", -1), (24, "Petrochemical Extraction and Distribution", -1), (25, "Service Retail", -1), (26, "SIG Affiliations", -1), (27, "Social Services", -1), (28, "Special Outbound Trade Contractors", -1), (29, "Specialty Realty", -1), (30, "Transportation", -1), (31, "Utility Creation and Distribution", -1), (32, "Vehicle Retail", -1), (33, "Wholesale", -1)], targets: &[] },
    Col { name: "websiteurl", display: "Website", kind: K::Text(200), required: Req::None, options: &[], targets: &[] },
    Col { name: "parentaccountid", display: "Parent Account for lead", kind: K::Lookup, required: Req::None, options: &[], targets: &["account"] },
    Col { name: "parentcontactid", display: "Parent Contact for lead", kind: K::Lookup, required: Req::None, options: &[], targets: &["contact"] },
    Col { name: "masterid", display: "Master ID", kind: K::Lookup, required: Req::None, options: &[], targets: &["lead"] },
    Col { name: "merged", display: "Merged", kind: K::Boolean, required: Req::None, options: &[(0, "No", -1), (1, "Yes", -1)], targets: &[] },
    Col { name: "createdon", display: "Created On", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "modifiedon", display: "Modified On", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "createdby", display: "Created By", kind: K::Lookup, required: Req::None, options: &[], targets: &["systemuser"] },
    Col { name: "modifiedby", display: "Modified By", kind: K::Lookup, required: Req::None, options: &[], targets: &["systemuser"] },
    Col { name: "ownerid", display: "Owner", kind: K::Owner, required: Req::SystemRequired, options: &[], targets: &["systemuser", "team"] },
    Col { name: "versionnumber", display: "Version Number", kind: K::BigInt, required: Req::None, options: &[], targets: &[] },
];

const CONTACT: &[Col] = &[
    Col { name: "contactid", display: "Contact", kind: K::Guid, required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "fullname", display: "Full Name", kind: K::Text(160), required: Req::None, options: &[], targets: &[] },
    Col { name: "salutation", display: "Salutation", kind: K::Text(100), required: Req::None, options: &[], targets: &[] },
    Col { name: "firstname", display: "First Name", kind: K::Text(50), required: Req::Recommended, options: &[], targets: &[] },
    Col { name: "middlename", display: "Middle Name", kind: K::Text(50), required: Req::None, options: &[], targets: &[] },
    Col { name: "lastname", display: "Last Name", kind: K::Text(50), required: Req::ApplicationRequired, options: &[], targets: &[] },
    Col { name: "emailaddress1", display: "Email", kind: K::Text(100), required: Req::None, options: &[], targets: &[] },
    Col { name: "jobtitle", display: "Job Title", kind: K::Text(100), required: Req::None, options: &[], targets: &[] },
    Col { name: "telephone1", display: "Business Phone", kind: K::Text(50), required: Req::None, options: &[], targets: &[] },
    Col { name: "telephone2", display: "Home Phone", kind: K::Text(50), required: Req::None, options: &[], targets: &[] },
    Col { name: "mobilephone", display: "Mobile Phone", kind: K::Text(50), required: Req::None, options: &[], targets: &[] },
    Col { name: "fax", display: "Fax", kind: K::Text(50), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_line1", display: "Address 1: Street 1", kind: K::Text(250), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_line2", display: "Address 1: Street 2", kind: K::Text(250), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_line3", display: "Address 1: Street 3", kind: K::Text(250), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_city", display: "Address 1: City", kind: K::Text(80), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_stateorprovince", display: "Address 1: State/Province", kind: K::Text(50), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_country", display: "Address 1: Country/Region", kind: K::Text(80), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_postalcode", display: "Address 1: ZIP/Postal Code", kind: K::Text(20), required: Req::None, options: &[], targets: &[] },
    Col { name: "statecode", display: "Status", kind: K::State, required: Req::SystemRequired, options: &[(0, "Active", -1), (1, "Inactive", -1)], targets: &[] },
    Col { name: "statuscode", display: "Status Reason", kind: K::Status, required: Req::None, options: &[(1, "Active", 0), (2, "Inactive", 1)], targets: &[] },
    Col { name: "description", display: "Description", kind: K::Memo(2000), required: Req::None, options: &[], targets: &[] },
    Col { name: "donotphone", display: "Do not allow Phone Calls", kind: K::Boolean, required: Req::None, options: &[(0, "Allow", -1), (1, "Do Not Allow", -1)], targets: &[] },
    Col { name: "donotbulkemail", display: "Do not allow Bulk Emails", kind: K::Boolean, required: Req::None, options: &[(0, "Allow", -1), (1, "Do Not Allow", -1)], targets: &[] },
    Col { name: "donotemail", display: "Do not allow Emails", kind: K::Boolean, required: Req::None, options: &[(0, "Allow", -1), (1, "Do Not Allow", -1)], targets: &[] },
    Col { name: "donotfax", display: "Do not allow Faxes", kind: K::Boolean, required: Req::None, options: &[(0, "Allow", -1), (1, "Do Not Allow", -1)], targets: &[] },
    Col { name: "donotsendmm", display: "Send Marketing Materials", kind: K::Boolean, required: Req::None, options: &[(0, "Send", -1), (1, "Do Not Send", -1)], targets: &[] },
    Col { name: "preferredcontactmethodcode", display: "Preferred Method of Contact", kind: K::Picklist, required: Req::None, options: &[(1, "Any", -1), (2, "Email", -1), (3, "Phone", -1), (4, "Fax", -1), (5, "Mail", -1)], targets: &[] },
    Col { name: "parentcustomerid", display: "Company Name", kind: K::Customer, required: Req::None, options: &[], targets: &["account", "contact"] },
    Col { name: "birthdate", display: "Birthday", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "masterid", display: "Master ID", kind: K::Lookup, required: Req::None, options: &[], targets: &["contact"] },
    Col { name: "merged", display: "Merged", kind: K::Boolean, required: Req::None, options: &[(0, "No", -1), (1, "Yes", -1)], targets: &[] },
    Col { name: "createdon", display: "Created On", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "modifiedon", display: "Modified On", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "createdby", display: "Created By", kind: K::Lookup, required: Req::None, options: &[], targets: &["systemuser"] },
    Col { name: "modifiedby", display: "Modified By", kind: K::Lookup, required: Req::None, options: &[], targets: &["systemuser"] },
    Col { name: "ownerid", display: "Owner", kind: K::Owner, required: Req::SystemRequired, options: &[], targets: &["systemuser", "team"] },
    Col { name: "versionnumber", display: "Version Number", kind: K::BigInt, required: Req::None, options: &[], targets: &[] },
];

const ACCOUNT: &[Col] = &[
    Col { name: "accountid", display: "Account", kind: K::Guid, required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "name", display: "Account Name", kind: K::Text(160), required: Req::ApplicationRequired, options: &[], targets: &[] },
    Col { name: "accountnumber", display: "Account Number", kind: K::Text(20), required: Req::None, options: &[], targets: &[] },
    Col { name: "telephone1", display: "Main Phone", kind: K::Text(50), required: Req::None, options: &[], targets: &[] },
    Col { name: "emailaddress1", display: "Email", kind: K::Text(100), required: Req::None, options: &[], targets: &[] },
    Col { name: "websiteurl", display: "Website", kind: K::Text(200), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_line1", display: "Address 1: Street 1", kind: K::Text(250), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_line2", display: "Address 1: Street 2", kind: K::Text(250), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_line3", display: "Address 1: Street 3", kind: K::Text(250), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_city", display: "Address 1: City", kind: K::Text(80), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_stateorprovince", display: "Address 1: State/Province", kind: K::Text(50), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_country", display: "Address 1: Country/Region", kind: K::Text(80), required: Req::None, options: &[], targets: &[] },
    Col { name: "address1_postalcode", display: "Address 1: ZIP/Postal Code", kind: K::Text(20), required: Req::None, options: &[], targets: &[] },
    Col { name: "businesstypecode", display: "Business Type", kind: K::Picklist, required: Req::None, options: &[(1, "Default Value", -1)], targets: &[] },
    Col { name: "industrycode", display: "Industry", kind: K::Picklist, required: Req::None, options: &[(1, "Accounting", -1), (2, "Agriculture and Non-petrol Natural Resource Extraction", -1), (3, "Broadcasting Printing and Publishing", -1), (4, "Brokers", -1), (5, "Building Supply Retail", -1), (6, "Business Services", -1), (7, "Consulting", -1), (8, "Consumer Services", -1), (9, "Design, Direction and Creative Management", -1), (10, "Distributors, Dispatchers and Processors", -1), (11, "Doctor's Offices and Clinics", -1), (12, "Durable Manufacturing", -1), (13, "Eating and Drinking Places", -1), (14, "Entertainment Retail", -1), (15, "Equipment Rental and Leasing", -1), (16, "Financial", -1), (17, "Food and Tobacco Processing", -1), (18, "Inbound Capital Intensive Processing", -1), (19, "Inbound Repair and Services", -1), (20, "Insurance", -1), (21, "Legal Services", -1), (22, "Non-Durable Merchandise Retail", -1), (23, "Outbound Consumer Service", -1), (24, "Petrochemical Extraction and Distribution", -1), (25, "Service Retail", -1), (26, "SIG Affiliations", -1), (27, "Social Services", -1), (28, "Special Outbound Trade Contractors", -1), (29, "Specialty Realty", -1), (30, "Transportation", -1), (31, "Utility Creation and Distribution", -1), (32, "Vehicle Retail", -1), (33, "Wholesale", -1)], targets: &[] },
    Col { name: "sic", display: "SIC Code", kind: K::Text(20), required: Req::None, options: &[], targets: &[] },
    Col { name: "revenue", display: "Annual Revenue", kind: K::Money, required: Req::None, options: &[], targets: &[] },
    Col { name: "numberofemployees", display: "Number of Employees", kind: K::Integer, required: Req::None, options: &[], targets: &[] },
    Col { name: "description", display: "Description", kind: K::Memo(2000), required: Req::None, options: &[], targets: &[] },
    Col { name: "statecode", display: "Status", kind: K::State, required: Req::SystemRequired, options: &[(0, "Active", -1), (1, "Inactive", -1)], targets: &[] },
    Col { name: "statuscode", display: "Status Reason", kind: K::Status, required: Req::None, options: &[(1, "Active", 0), (2, "Inactive", 1)], targets: &[] },
    Col { name: "primarycontactid", display: "Primary Contact", kind: K::Lookup, required: Req::None, options: &[], targets: &["contact"] },
    Col { name: "parentaccountid", display: "Parent Account", kind: K::Lookup, required: Req::None, options: &[], targets: &["account"] },
    Col { name: "masterid", display: "Master ID", kind: K::Lookup, required: Req::None, options: &[], targets: &["account"] },
    Col { name: "merged", display: "Merged", kind: K::Boolean, required: Req::None, options: &[(0, "No", -1), (1, "Yes", -1)], targets: &[] },
    Col { name: "createdon", display: "Created On", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "modifiedon", display: "Modified On", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "createdby", display: "Created By", kind: K::Lookup, required: Req::None, options: &[], targets: &["systemuser"] },
    Col { name: "modifiedby", display: "Modified By", kind: K::Lookup, required: Req::None, options: &[], targets: &["systemuser"] },
    Col { name: "ownerid", display: "Owner", kind: K::Owner, required: Req::SystemRequired, options: &[], targets: &["systemuser", "team"] },
    Col { name: "versionnumber", display: "Version Number", kind: K::BigInt, required: Req::None, options: &[], targets: &[] },
];

const OPPORTUNITY: &[Col] = &[
    Col { name: "opportunityid", display: "Opportunity", kind: K::Guid, required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "name", display: "Topic", kind: K::Text(300), required: Req::ApplicationRequired, options: &[], targets: &[] },
    Col { name: "description", display: "Description", kind: K::Memo(2000), required: Req::None, options: &[], targets: &[] },
    Col { name: "closeprobability", display: "Probability", kind: K::Integer, required: Req::None, options: &[], targets: &[] },
    Col { name: "estimatedvalue", display: "Est. revenue", kind: K::Money, required: Req::None, options: &[], targets: &[] },
    Col { name: "estimatedclosedate", display: "Est. close date", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "actualclosedate", display: "Actual Close Date", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "actualvalue", display: "Actual Revenue", kind: K::Money, required: Req::None, options: &[], targets: &[] },
    Col { name: "customerid", display: "Potential Customer", kind: K::Customer, required: Req::ApplicationRequired, options: &[], targets: &["account", "contact"] },
    Col { name: "parentaccountid", display: "Account", kind: K::Lookup, required: Req::None, options: &[], targets: &["account"] },
    Col { name: "parentcontactid", display: "Contact", kind: K::Lookup, required: Req::None, options: &[], targets: &["contact"] },
    Col { name: "originatingleadid", display: "Originating Lead", kind: K::Lookup, required: Req::None, options: &[], targets: &["lead"] },
    Col { name: "statecode", display: "Status", kind: K::State, required: Req::SystemRequired, options: &[(0, "Open", -1), (1, "Won", -1), (2, "Lost", -1)], targets: &[] },
    Col { name: "statuscode", display: "Status Reason", kind: K::Status, required: Req::None, options: &[(1, "In Progress", 0), (2, "On Hold", 0), (3, "Won", 1), (4, "Canceled", 2), (5, "Out-Sold", 2)], targets: &[] },
    Col { name: "createdon", display: "Created On", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "modifiedon", display: "Modified On", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "createdby", display: "Created By", kind: K::Lookup, required: Req::None, options: &[], targets: &["systemuser"] },
    Col { name: "modifiedby", display: "Modified By", kind: K::Lookup, required: Req::None, options: &[], targets: &["systemuser"] },
    Col { name: "ownerid", display: "Owner", kind: K::Owner, required: Req::SystemRequired, options: &[], targets: &["systemuser", "team"] },
    Col { name: "versionnumber", display: "Version Number", kind: K::BigInt, required: Req::None, options: &[], targets: &[] },
];

const TEAM: &[Col] = &[
    Col { name: "teamid", display: "Team", kind: K::Guid, required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "name", display: "Team Name", kind: K::Text(160), required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "teamtype", display: "Team Type", kind: K::Picklist, required: Req::SystemRequired, options: &[(0, "Owner", -1), (1, "Access", -1), (2, "Security Group", -1), (3, "Office Group", -1)], targets: &[] },
    Col { name: "description", display: "Description", kind: K::Memo(2000), required: Req::None, options: &[], targets: &[] },
    Col { name: "businessunitid", display: "Business Unit", kind: K::Lookup, required: Req::SystemRequired, options: &[], targets: &["businessunit"] },
    Col { name: "administratorid", display: "Administrator", kind: K::Lookup, required: Req::SystemRequired, options: &[], targets: &["systemuser"] },
    Col { name: "emailaddress", display: "Email", kind: K::Text(100), required: Req::None, options: &[], targets: &[] },
    Col { name: "createdon", display: "Created On", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "modifiedon", display: "Modified On", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "createdby", display: "Created By", kind: K::Lookup, required: Req::None, options: &[], targets: &["systemuser"] },
    Col { name: "modifiedby", display: "Modified By", kind: K::Lookup, required: Req::None, options: &[], targets: &["systemuser"] },
    Col { name: "versionnumber", display: "Version number", kind: K::BigInt, required: Req::None, options: &[], targets: &[] },
];

/// What a connection may connect in this org: the tables of `Record1Id`/`Record2Id`'s targets
/// that the org has (`reference/entities/connection.md`; opportunity and lead add theirs,
/// `opportunity_connections1/2`, `lead_connections1/2`).
const CONNECTED: &[&str] = &["account", "contact", "lead", "opportunity", "systemuser", "team"];

/// `Record1ObjectTypeCode` / `Record2ObjectTypeCode`: the object type codes of those tables.
const CONNECTED_TYPES: &[(i32, &str, i32)] = &[(1, "Account", -1), (2, "Contact", -1), (3, "Opportunity", -1), (4, "Lead", -1), (8, "User", -1), (9, "Team", -1)];

/// `reference/entities/connection.md`: the columns a reader of connections needs (the status, audit
/// and owner columns come with `OWNED_RECORD`).
const CONNECTION: &[Col] = &[
    Col { name: "connectionid", display: "Connection", kind: K::Guid, required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "name", display: "Connection Name", kind: K::Text(500), required: Req::None, options: &[], targets: &[] },
    Col { name: "record1id", display: "Connected From", kind: K::Lookup, required: Req::None, options: &[], targets: CONNECTED },
    Col { name: "record1objecttypecode", display: "Type (From)", kind: K::Picklist, required: Req::None, options: CONNECTED_TYPES, targets: &[] },
    Col { name: "record1roleid", display: "Role (From)", kind: K::Lookup, required: Req::None, options: &[], targets: &["connectionrole"] },
    Col { name: "record2id", display: "Connected To", kind: K::Lookup, required: Req::None, options: &[], targets: CONNECTED },
    Col { name: "record2objecttypecode", display: "Type (To)", kind: K::Picklist, required: Req::None, options: CONNECTED_TYPES, targets: &[] },
    Col { name: "record2roleid", display: "Role (To)", kind: K::Lookup, required: Req::None, options: &[], targets: &["connectionrole"] },
    Col { name: "relatedconnectionid", display: "Reciprocal Connection", kind: K::Lookup, required: Req::ApplicationRequired, options: &[], targets: &["connection"] },
    Col { name: "ismaster", display: "Is Master", kind: K::Boolean, required: Req::SystemRequired, options: &[(0, "No", -1), (1, "Yes", -1)], targets: &[] },
    Col { name: "description", display: "Description", kind: K::Memo(2000), required: Req::None, options: &[], targets: &[] },
    Col { name: "effectivestart", display: "Starting", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "effectiveend", display: "Ending", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
];

/// `reference/entities/connectionrole.md`; `category` is the `connectionrole_category` choice.
const CONNECTION_ROLE: &[Col] = &[
    Col { name: "connectionroleid", display: "Connection Role", kind: K::Guid, required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "name", display: "Name", kind: K::Text(100), required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "category", display: "Connection Role Category", kind: K::Picklist, required: Req::None, options: &[(1, "Business", -1), (2, "Family", -1), (3, "Social", -1), (4, "Sales", -1), (5, "Other", -1), (1000, "Stakeholder", -1), (1001, "Sales Team", -1), (1002, "Service", -1)], targets: &[] },
    Col { name: "description", display: "Description", kind: K::Text(1000), required: Req::None, options: &[], targets: &[] },
    Col { name: "statecode", display: "Status", kind: K::State, required: Req::SystemRequired, options: &[(0, "Active", -1), (1, "Inactive", -1)], targets: &[] },
    Col { name: "statuscode", display: "Status Reason", kind: K::Status, required: Req::None, options: &[(1, "Active", 0), (2, "Inactive", 1)], targets: &[] },
    Col { name: "createdon", display: "Created On", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "modifiedon", display: "Modified On", kind: K::DateTime, required: Req::None, options: &[], targets: &[] },
    Col { name: "createdby", display: "Created By", kind: K::Lookup, required: Req::None, options: &[], targets: &["systemuser"] },
    Col { name: "modifiedby", display: "Modified By", kind: K::Lookup, required: Req::None, options: &[], targets: &["systemuser"] },
    Col { name: "versionnumber", display: "Version Number", kind: K::BigInt, required: Req::None, options: &[], targets: &[] },
];

/// A table a connection role is limited to (describe-relationship-entities-connection-roles.md):
/// a role with none of these applies to every table.
const CONNECTION_ROLE_SCOPE: &[Col] = &[
    Col { name: "connectionroleobjecttypecodeid", display: "Connection Role Object Type Code", kind: K::Guid, required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "connectionroleid", display: "Connection Role", kind: K::Lookup, required: Req::SystemRequired, options: &[], targets: &["connectionrole"] },
    Col { name: "associatedobjecttypecode", display: "Associated Object Type", kind: K::Text(64), required: Req::SystemRequired, options: &[], targets: &[] },
    Col { name: "versionnumber", display: "Version Number", kind: K::BigInt, required: Req::None, options: &[], targets: &[] },
];
