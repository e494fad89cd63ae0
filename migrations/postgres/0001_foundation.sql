-- Foundation: users, the first-run setup token, logins (signed-in browsers), rooms.
-- Conventions (both backends): ids are random hex text, times are BIGINT Unix milliseconds,
-- flags are BOOLEAN here (INTEGER 0/1 on SQLite; the store decodes both).

CREATE TABLE users (
    id            TEXT    PRIMARY KEY NOT NULL,
    email         TEXT    NOT NULL UNIQUE,          -- stored lowercased by the store
    display_name  TEXT    NOT NULL,
    password_hash TEXT,                             -- NULL: no password (e-mail code only)
    is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT  NOT NULL
);

CREATE TABLE setup_tokens (
    token_hash TEXT   PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT                              -- NULL until consumed, once
);

CREATE TABLE logins (
    token_hash TEXT   PRIMARY KEY NOT NULL,
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX logins_user_id ON logins (user_id);

CREATE TABLE rooms (
    id               TEXT    PRIMARY KEY NOT NULL,
    slug             TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    owner_id         TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    is_open          BOOLEAN NOT NULL DEFAULT FALSE, -- rooms are closed by default (R2)
    max_participants INTEGER,                        -- NULL: the server's default applies
    created_at       BIGINT  NOT NULL
);
CREATE INDEX rooms_owner_id ON rooms (owner_id);
