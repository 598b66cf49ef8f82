// Generated from the Rust IPC types (src-tauri/src/ipc.rs) by `cargo xtask bindings`.
// Do not edit: a test fails when this file differs from what the Rust types produce.

export type ErrorCode = "internal" | "invalidInput" | "notConfigured" | "busy" | "keychain";

export type IpcError = { code: ErrorCode, message: string, 
/**
 * For `invalidInput`: each wrong field and its problem.
 */
fields: Array<FieldError>, };

export type FieldError = { field: FormField, problem: FieldProblem, };

export type FormField = "orgUrl" | "tenant" | "clientId" | "clientSecret" | "authorityHost" | "username" | "password" | "restUrl" | "identityUrl" | "marketoClientId" | "marketoClientSecret";

export type FieldProblem = "required" | "notAUrl" | "httpNotAllowed" | "hasPath" | "notARestEndpoint" | "notAnIdentityEndpoint" | "notAGuid" | "notATenant" | "notAUsername" | "locked";

export type KeychainStatus = { "status": "ready", backend: string, } | { "status": "unavailable", message: string, };

export type StartupReport = { appVersion: string, keychain: KeychainStatus, };

export type Status = { state: SyncState, reason: StopReason | null, nextCycleAt: string | null, run: RunProgress | null, lastRunEndedAt: string | null, budget: Budget | null, 
/**
 * Whether the connection is the built-in sandbox.
 */
sandbox: boolean, };

export type SyncState = "notConfigured" | "idle" | "syncing" | "paused" | "stopped";

export type StopReason = { code: StopCode, detail: string, };

export type StopCode = "pausedByUser" | "quotaExhausted" | "organizationChanged" | "marketoInstanceChanged" | "circuitBreaker" | "authFailed" | "fieldDeleted" | "unreachable" | "internal";

export type RunProgress = { runId: number, kind: RunKind, startedAt: string, entities: Array<EntityProgress>, };

export type EntityProgress = { entity: string, done: number, 
/**
 * Known once the entity's records are counted (first sync, back-fills).
 */
total: number | null, etaSeconds: number | null, };

export type Budget = { usedToday: number, quota: number, 
/**
 * Calls kept back for other integrations; the sync stops before using them.
 */
reserve: number, 
/**
 * Midnight US Central.
 */
resetsAt: string, };

export type Run = { id: number, kind: RunKind, startedAt: string, endedAt: string | null, status: RunStatus, stats: RunStats, message: string | null, };

export type RunKind = "firstSync" | "cycle" | "quickSync" | "backfill";

export type RunStatus = "running" | "succeeded" | "partlyFailed" | "failed" | "stopped";

export type RunStats = { 
/**
 * Keyed by "<entity> → Marketo" or "<entity> → Dynamics".
 */
flows: { [key in string]: Counts }, marketoCalls: number, dynamicsRequests: number, 
/**
 * Dynamics answers of 429 the run waited out.
 */
dynamicsThrottled: number, };

export type Counts = { created: number, updated: number, skipped: number, failed: number, };

export type RecordError = { id: number, firstAt: string, lastAt: string, direction: Flow, entity: string, 
/**
 * The record's id on the side it was read from.
 */
record: string, 
/**
 * create, update, delete, qualify...
 */
operation: string, code: string, message: string, attempts: number, blocked: JsonValue | null, resolvedAt: string | null, };

export type Entry = { runId: number, at: string, entity: string, dynamicsId: string | null, marketoId: string | null, 
/**
 * The Marketo field name, or `None` for a decision about the whole record.
 */
field: string | null, flow: Flow, before: Value | null, after: Value | null, rule: Rule, note: string | null, };

export type Flow = "toMarketo" | "toDynamics" | "none";

export type Rule = "firstCopy" | "fillEmpty" | "dynamicsChanged" | "marketoChanged" | "sameOnBothSides" | "marketoWinsForLeads" | "dynamicsWinsForContacts" | "dynamicsWinsOneWay" | "accountOverridesCompany" | "accountActivityCap" | "filterNo" | "filterBlank" | "filterYes" | "deletedInDynamics" | "deletedInMarketo" | "qualified" | "merged" | "changedBySyncUser" | "syncPersonToMicrosoft" | "rejectedByDynamics" | "backfill" | "matchedByDynamicsId" | "matchedByEmail" | "ambiguousMatch";

export type Value = { "t": "null" } | { "t": "text", "v": string } | { "t": "int", "v": number } | { "t": "decimal", "v": string } | { "t": "bool", "v": boolean } | { "t": "dateTime", "v": string } | { "t": "date", "v": string } | { "t": "choice", "v": number } | { "t": "ref", "v": string };

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;
