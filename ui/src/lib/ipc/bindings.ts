// Generated from the Rust IPC types (src-tauri/src/ipc.rs) by `cargo xtask bindings`.
// Do not edit: a test fails when this file differs from what the Rust types produce.

export type Availability = "available" | "secured" | "unreadable" | "unsupported" | "noMarketoField";

export type Backlog = { side: Side, entity: string, pending: number, };

export type Budget = { usedToday: number, quota: number, 
/**
 * Calls kept back for other integrations; the sync stops before using them.
 */
reserve: number, 
/**
 * Midnight US Central.
 */
resetsAt: string, };

export type Check = { id: CheckId, status: CheckStatus, problem: Problem | null, };

export type CheckId = "orgUrl" | "signIn" | "syncUser" | "readAccess" | "changeTracking" | "fieldVisibility" | "orgIdentity" | "marketoEndpoint" | "marketoSignIn" | "marketoAccess" | "marketoSchema" | "marketoBudget";

export type CheckReport = { 
/**
 * All checks passed (warnings are fine).
 */
ok: boolean, checks: Array<Check>, organization: OrganizationSummary | null, budget: Budget | null, };

export type CheckStatus = "passed" | "warning" | "failed" | "skipped";

export type ConnectionKind = "app" | "password";

export type Counts = { created: number, updated: number, skipped: number, failed: number, };

export type CustomEntityChoice = { logicalName: string, columns: Array<string>, };

export type CustomEntityOption = { logicalName: string, label: string, 
/**
 * The tables from lead, contact or account down to it.
 */
path: Array<string>, eligible: boolean, 
/**
 * Why it cannot be synced, in the user's words.
 */
reason: IneligibleReason | null, 
/**
 * The Marketo custom object it becomes.
 */
marketoObject: string, enabled: boolean, fields: Array<FieldOption>, };

export type Direction = "twoWay" | "toMarketo";

export type DynamicsDraft = { orgUrl: string, connection: ConnectionKind, tenant: string, clientId: string, authorityHost: string, username: string | null, clientSecretSaved: boolean, passwordSaved: boolean, organization: OrganizationSummary | null, 
/**
 * The org URL is fixed: the first sync ran (R90).
 */
locked: boolean, };

export type DynamicsForm = { orgUrl: string, connection: ConnectionKind, tenant: string, clientId: string, 
/**
 * Only for clouds other than Microsoft's global one (and the sandbox).
 */
authorityHost: string | null, clientSecret: string | null, username: string | null, password: string | null, };

export type DynamicsUser = { id: string, name: string, email: string | null, };

export type EntityFields = { entity: string, label: string, direction: Direction, 
/**
 * Whether the entity has the `new_synctomkto` sync filter column (R32).
 */
hasSyncFilter: boolean, fields: Array<FieldOption>, };

export type EntityProgress = { entity: string, phase: Phase, done: number, 
/**
 * Known once the entity's records are counted (first sync, back-fills).
 */
total: number | null, etaSeconds: number | null, };

export type Entry = { runId: number, at: string, entity: string, dynamicsId: string | null, marketoId: string | null, 
/**
 * The Marketo field name, or `None` for a decision about the whole record.
 */
field: string | null, flow: Flow, before: Value | null, after: Value | null, rule: Rule, note: string | null, };

export type ErrorCode = "internal" | "invalidInput" | "notConfigured" | "busy" | "keychain" | "service" | "stopped";

export type Examined = { entity: string, records: number, 
/**
 * The entity has more records than the preview looked at.
 */
truncated: boolean, };

export type FieldChange = { entity: string, record: string, field: string, flow: Flow, before: Value | null, after: Value | null, rule: Rule, };

export type FieldChoice = { entity: string, column: string, };

export type FieldError = { field: FormField, problem: FieldProblem, };

export type FieldOption = { column: string, label: string, 
/**
 * The Dataverse attribute type (`String`, `Picklist`, `Lookup`...).
 */
columnType: string, availability: Availability, 
/**
 * Part of the default mapping (R52).
 */
default: boolean, 
/**
 * Chosen now (the saved choice, else the default).
 */
selected: boolean, target: FieldTarget | null, direction: Direction, };

export type FieldProblem = "required" | "notAUrl" | "httpNotAllowed" | "hasPath" | "notARestEndpoint" | "notAnIdentityEndpoint" | "notAGuid" | "notATenant" | "notAUsername" | "locked";

export type FieldTarget = { name: string, label: string, 
/**
 * `false`: Dynasync creates it in Marketo when the setup is saved.
 */
exists: boolean, dataType: string, };

export type Flow = "toMarketo" | "toDynamics" | "none";

export type FormField = "orgUrl" | "tenant" | "clientId" | "clientSecret" | "authorityHost" | "username" | "password" | "restUrl" | "identityUrl" | "marketoClientId" | "marketoClientSecret";

export type IneligibleReason = "tooDeep" | "notLinked" | "notReadable" | "nameTooLong";

