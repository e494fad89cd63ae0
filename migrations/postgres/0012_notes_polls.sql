-- Shared notes (C5) and live polls (C7), issue 9. A room's (or a session's) notes are one Yjs
-- document kept as its encoded state; polls, their options and ballots. Same conventions as
-- 0001 (ids as text, BIGINT ms times, BOOLEAN flags). Each row belongs to exactly one room or
-- one session and goes with it.

CREATE TABLE notes (
    room_id    TEXT    REFERENCES rooms (id) ON DELETE CASCADE,
    session_id TEXT    REFERENCES sessions (id) ON DELETE CASCADE,
    state      BYTEA   NOT NULL,                 -- the Yjs document as one update (v1)
    locked     BOOLEAN NOT NULL DEFAULT FALSE,   -- read-only for those who may not manage notes
    updated_at BIGINT  NOT NULL,
    CHECK ((room_id IS NULL) <> (session_id IS NULL))
);
CREATE UNIQUE INDEX notes_room_id ON notes (room_id);
CREATE UNIQUE INDEX notes_session_id ON notes (session_id);

CREATE TABLE polls (
    id         TEXT    PRIMARY KEY NOT NULL,
    room_id    TEXT    REFERENCES rooms (id) ON DELETE CASCADE,
    session_id TEXT    REFERENCES sessions (id) ON DELETE CASCADE,
    question   TEXT    NOT NULL,
    multiple   BOOLEAN NOT NULL,
    anonymous  BOOLEAN NOT NULL,
    state      TEXT    NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'open', 'closed')),
    published  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT  NOT NULL,
    CHECK ((room_id IS NULL) <> (session_id IS NULL))
);
CREATE INDEX polls_room_id ON polls (room_id, created_at);
CREATE INDEX polls_session_id ON polls (session_id, created_at);

CREATE TABLE poll_options (
    poll_id  TEXT    NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    position BIGINT  NOT NULL,
    label    TEXT    NOT NULL,
    PRIMARY KEY (poll_id, position)
);

-- One ballot per person and poll. In an anonymous poll `voter`, `voter_name` and `voted_at`
-- are NULL: nothing says who voted or when (one vote per person is then kept in the server's
-- memory only).
CREATE TABLE poll_ballots (
    id         TEXT    PRIMARY KEY NOT NULL,
    poll_id    TEXT    NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    voter      TEXT,                             -- 'user:<id>' or 'key:<browser key>'
    voter_name TEXT,
    voted_at   BIGINT
);
CREATE UNIQUE INDEX poll_ballots_voter ON poll_ballots (poll_id, voter);

CREATE TABLE poll_choices (
    ballot_id TEXT    NOT NULL REFERENCES poll_ballots (id) ON DELETE CASCADE,
    poll_id   TEXT    NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    position  BIGINT  NOT NULL,
    PRIMARY KEY (ballot_id, position)
);
CREATE INDEX poll_choices_poll_id ON poll_choices (poll_id, position);
