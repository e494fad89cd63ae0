-- Room access (issue 4): the waiting-room setting, and rooms shared with other users as
-- manager or moderator (R4, R7). Same conventions as 0001 (INTEGER 0/1 flags, ms times).

ALTER TABLE rooms ADD COLUMN waiting_room INTEGER NOT NULL DEFAULT 0; -- off by default

CREATE TABLE room_shares (
    room_id    TEXT    NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('manager', 'moderator')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
-- "Rooms shared with me" looks shares up by user.
CREATE INDEX room_shares_user_id ON room_shares (user_id);