export type IpcError = { code: ErrorCode, message: string, 
/**
 * For `invalidInput`: each wrong field and its problem.
 */
fields: Array<FieldError>, };

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

export type KeychainStatus = { "status": "ready", backend: string, } | { "status": "unavailable", message: string, };

export type MarketoDraft = { restUrl: string, identityUrl: string, clientId: string, clientSecretSaved: boolean, };

export type MarketoForm = { restUrl: string, identityUrl: string, clientId: string, clientSecret: string | null, };

export type MarketoList = { id: number, name: string, };

export type MarketoPersonSummary = { id: number, email: string | null, firstName: string | null, lastName: string | null, company: string | null, 
/**
 * `Lead` or `Contact` when the person already syncs with Dynamics.
 */
microsoftType: string | null, 
/**
 * Exists only in Marketo: it can be sent to Dynamics.
 */
marketoOnly: boolean, 
/**
 * A request to send it is waiting for the next cycle.
 */
requested: boolean, };

export type Match = { entity: string, record: string, 
/**
 * `matchedByDynamicsId`, `matchedByEmail` or `ambiguousMatch`.
 */
rule: Rule, 
/**
 * The Marketo person it would be linked to, when one is.
 */
marketoId: string | null, note: string | null, };

export type Operation = "createInMarketo" | "linkExisting" | "updateInMarketo" | "flagDeleted" | "deleteInMarketo" | "updateInDynamics" | "createInDynamics" | "skip";

export type OperationCount = { entity: string, operation: Operation, count: number, };

export type OrganizationSummary = { id: string, name: string, uniqueName: string, syncUser: string, syncUserId: string, };

export type Overview = { configured: boolean, sandbox: boolean, dynamicsUrl: string | null, marketoUrl: string | null, firstSyncDone: boolean, 
/**
 * The process syncing this data right now, if any.
 */
syncingProcess: string | null, recentRuns: Array<Run>, openErrors: number, 
/**
 * Changes pulled and not yet applied, per side and entity.
 */
backlog: Array<Backlog>, };

export type PersonRequest = { id: number, marketoId: number, syncAs: SyncAs, ownerId: string | null, 
/**
 * `app`, or `list:<id>` for a member of the chosen static list.
 */
source: string, requestedAt: string, doneAt: string | null, 
/**
 * `created-lead`, `created-contact`, `exists`, `not-found`, `rejected`; none while pending.
 */
outcome: string | null, dynamicsId: string | null, };

export type Phase = "firstCopy" | "changes" | "backfill";

export type Preview = { 
/**
 * The cycle previewed is the first sync.
 */
firstSync: boolean, examined: Array<Examined>, operations: Array<OperationCount>, 
/**
 * The dedupe pre-flight's findings, ambiguous ones first.
 */
matches: Array<Match>, 
/**
 * A few field changes per entity.
 */
samples: Array<FieldChange>, 
/**
 * "Sync Person to Microsoft" requests the cycle would carry out.
 */
pendingRequests: number, };

export type Problem = { code: ProblemCode, detail: string, };

export type ProblemCode = "unreachable" | "tlsFailure" | "notDataverse" | "unknownTenant" | "appNotFound" | "wrongSecret" | "secretExpired" | "wrongPassword" | "userNotFound" | "mfaRequired" | "consentMissing" | "signInRefused" | "noSyncUser" | "noReadAccess" | "changeTrackingOff" | "securedColumns" | "organizationChanged" | "notMarketo" | "marketoClientRefused" | "marketoAccessDenied" | "noSchemaAccess" | "quotaLow" | "other";

export type RecordError = { id: number, firstAt: string, lastAt: string, direction: Flow, entity: string, 
/**
 * The record's id on the side it was read from.
 */
record: string, 
/**
 * create, update, delete, qualify...
 */
operation: string, code: string, message: string, attempts: number, blocked: JsonValue | null, resolvedAt: string | null, };

export type Rule = "firstCopy" | "fillEmpty" | "dynamicsChanged" | "marketoChanged" | "sameOnBothSides" | "marketoWinsForLeads" | "dynamicsWinsForContacts" | "dynamicsWinsOneWay" | "accountOverridesCompany" | "accountActivityCap" | "filterNo" | "filterBlank" | "filterYes" | "deletedInDynamics" | "deletedInMarketo" | "qualified" | "merged" | "changedBySyncUser" | "stakeholder" | "syncPersonToMicrosoft" | "rejectedByDynamics" | "backfill" | "matchedByDynamicsId" | "matchedByEmail" | "ambiguousMatch";

export type Run = { id: number, kind: RunKind, startedAt: string, endedAt: string | null, status: RunStatus, stats: RunStats, message: string | null, };

export type RunKind = "firstSync" | "cycle" | "quickSync" | "backfill";

export type RunProgress = { runId: number, kind: RunKind, startedAt: string, entities: Array<EntityProgress>, };

