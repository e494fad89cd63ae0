-- Registration (issue 6, G1–G8): series of sessions, registration forms and registrations,
-- and the administrator's allow-list of landing-page domains. Same conventions as 0001 (ids
-- 32 hex, ms times, flags BOOLEAN on PostgreSQL).
--
-- A form or a registration belongs to exactly one target: a session, a room or a series (one
-- nullable reference each, exactly one set), so deleting the target deletes them by cascade.

CREATE TABLE series (
    id         TEXT    PRIMARY KEY NOT NULL,
    owner_id   TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title      TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);
CREATE INDEX series_owner_id ON series (owner_id, created_at);

-- The series a session belongs to (G6). Deleting the series detaches its sessions; the
-- session's own form and registrations, if any, stay (data gathered before joining is kept).
ALTER TABLE sessions ADD COLUMN series_id TEXT REFERENCES series (id) ON DELETE SET NULL;
CREATE INDEX sessions_series_id ON sessions (series_id);

-- One form per target. Deleting it (turning registration off, G7) goes with deleting the
-- target's registrations; setting it up again starts from the standard form.
CREATE TABLE registration_forms (
    session_id   TEXT    UNIQUE REFERENCES sessions (id) ON DELETE CASCADE,
    room_id      TEXT    UNIQUE REFERENCES rooms (id) ON DELETE CASCADE,
    series_id    TEXT    UNIQUE REFERENCES series (id) ON DELETE CASCADE,
    enabled      BOOLEAN NOT NULL,
    auto_approve BOOLEAN NOT NULL,
    cap          BIGINT  CHECK (cap IS NULL OR cap > 0),  -- pending + approved registrations
    landing_url  TEXT,                                     -- checked by the server (G5)
    fields       TEXT    NOT NULL,                         -- JSON: the custom fields, in order
    updated_at   BIGINT  NOT NULL,
    CHECK ((CASE WHEN session_id IS NULL THEN 0 ELSE 1 END)
         + (CASE WHEN room_id IS NULL THEN 0 ELSE 1 END)
         + (CASE WHEN series_id IS NULL THEN 0 ELSE 1 END) = 1)
);

CREATE TABLE registrations (
    id         TEXT    PRIMARY KEY NOT NULL,
    session_id TEXT    REFERENCES sessions (id) ON DELETE CASCADE,
    room_id    TEXT    REFERENCES rooms (id) ON DELETE CASCADE,
    series_id  TEXT    REFERENCES series (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    email      TEXT    NOT NULL,                           -- lowercase: one per person
    answers    TEXT    NOT NULL,                           -- JSON: [key, answer] pairs
    status     TEXT    NOT NULL
                       CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    code       TEXT    NOT NULL,                           -- the registration ID (G3)
    join_token TEXT    NOT NULL UNIQUE,                    -- the personal link's secret
    language   TEXT    NOT NULL,                           -- of the mails
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    CHECK ((CASE WHEN session_id IS NULL THEN 0 ELSE 1 END)
         + (CASE WHEN room_id IS NULL THEN 0 ELSE 1 END)
         + (CASE WHEN series_id IS NULL THEN 0 ELSE 1 END) = 1),
    UNIQUE (session_id, email),
    UNIQUE (room_id, email),
    UNIQUE (series_id, email),
    UNIQUE (session_id, code),
    UNIQUE (room_id, code),
    UNIQUE (series_id, code)
);

-- The domains a landing URL may point to (G5), lowercase; set by an administrator.
CREATE TABLE landing_domains (
    domain TEXT PRIMARY KEY NOT NULL
);
