-- +goose Up
-- Account lifecycle (issue 15); see the PostgreSQL migration of the same number.
ALTER TABLE users ADD COLUMN purge_after datetime;
CREATE INDEX users_purge_after ON users (purge_after) WHERE purge_after IS NOT NULL;

-- What an erasure keeps: that the id was erased, and when.
CREATE TABLE erased_users (
    user_id   text PRIMARY KEY,
    erased_at datetime NOT NULL
);

-- The files and Redis keys an erasure still has to remove, written in the
-- erasure's transaction and deleted once they are gone: a crash between the
-- commit and the clean-up leaves this row, and the next pass finishes.
CREATE TABLE erasure_cleanups (
    user_id    text PRIMARY KEY,
    avatar_key text NOT NULL DEFAULT '',
    file_keys  text NOT NULL DEFAULT '',
    created_at datetime NOT NULL
);

-- Data exports. At most one pending export per learner: the partial unique
-- index decides two concurrent requests.
CREATE TABLE data_exports (
    id             text PRIMARY KEY,
    user_id        text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status         text NOT NULL CHECK (status IN ('pending', 'ready', 'failed')),
    created_at     datetime NOT NULL,
    completed_at   datetime,
    expires_at     datetime,
    file_key       text NOT NULL DEFAULT '',
    download_token text,
    size_bytes     integer,
    -- The builder holding the export and until when: a lease it renews as it
    -- writes, so one builder works an export at a time and a dead one's
    -- export is taken up once its lease ran out.
    claimed_by     text NOT NULL DEFAULT '',
    claimed_until  datetime
);
CREATE UNIQUE INDEX data_exports_one_pending ON data_exports (user_id) WHERE status = 'pending';
CREATE UNIQUE INDEX data_exports_token ON data_exports (download_token) WHERE download_token IS NOT NULL;
CREATE INDEX data_exports_user ON data_exports (user_id);
CREATE INDEX data_exports_pending ON data_exports (created_at) WHERE status = 'pending';
CREATE INDEX data_exports_expires ON data_exports (expires_at) WHERE expires_at IS NOT NULL;

-- +goose Down
DROP TABLE data_exports;
DROP TABLE erasure_cleanups;
DROP TABLE erased_users;
DROP INDEX users_purge_after;
ALTER TABLE users DROP COLUMN purge_after;
