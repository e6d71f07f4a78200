-- +goose Up
-- The planner's view of how many events a learner has. Every event looks up
-- its own event_id (user_id = $1 AND event_id = $2: the unique index, one
-- probe) in a prepared statement whose generic plan is made once. When the
-- last ANALYZE saw about one event per learner (a young table, or many new
-- learners), PostgreSQL priced the learner's every row at one and took the
-- smaller (user_id, seq) index with event_id as a filter: each event of a
-- learner with 20 000 events read all of them, about 5 ms (docs/benchmarks.md,
-- issue 18, "A plan that read the learner's every event"). Telling ANALYZE
-- that learners number about a hundredth of the events keeps the estimate
-- of a learner's rows above one, and the unique index then wins at any size.
-- Both statements take a SHARE UPDATE EXCLUSIVE lock (checked in pg_locks):
-- reads and writes of the table go on while they run, and ANALYZE samples a
-- bounded number of rows whatever the table's size.
ALTER TABLE learning_events ALTER COLUMN user_id SET (n_distinct = -0.01);
ANALYZE learning_events;

-- +goose Down
ALTER TABLE learning_events ALTER COLUMN user_id RESET (n_distinct);
