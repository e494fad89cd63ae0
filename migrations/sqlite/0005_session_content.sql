-- Session content (issue 5, C2/C8): images, PDFs and MP4 videos uploaded by a session's
-- staff. The files live under <data dir>/content/<id>/; this table is their index and the
-- progress of their processing (PDF pages rendered, video remuxed). Same conventions as 0001
-- (ids as text, ms times).

CREATE TABLE session_contents (
    id         TEXT    PRIMARY KEY NOT NULL,
    session_id TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('image', 'pdf', 'video')),
    name       TEXT    NOT NULL,                 -- the uploaded file's name, for people
    bytes      INTEGER NOT NULL,                 -- size of the uploaded file
    pages      INTEGER,                          -- a PDF's page count, once known
    status     TEXT    NOT NULL DEFAULT 'processing'
                       CHECK (status IN ('processing', 'ready', 'failed')),
    progress   INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    error      TEXT,                             -- why it failed (a key the client translates)
    -- Who uploaded it: a record, not a reference (deleting that account keeps the content).
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
-- A session's list, oldest first; the start-up sweep finds what was processing.
CREATE INDEX session_contents_session_id ON session_contents (session_id, created_at);
CREATE INDEX session_contents_status ON session_contents (status);
