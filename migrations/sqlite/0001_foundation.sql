-- Foundation: users, the first-run setup token, logins (signed-in browsers), rooms.
-- Conventions (both backends): ids are random hex text, times are INTEGER Unix milliseconds,
-- flags are INTEGER 0/1 here (BOOLEAN on PostgreSQL; the store decodes both).

CREATE TABLE users (
    id            TEXT    PRIMARY KEY NOT NULL,
    email         TEXT    NOT NULL UNIQUE,          -- stored lowercased by the store
    display_name  TEXT    NOT NULL,
    password_hash TEXT,                             -- NULL: no password (e-mail code only)
    is_admin      INTEGER NOT NULL DEFAULT 0,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE setup_tokens (
    token_hash TEXT    PRIMARY KEY NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER                             -- NULL until consumed, once
);

CREATE TABLE logins (
    token_hash TEXT    PRIMARY KEY NOT NULL,
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX logins_user_id ON logins (user_id);

CREATE TABLE rooms (
    id               TEXT    PRIMARY KEY NOT NULL,
    slug             TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    owner_id         TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    is_open          INTEGER NOT NULL DEFAULT 0,    -- rooms are closed by default (R2)
    max_participants INTEGER,                       -- NULL: the server's default applies
    created_at       INTEGER NOT NULL
);
CREATE INDEX rooms_owner_id ON rooms (owner_id);
