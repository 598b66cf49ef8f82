//! The schema, as an ordered list of migrations. A released migration is never edited: changes are
//! new migrations appended at the end. `user_version` records how far a database has come.

use rusqlite_migration::{M, Migrations};

const MIGRATIONS_SLICE: &[M<'static>] = &[
    M::up(
        "
    -- Plain settings (interval, reserve, language...), as JSON values.
    CREATE TABLE setting (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) STRICT;

    -- The one connection this data directory syncs. Secrets are in the OS keychain, never here.
    CREATE TABLE connection (
        id                 INTEGER PRIMARY KEY CHECK (id = 1),
        dynamics           TEXT NOT NULL, -- JSON: org URL, auth kind, authority, tenant, client id, username
        marketo            TEXT NOT NULL, -- JSON: REST and identity URLs, client id
        sandbox            INTEGER NOT NULL DEFAULT 0,
        created_at         TEXT NOT NULL
    ) STRICT;

    -- What each side was at setup (organization id, Marketo instance): a change stops the sync (R90-R93).
    CREATE TABLE fingerprint (
        side        TEXT PRIMARY KEY,
        value       TEXT NOT NULL,
        label       TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    ) STRICT;

    -- The Dynamics tables being synced, and where each one is in its life (initial copy, then live).
    CREATE TABLE entity (
        logical_name  TEXT PRIMARY KEY,
        entity_set    TEXT NOT NULL,
        definition    TEXT NOT NULL, -- JSON: kind, Marketo object, path to a person for custom entities
        state         TEXT NOT NULL CHECK (state IN ('initial', 'live')),
        enabled_at    TEXT NOT NULL
    ) STRICT;

    -- Mapped fields. A field added after the first sync is back-filled from Dynamics (R46-R48).
    CREATE TABLE mapping (
        entity      TEXT NOT NULL,
        dynamics    TEXT NOT NULL,
        marketo     TEXT NOT NULL,
        kind        TEXT NOT NULL, -- JSON FieldKind
        direction   TEXT NOT NULL CHECK (direction IN ('twoWay', 'toMarketo')),
        added_at    TEXT NOT NULL,
        backfill    TEXT NOT NULL CHECK (backfill IN ('none', 'pending', 'running', 'done')),
        PRIMARY KEY (entity, dynamics),
        UNIQUE (entity, marketo)
    ) STRICT;

    -- A Dynamics record and the Marketo record it syncs with.
    CREATE TABLE link (
        id            INTEGER PRIMARY KEY,
        entity        TEXT NOT NULL,
        dynamics_id   TEXT NOT NULL,
        object        TEXT NOT NULL, -- person, company, salesPerson, opportunity, opportunityRole, customObject:<name>
        marketo_id    TEXT,
        state         TEXT NOT NULL CHECK (state IN ('live', 'stale', 'deleted', 'converted')),
        -- Dynasync wrote to this Dynamics record and has not seen that write come back yet (R6).
        dynamics_write_pending INTEGER NOT NULL DEFAULT 0,
        updated_at    TEXT NOT NULL,
        UNIQUE (entity, dynamics_id)
    ) STRICT;
    CREATE UNIQUE INDEX link_by_marketo ON link (object, marketo_id) WHERE marketo_id IS NOT NULL;

    -- The value each field had on both sides after it was last synced: the base of the three-way merge.
    CREATE TABLE synced (
        link_id INTEGER NOT NULL REFERENCES link (id) ON DELETE CASCADE,
        field   TEXT NOT NULL, -- the Marketo field name
        value   TEXT NOT NULL, -- JSON Value
        PRIMARY KEY (link_id, field)
    ) STRICT, WITHOUT ROWID;

    -- Where each feed was last read up to: Dynamics delta links, Marketo paging tokens.
    CREATE TABLE cursor (
        name       TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at TEXT NOT NULL
    ) STRICT;

    -- Changes pulled but not yet applied. A cursor only moves past a change once it is here, and a
    -- change leaves only when what it caused is committed: a crash loses nothing.
    CREATE TABLE inbox (
        id          INTEGER PRIMARY KEY,
        side        TEXT NOT NULL CHECK (side IN ('dynamics', 'marketo')),
        entity      TEXT NOT NULL,
        record_id   TEXT NOT NULL,
        payload     TEXT NOT NULL, -- JSON: the record's current state
        received_at TEXT NOT NULL,
        UNIQUE (side, entity, record_id)
    ) STRICT;

    CREATE TABLE run (
        id         INTEGER PRIMARY KEY,
        kind       TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at   TEXT,
        status     TEXT NOT NULL,
        stats      TEXT NOT NULL DEFAULT '{}',
        message    TEXT
    ) STRICT;

    -- Every decision, per field, with the rule that made it: the answer to \"why is this value X?\".
    CREATE TABLE journal (
        id          INTEGER PRIMARY KEY,
        run_id      INTEGER NOT NULL,
        at          TEXT NOT NULL,
        entity      TEXT NOT NULL,
        dynamics_id TEXT,
        marketo_id  TEXT,
        field       TEXT,
        direction   TEXT NOT NULL,
        before      TEXT,
        after       TEXT,
        rule        TEXT NOT NULL,
        note        TEXT
    ) STRICT;
    CREATE INDEX journal_by_dynamics ON journal (dynamics_id);
    CREATE INDEX journal_by_marketo ON journal (marketo_id);

    -- Records a side refused, kept until fixed or retried.
    CREATE TABLE record_error (
        id          INTEGER PRIMARY KEY,
        first_at    TEXT NOT NULL,
        last_at     TEXT NOT NULL,
        run_id      INTEGER,
        direction   TEXT NOT NULL,
        entity      TEXT NOT NULL,
        record      TEXT NOT NULL,
        operation   TEXT NOT NULL,
        code        TEXT NOT NULL,
        message     TEXT NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 1,
        blocked     TEXT, -- JSON: the values that were refused, not sent again until they change
        resolved_at TEXT,
        UNIQUE (direction, entity, record, operation)
    ) STRICT;

    -- \"Sync Person to Microsoft\" requests (R24-R27), from the app or a Marketo static list.
    CREATE TABLE person_request (
        id           INTEGER PRIMARY KEY,
        marketo_id   INTEGER NOT NULL,
        sync_as      TEXT NOT NULL CHECK (sync_as IN ('lead', 'contact')),
        owner_id     TEXT,
        source       TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        done_at      TEXT,
        outcome      TEXT,
        dynamics_id  TEXT
    ) STRICT;
    ",
    ),
    M::up(
        "
    -- The version (ETag) Dynasync's own last write gave a Dynamics record, until change tracking
    -- brings that version back: a later edit signed by the sync user has another version and is
    -- not taken for Dynasync's echo (R6). '*' when the write's answer carried no version.
    ALTER TABLE link ADD COLUMN dynamics_echo TEXT;
    UPDATE link SET dynamics_echo = '*' WHERE dynamics_write_pending = 1;
    ALTER TABLE link DROP COLUMN dynamics_write_pending;

    -- Marketo's value of a field when it differs from Dynamics' last-synced one: the sync user
    -- changed the field in Dynamics and that change is not synced back (R6). NULL: both sides
    -- hold `value`.
    ALTER TABLE synced ADD COLUMN marketo_value TEXT;
    ",
    ),
];

