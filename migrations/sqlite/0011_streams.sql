-- Streaming out over RTMP (issue 8, S1): where a room's meetings, or a session's live, are
-- streamed to. One row per room or session that streams; no row: it does not stream.
-- The stream key is a secret the server must send to the RTMP server, so it is kept as given
-- (not hashed); the server never shows it again in full, nor logs it.

CREATE TABLE room_streams (
    room_id    TEXT    PRIMARY KEY NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    rtmp_url   TEXT    NOT NULL,                     -- rtmp://host[:port]/app or rtmps://...
    stream_key TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE session_streams (
    session_id TEXT    PRIMARY KEY NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    rtmp_url   TEXT    NOT NULL,
    stream_key TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);
