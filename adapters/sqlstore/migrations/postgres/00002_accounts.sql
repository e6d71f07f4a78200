-- +goose Up
-- Accounts (issue 3). Emails are stored lower-cased by the domain; the unique
-- index on lower(email) makes one address in two letter cases impossible
-- even for rows written by hand, and decides concurrent registrations.
CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL CHECK (length(email) <= 254),
    display_name  text NOT NULL,
    role          text NOT NULL CHECK (role IN ('learner', 'admin')),
    is_active     boolean NOT NULL DEFAULT true,
    password_hash text NOT NULL,
    token_version integer NOT NULL DEFAULT 1 CHECK (token_version >= 1),
    avatar_key    text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE INDEX users_created_at_id ON users (created_at, id);

-- Refresh tokens: only the SHA-256 of a token is kept. A family is every
-- token descended from one login; reuse of a spent token revokes it whole.
CREATE TABLE refresh_tokens (
    id         uuid PRIMARY KEY,
    token_hash char(64) NOT NULL UNIQUE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id  uuid NOT NULL,
    parent_id  uuid,
    issued_at  timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    spent_at   timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- +goose Down
DROP TABLE refresh_tokens;
DROP TABLE users;
