-- +goose Up
-- Reminder schedule (issue 14): the next instant each learner's reminder of
-- each kind is due, so that the minute job reads only the due rows through
-- the index instead of scanning every learner. reminder_log is the key that
-- makes a reminder at most once per learner, kind and local date.
CREATE TABLE reminder_schedule (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('reminder.daily', 'reminder.streak_at_risk', 'summary.weekly')),
    next_due_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, kind)
);
CREATE INDEX reminder_schedule_due ON reminder_schedule (next_due_at);

CREATE TABLE reminder_log (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       text NOT NULL,
    local_date date NOT NULL,
    sent_at    timestamptz NOT NULL,
    PRIMARY KEY (user_id, kind, local_date)
);

-- Learners who joined before this migration get rows due at once; the
-- first run moves each to its next local time without sending anything.
INSERT INTO reminder_schedule (user_id, kind, next_due_at)
SELECT u.id, k.kind, now()
FROM users u CROSS JOIN (SELECT 'reminder.daily' AS kind UNION ALL SELECT 'reminder.streak_at_risk' UNION ALL SELECT 'summary.weekly') k
WHERE u.role = 'learner';

-- +goose Down
DROP TABLE reminder_log;
DROP TABLE reminder_schedule;
