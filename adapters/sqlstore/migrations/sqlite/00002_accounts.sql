-- +goose Up
-- Accounts (issue 3); see the PostgreSQL migration of the same number. Times
-- are written in UTC by the repositories, so their text sorts as instants do.
CREATE TABLE users (
    id            text PRIMARY KEY,
    email         text NOT NULL CHECK (length(email) <= 254),
    display_name  text NOT NULL,
    role          text NOT NULL CHECK (role IN ('learner', 'admin')),
    is_active     boolean NOT NULL DEFAULT 1,
    password_hash text NOT NULL,
    token_version integer NOT NULL DEFAULT 1 CHECK (token_version >= 1),
    avatar_key    text NOT NULL DEFAULT '',
    created_at    datetime NOT NULL,
    updated_at    datetime NOT NULL
);
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE INDEX users_created_at_id ON users (created_at, id);

CREATE TABLE refresh_tokens (
    id         text PRIMARY KEY,
    token_hash text NOT NULL UNIQUE,
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id  text NOT NULL,
    parent_id  text,
    issued_at  datetime NOT NULL,
    expires_at datetime NOT NULL,
    spent_at   datetime,
    revoked_at datetime
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- +goose Down
DROP TABLE refresh_tokens;
DROP TABLE users;
