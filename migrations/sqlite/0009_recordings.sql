-- Recordings (issue 7, V1-V8): one row per recording run of a room or a session's live, or per
-- uploaded file. The files live under <data dir>/recordings/<id>/ (segments while recording,
-- replay.mp4 once ready). Same conventions as 0001 (ids as text, ms times, flags as INTEGER).

CREATE TABLE recordings (
    id          TEXT    PRIMARY KEY NOT NULL,
    room_id     TEXT    NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    session_id  TEXT    REFERENCES sessions (id) ON DELETE CASCADE,
    title       TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('recording', 'processing', 'ready', 'failed')),
    progress    INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    duration_ms INTEGER,                        -- once ready
    bytes       INTEGER,                        -- size of replay.mp4, once ready
    visibility  TEXT    NOT NULL DEFAULT 'private'
                        CHECK (visibility IN ('private', 'registrants', 'public')),
    webcams     INTEGER NOT NULL DEFAULT 1,     -- V3: webcams included
    audio_only  INTEGER NOT NULL DEFAULT 0,     -- V3: audio only
    source      TEXT    NOT NULL CHECK (source IN ('server', 'upload')),
    -- Who started it: a record, not a reference (deleting that account keeps the replay).
    created_by  TEXT,
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,                        -- when recording stopped (or the upload ended)
    error       TEXT                            -- why it failed
);
CREATE INDEX recordings_room ON recordings (room_id, started_at);
CREATE INDEX recordings_session ON recordings (session_id, started_at);
CREATE INDEX recordings_state ON recordings (state);

-- Processing as durable jobs: finalize (segments -> replay.mp4) and import (an uploaded file ->
-- replay.mp4). A worker claims a pending job (one conditional UPDATE); a job left running by a
-- stopped server is put back to pending at start-up and runs again from the start.
CREATE TABLE recording_jobs (
    id           TEXT    PRIMARY KEY NOT NULL,
    recording_id TEXT    NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('finalize', 'import')),
    state        TEXT    NOT NULL DEFAULT 'pending'
                         CHECK (state IN ('pending', 'running', 'done', 'failed')),
    input        TEXT,                          -- import: the uploaded file's path
    attempts     INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX recording_jobs_state ON recording_jobs (state, created_at);