export type RunStats = { 
/**
 * Keyed by "<entity> → Marketo" or "<entity> → Dynamics".
 */
flows: { [key in string]: Counts }, marketoCalls: number, dynamicsRequests: number, 
/**
 * Dynamics answers of 429 the run waited out.
 */
dynamicsThrottled: number, };

export type RunStatus = "running" | "succeeded" | "partlyFailed" | "failed" | "stopped";

export type SandboxCount = { side: string, entity: string, count: number, };

export type SandboxEdit = { side: string, entity: string, id: string, firstName: string, lastName: string, jobTitle: string, };

export type SandboxFaults = { 
/**
 * Every answer of both sides takes 300 ms longer.
 */
slow: boolean, 
/**
 * One answer in ten is a server error.
 */
serverErrors: boolean, 
/**
 * The next 20 Dynamics requests are throttled (429).
 */
dynamicsThrottling: boolean, 
/**
 * The next 20 Marketo calls hit the rate limit (606).
 */
marketoRateLimit: boolean, };

export type SandboxPerson = { 
/**
 * `dynamics` or `marketo`.
 */
side: string, 
/**
 * `contacts`, `leads` (Dynamics entity sets) or `leads` (Marketo people).
 */
entity: string, id: string, firstName: string, lastName: string, email: string, jobTitle: string, 
/**
 * For a Marketo person: the Dynamics record it syncs with.
 */
dynamicsId: string | null, };

export type SandboxPrefill = { orgUrl: string, tenant: string, clientId: string, authorityHost: string, restUrl: string, identityUrl: string, marketoClientId: string, 
/**
 * The sandbox's control API, to act on it "as a user" from outside the app.
 */
controlUrl: string, };

export type SandboxRestore = { "state": "notNeeded" } | { "state": "restoring" } | { "state": "restored" } | { "state": "failed", message: string, };

export type SandboxView = { controlUrl: string, counts: Array<SandboxCount>, people: Array<SandboxPerson>, faults: SandboxFaults, };

export type Selection = { fields: Array<FieldChoice>, customEntities: Array<CustomEntityChoice>, };

export type SetupState = { 
/**
 * The setup was finished: the sync runs.
 */
configured: boolean, sandbox: boolean, dynamics: DynamicsDraft | null, marketo: MarketoDraft | null, fieldsSaved: boolean, options: SyncOptions, };

export type Side = "dynamics" | "marketo";

export type StartupReport = { appVersion: string, keychain: KeychainStatus, 
/**
 * What became of a sandbox setup saved by an earlier launch.
 */
sandboxRestore: SandboxRestore, 
/**
 * Go straight to the sandbox (started with `--sandbox`).
 */
autoSandbox: boolean, };

export type Status = { state: SyncState, reason: StopReason | null, nextCycleAt: string | null, run: RunProgress | null, lastRunEndedAt: string | null, budget: Budget | null, 
/**
 * Whether the connection is the built-in sandbox.
 */
sandbox: boolean, };

export type StopCode = "pausedByUser" | "quotaExhausted" | "organizationChanged" | "marketoInstanceChanged" | "circuitBreaker" | "authFailed" | "fieldDeleted" | "unreachable" | "internal";

export type StopReason = { code: StopCode, detail: string, };

export type SyncAs = "lead" | "contact";

export type SyncOptions = { 
/**
 * Minutes between the end of a cycle and the start of the next (R1: 5).
 */
intervalMinutes: number, 
/**
 * Honour the `new_synctomkto` sync filter where Dynamics has it (R32-R35: it applies only once
 * selected; an empty value then copies a record once and never updates it, R34).
 */
useSyncFilter: boolean, 
/**
 * Share of Marketo's daily quota kept for other integrations: the sync never uses it.
 */
reservePercent: number, 
/**
 * The instance's daily API quota (50,000 unless the subscription says otherwise; Marketo's API
 * does not tell).
 */
marketoDailyQuota: number, 
/**
 * The static list whose members are sent to Dynamics ("Sync Person to Microsoft", R24).
 */
personListId: number | null, 
/**
 * How members of that list are created in Dynamics.
 */
personListAsContact: boolean, 
/**
 * The Dynamics user who owns the records created for list members (R27); none: the sync user.
 */
personListOwner: string | null, 
/**
 * OS notifications for the first sync's end and failed cycles.
 */
notifications: boolean, 
/**
 * A cycle that would overwrite more than this share of a side's records stops and asks.
 */
breakerPercent: number, };

export type SyncState = "notConfigured" | "idle" | "syncing" | "paused" | "stopped";

export type Value = { "t": "null" } | { "t": "text", "v": string } | { "t": "int", "v": number } | { "t": "decimal", "v": string } | { "t": "bool", "v": boolean } | { "t": "dateTime", "v": string } | { "t": "date", "v": string } | { "t": "choice", "v": number } | { "t": "ref", "v": string };
