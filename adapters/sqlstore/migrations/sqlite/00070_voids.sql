-- +goose Up
-- Voiding and rebuilding (docs/rebuild.md); the PostgreSQL migration says
-- what each column is for. SQLite needs no seq column: the table's rowid
-- grows in the order rows are written, and an index on user_id alone holds
-- each learner's rows in rowid order.
ALTER TABLE learning_events ADD COLUMN voided_at text;
ALTER TABLE learning_events ADD COLUMN received_on text;
CREATE INDEX learning_events_user_seq ON learning_events (user_id);

-- +goose Down
DROP INDEX learning_events_user_seq;
ALTER TABLE learning_events DROP COLUMN received_on;
ALTER TABLE learning_events DROP COLUMN voided_at;
