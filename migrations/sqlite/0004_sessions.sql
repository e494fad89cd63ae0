-- Sessions (issue 5, W1/W2): scheduled webinars of the programme, held in a room, with their
-- staff (speakers and moderators named by e-mail). Same conventions as 0001 (ms times).

CREATE TABLE sessions (
    id              TEXT    PRIMARY KEY NOT NULL,
    slug            TEXT    NOT NULL UNIQUE,               -- the session's URL: /s/<slug>
    room_id         TEXT    NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    title           TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    starts_at       INTEGER NOT NULL,                      -- UTC ms
    ends_at         INTEGER NOT NULL,
    time_zone       TEXT    NOT NULL,                      -- IANA name, for showing the times
    status          TEXT    NOT NULL CHECK (status IN ('draft', 'published')),
    live_state      TEXT    NOT NULL DEFAULT 'not_started'
                            CHECK (live_state IN ('not_started', 'live', 'ended')),
    live_started_at INTEGER,
    live_ended_at   INTEGER,
    -- Who created it: a record, not a reference (deleting that account keeps the session).
    created_by      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX sessions_room_id ON sessions (room_id);
CREATE INDEX sessions_starts_at ON sessions (starts_at);

-- Staff are named by e-mail (lowercase), with or without an account: the role applies to
-- whoever signs in with that address.
CREATE TABLE session_staff (
    session_id TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    email      TEXT    NOT NULL,
    role       TEXT    NOT NULL CHECK (role IN ('speaker', 'moderator')),
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (session_id, email)
);
-- "Sessions I staff" looks staff up by e-mail.
CREATE INDEX session_staff_email ON session_staff (email);

-- Sign-in codes for staff addresses that have no account yet (W2): keyed by the address, as
-- `signin_codes` is by user. The account is created on the first right code.
CREATE TABLE staff_signin_codes (
    email      TEXT    PRIMARY KEY NOT NULL,
    code_hash  TEXT    NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