/// The schema's migrations, in order.
pub(crate) const MIGRATIONS: Migrations<'static> = Migrations::from_slice(MIGRATIONS_SLICE);

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;

    #[test]
    fn migrations_are_valid_and_apply_in_order() {
        MIGRATIONS
            .validate()
            .expect("every migration applies on top of the previous ones");
    }

    #[test]
    fn a_write_pending_before_versions_were_kept_is_still_awaited() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        MIGRATIONS.to_version(&mut conn, 1).unwrap();
        conn.execute_batch(
            "INSERT INTO link (id, entity, dynamics_id, object, state, dynamics_write_pending, updated_at)
             VALUES (1, 'contact', 'a', 'person', 'live', 1, 'now'),
                    (2, 'contact', 'b', 'person', 'live', 0, 'now');
             INSERT INTO synced (link_id, field, value) VALUES (1, 'city', '\"Paris\"');",
        )
        .unwrap();
        MIGRATIONS.to_latest(&mut conn).unwrap();
        let echoes: Vec<Option<String>> = conn
            .prepare("SELECT dynamics_echo FROM link ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            echoes,
            [Some("*".to_owned()), None],
            "a pending write is awaited at any version; no write, nothing awaited"
        );
        let both: (String, Option<String>) = conn
            .query_row("SELECT value, marketo_value FROM synced", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(
            both,
            ("\"Paris\"".to_owned(), None),
            "a synced value stays both sides' value"
        );
    }
}
