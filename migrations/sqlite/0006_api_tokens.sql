-- REST API tokens (issue 10, O5): a user's bearer tokens for /api/v1. Only the token's hash
-- is kept (hex SHA-256, as for logins); a token acts as its user with a scope, read or write.
-- Revoking deletes the row, so a revoked token is refused by the very next request.

CREATE TABLE api_tokens (
    id           TEXT    PRIMARY KEY NOT NULL,
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    scope        TEXT    NOT NULL CHECK (scope IN ('read', 'write')),
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER                            -- NULL: never used; written at most once a minute
);
CREATE INDEX api_tokens_user_id ON api_tokens (user_id);
