-- +goose Up
-- Voiding and rebuilding (docs/rebuild.md). voided_at marks a client event
-- taken back: it stays stored (its event_id stays taken) but counts for
-- nothing. received_on is the learner's local date at receipt, which a
-- rebuild replays as that event's "today" (NULL for rows stored before it
-- was kept: the rebuild then takes the date of received_at in the learner's
-- zone). seq is the order rows were written in, the order a rebuild replays
-- them: received_at alone cannot tell apart the items of one batch.
ALTER TABLE learning_events ADD COLUMN voided_at timestamptz;
ALTER TABLE learning_events ADD COLUMN received_on text;
ALTER TABLE learning_events ADD COLUMN seq bigserial;
CREATE INDEX learning_events_user_seq ON learning_events (user_id, seq);

-- +goose Down
DROP INDEX learning_events_user_seq;
ALTER TABLE learning_events DROP COLUMN seq;
ALTER TABLE learning_events DROP COLUMN received_on;
ALTER TABLE learning_events DROP COLUMN voided_at;
