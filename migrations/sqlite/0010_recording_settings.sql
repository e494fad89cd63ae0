-- Recording settings (issue 7, V2) and resumable uploads (V6).
-- recording_defaults: an account's default "record automatically when the live starts", with
-- the options such a recording starts with. session_recording: a session's override (NULL
-- auto_record: the account's default). recording_uploads: a browser's upload in progress,
-- so it resumes from the server's offset after a cut or a restart.

CREATE TABLE recording_defaults (
    user_id     TEXT    PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auto_record INTEGER NOT NULL DEFAULT 0,
    webcams     INTEGER NOT NULL DEFAULT 1,
    audio_only  INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE session_recording (
    session_id  TEXT    PRIMARY KEY NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    auto_record INTEGER,                            -- NULL: the account's default
    updated_at  INTEGER NOT NULL
);

CREATE TABLE recording_uploads (
    id             TEXT    PRIMARY KEY NOT NULL,
    room_id        TEXT    NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    session_id     TEXT    REFERENCES sessions (id) ON DELETE CASCADE,
    user_id        TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title          TEXT    NOT NULL,
    total_bytes    INTEGER NOT NULL,
    received_bytes INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX recording_uploads_user ON recording_uploads (user_id);
