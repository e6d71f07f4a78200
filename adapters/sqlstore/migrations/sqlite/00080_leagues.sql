-- +goose Up
-- Weekly leagues (issue 17); see the PostgreSQL migration of the same number.
ALTER TABLE user_preferences ADD COLUMN social_leaderboards boolean NOT NULL DEFAULT 1;

CREATE TABLE league_tiers (
    user_id    text PRIMARY KEY,
    tier       text NOT NULL CHECK (tier IN ('bronze', 'silver', 'gold', 'sapphire', 'ruby', 'emerald', 'amethyst', 'pearl', 'obsidian', 'diamond')),
    updated_at datetime NOT NULL
);

CREATE TABLE league_pools (
    week_start datetime NOT NULL,
    tier       text NOT NULL,
    joined     integer NOT NULL,
    PRIMARY KEY (week_start, tier)
);

CREATE TABLE league_cohorts (
    id         text PRIMARY KEY,
    week_start datetime NOT NULL,
    week_end   datetime NOT NULL,
    tier       text NOT NULL,
    seq        integer NOT NULL,
    closed_at  datetime,
    UNIQUE (week_start, tier, seq)
);
CREATE INDEX league_cohorts_open ON league_cohorts (week_end) WHERE closed_at IS NULL;

CREATE TABLE league_members (
    week_start datetime NOT NULL,
    user_id    text NOT NULL,
    cohort_id  text NOT NULL REFERENCES league_cohorts (id),
    xp         integer NOT NULL,
    reached_at datetime NOT NULL,
    joined_at  datetime NOT NULL,
    PRIMARY KEY (week_start, user_id)
);
-- The standings of one cohort read only its own rows, in standing order.
CREATE INDEX league_members_cohort ON league_members (cohort_id, xp DESC, reached_at, user_id);
CREATE INDEX league_members_user ON league_members (user_id);

CREATE TABLE league_results (
    user_id    text NOT NULL,
    week_start datetime NOT NULL,
    week_end   datetime NOT NULL,
    cohort_id  text NOT NULL,
    tier       text NOT NULL,
    rank       integer NOT NULL,
    xp         integer NOT NULL,
    outcome    text NOT NULL CHECK (outcome IN ('promoted', 'demoted', 'stayed')),
    new_tier   text NOT NULL,
    closed_at  datetime NOT NULL,
    PRIMARY KEY (user_id, week_start)
);

-- +goose Down
DROP TABLE league_results;
DROP TABLE league_members;
DROP TABLE league_cohorts;
DROP TABLE league_pools;
DROP TABLE league_tiers;
ALTER TABLE user_preferences DROP COLUMN social_leaderboards;
