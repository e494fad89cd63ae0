-- Mail: the outbox (mails kept when no SMTP server is configured, read by administrators at
-- /admin/outbox) and sign-in codes (R8: a 6-digit code mailed to a user, stored hashed).

CREATE TABLE outbox (
    id         TEXT    PRIMARY KEY NOT NULL,
    recipients TEXT    NOT NULL,                    -- validated addresses, one per line
    subject    TEXT    NOT NULL,
    text_body  TEXT    NOT NULL,                    -- every mail has a plain-text part
    html_body  TEXT,                                -- NULL: text only
    created_at INTEGER NOT NULL
);
CREATE INDEX outbox_created_at ON outbox (created_at);

-- At most one live code per user: a new code replaces the old one.
CREATE TABLE signin_codes (
    user_id    TEXT    PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,          -- wrong codes tried; the code dies at the limit
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
