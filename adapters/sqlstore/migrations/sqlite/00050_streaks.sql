-- +goose Up
-- On SQLite instants are text in the fixed-width UTC form of 00010.
-- Streak protection (issue 16): freezes granted by admins, dates admins
-- repaired, and the settled streak kept per learner so that reads walk only
-- the dates after it. Earned freezes are not stored: they follow from the
-- active dates (learner_days), as every settled status does.

-- One row per learner: the settlement at the end of settled_through (''
-- while no active date was settled) and the active-date facts writes keep.
-- Dates are YYYY-MM-DD text, '' for none.
CREATE TABLE learner_streaks (
    user_id         text PRIMARY KEY,
    settled_through text NOT NULL DEFAULT '',
    run             integer NOT NULL DEFAULT 0,
    longest         integer NOT NULL DEFAULT 0,
    equipped        integer NOT NULL DEFAULT 0,
    used_total      integer NOT NULL DEFAULT 0,
    last_used_on    text NOT NULL DEFAULT '',
    first_active    text NOT NULL DEFAULT '',
    last_active     text NOT NULL DEFAULT '',
    active_days     integer NOT NULL DEFAULT 0,
    updated_at      text NOT NULL
);

-- The settled dates that are neither active nor missed.
CREATE TABLE streak_marks (
    user_id    text NOT NULL,
    local_date text NOT NULL,
    status     text NOT NULL CHECK (status IN ('frozen', 'repaired')),
    PRIMARY KEY (user_id, local_date)
);

-- Grants, dated by the learner's local date at the instant of the grant.
CREATE TABLE streak_grants (
    id         text PRIMARY KEY,
    user_id    text NOT NULL,
    local_date text NOT NULL,
    count      integer NOT NULL CHECK (count BETWEEN 1 AND 10),
    granted_at text NOT NULL
);
CREATE INDEX streak_grants_user_date ON streak_grants (user_id, local_date);

-- Dates an admin repaired while they were missed.
CREATE TABLE streak_repairs (
    user_id     text NOT NULL,
    local_date  text NOT NULL,
    repaired_at text NOT NULL,
    PRIMARY KEY (user_id, local_date)
);

-- +goose Down
DROP TABLE streak_repairs;
DROP TABLE streak_grants;
DROP TABLE streak_marks;
DROP TABLE learner_streaks;
