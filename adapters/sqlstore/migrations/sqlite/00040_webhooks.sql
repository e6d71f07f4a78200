-- +goose Up
-- Webhook endpoints and their delivery log (issue 14); see the PostgreSQL
-- migration of the same number.
CREATE TABLE webhook_endpoints (
    id                    text PRIMARY KEY,
    url                   text NOT NULL,
    event_types           text NOT NULL,
    description           text NOT NULL DEFAULT '',
    enabled               boolean NOT NULL DEFAULT 1,
    secret                text NOT NULL,
    previous_secret       text,
    previous_secret_until datetime,
    created_at            datetime NOT NULL,
    updated_at            datetime NOT NULL
);

CREATE TABLE webhook_deliveries (
    id               text PRIMARY KEY,
    endpoint_id      text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    message_id       text NOT NULL,
    event_type       text NOT NULL,
    user_id          text,
    payload          text NOT NULL,
    status           text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'exhausted')),
    attempts         integer NOT NULL DEFAULT 0,
    last_status_code integer,
    last_error       text,
    next_attempt_at  datetime,
    created_at       datetime NOT NULL,
    updated_at       datetime NOT NULL
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_user ON webhook_deliveries (user_id) WHERE status = 'pending';

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
