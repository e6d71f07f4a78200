-- +goose Up
-- On SQLite instants are text in one fixed-width UTC form
-- (2006-01-02T15:04:05.000000Z) so that comparing text compares instants,
-- which the event list's cursor relies on; booleans are 0 and 1.
-- Learning events and the per-learner aggregates the progress engine keeps
-- beside them (issue 5). Every event and all its effects are written in one
-- transaction; reads of progress and stats use the aggregates only.
--
-- user_id has no foreign key to users: the accounts migration may land after
-- this one on some branches, and events must outlive nothing else anyway.
CREATE TABLE learning_events (
    id               text PRIMARY KEY,
    user_id          text NOT NULL,
    event_id         text NOT NULL,
    event_type       text NOT NULL,
    category         text NOT NULL,
    occurred_at      text NOT NULL,
    received_at      text NOT NULL,
    local_date       text NOT NULL,
    session_id       text,
    course_id        text,
    lesson_id        text,
    exercise_id      text,
    duration_seconds integer,
    score            integer,
    is_correct       integer,
    device_type      text NOT NULL DEFAULT '',
    platform         text NOT NULL DEFAULT '',
    app_version      text,
    metadata         text,
    xp_awarded       integer NOT NULL DEFAULT 0,
    body_hash        text NOT NULL DEFAULT '',
    answer           text NOT NULL DEFAULT ''
);
-- The idempotency key: it decides between concurrent retries.
CREATE UNIQUE INDEX learning_events_user_event ON learning_events (user_id, event_id);
-- The list's order and cursor, and its filters (each leads with the learner).
CREATE INDEX learning_events_user_time ON learning_events (user_id, occurred_at DESC, id DESC);
CREATE INDEX learning_events_user_type_time ON learning_events (user_id, event_type, occurred_at DESC, id DESC);
CREATE INDEX learning_events_user_category_time ON learning_events (user_id, category, occurred_at DESC, id DESC);
CREATE INDEX learning_events_user_course_time ON learning_events (user_id, course_id, occurred_at DESC, id DESC) WHERE course_id IS NOT NULL;
CREATE INDEX learning_events_user_lesson_time ON learning_events (user_id, lesson_id, occurred_at DESC, id DESC) WHERE lesson_id IS NOT NULL;
CREATE INDEX learning_events_user_session_time ON learning_events (user_id, session_id, occurred_at DESC, id DESC) WHERE session_id IS NOT NULL;
-- Admin metrics and analytics health.
CREATE INDEX learning_events_occurred ON learning_events (occurred_at);
CREATE INDEX learning_events_received ON learning_events (received_at);

-- One row per learner: the row locked while an event is applied.
CREATE TABLE learner_progress (
    user_id             text PRIMARY KEY,
    total_xp            integer NOT NULL DEFAULT 0,
    practice_sessions   integer NOT NULL DEFAULT 0,
    exercises_attempted integer NOT NULL DEFAULT 0,
    exercises_correct   integer NOT NULL DEFAULT 0,
    time_spent_seconds  integer NOT NULL DEFAULT 0,
    sessions            integer NOT NULL DEFAULT 0,
    updated_at          text NOT NULL
);

-- One row per learner and local date: the daily goal, the streak calendar
-- (active) and the stats history.
CREATE TABLE learner_days (
    user_id            text NOT NULL,
    local_date         text NOT NULL,
    xp                 integer NOT NULL DEFAULT 0,
    credited_xp        integer NOT NULL DEFAULT 0,
    goal_xp            integer NOT NULL DEFAULT 0,
    goal_met           integer NOT NULL DEFAULT 0,
    active             integer NOT NULL DEFAULT 0,
    lessons_completed  integer NOT NULL DEFAULT 0,
    time_spent_seconds integer NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, local_date)
);

CREATE TABLE completed_lessons (
    user_id      text NOT NULL,
    lesson_id    text NOT NULL,
    course_id    text NOT NULL,
    completed_at text NOT NULL,
    PRIMARY KEY (user_id, lesson_id)
);
CREATE INDEX completed_lessons_course ON completed_lessons (user_id, course_id);

CREATE TABLE completed_courses (
    user_id      text NOT NULL,
    course_id    text NOT NULL,
    event_row_id text NOT NULL,
    completed_at text NOT NULL,
    PRIMARY KEY (user_id, course_id)
);

CREATE TABLE learner_achievements (
    user_id     text NOT NULL,
    code        text NOT NULL,
    unlocked_at text NOT NULL,
    PRIMARY KEY (user_id, code)
);

-- +goose Down
DROP TABLE learner_achievements;
DROP TABLE completed_courses;
DROP TABLE completed_lessons;
DROP TABLE learner_days;
DROP TABLE learner_progress;
DROP TABLE learning_events;
