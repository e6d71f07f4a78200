-- +goose Up
-- Weekly leagues (issue 17). The database is the source of truth of every
-- league: tiers, the join counter of each week and tier (league_pools, the
-- row that serialises placement so that cohorts fill exactly in join order),
-- cohorts with their closed_at marker (the close is one transaction per
-- cohort, and a cohort with closed_at is never closed again), memberships
-- with their league XP and the instant it was reached, and results keyed
-- (user, week) so that a close run twice cannot write two.
ALTER TABLE user_preferences ADD COLUMN social_leaderboards boolean NOT NULL DEFAULT true;

CREATE TABLE league_tiers (
    user_id    uuid PRIMARY KEY,
    tier       text NOT NULL CHECK (tier IN ('bronze', 'silver', 'gold', 'sapphire', 'ruby', 'emerald', 'amethyst', 'pearl', 'obsidian', 'diamond')),
    updated_at timestamptz NOT NULL
);

CREATE TABLE league_pools (
    week_start timestamptz NOT NULL,
    tier       text NOT NULL,
    joined     integer NOT NULL,
    PRIMARY KEY (week_start, tier)
);

CREATE TABLE league_cohorts (
    id         text PRIMARY KEY,
    week_start timestamptz NOT NULL,
    week_end   timestamptz NOT NULL,
    tier       text NOT NULL,
    seq        integer NOT NULL,
    closed_at  timestamptz,
    UNIQUE (week_start, tier, seq)
);
CREATE INDEX league_cohorts_open ON league_cohorts (week_end) WHERE closed_at IS NULL;

CREATE TABLE league_members (
    week_start timestamptz NOT NULL,
    user_id    uuid NOT NULL,
    cohort_id  text NOT NULL REFERENCES league_cohorts (id),
    xp         integer NOT NULL,
    reached_at timestamptz NOT NULL,
    joined_at  timestamptz NOT NULL,
    PRIMARY KEY (week_start, user_id)
);
-- The standings of one cohort read only its own rows, in standing order.
CREATE INDEX league_members_cohort ON league_members (cohort_id, xp DESC, reached_at, user_id);
CREATE INDEX league_members_user ON league_members (user_id);

CREATE TABLE league_results (
    user_id    uuid NOT NULL,
    week_start timestamptz NOT NULL,
    week_end   timestamptz NOT NULL,
    cohort_id  text NOT NULL,
    tier       text NOT NULL,
    rank       integer NOT NULL,
    xp         integer NOT NULL,
    outcome    text NOT NULL CHECK (outcome IN ('promoted', 'demoted', 'stayed')),
    new_tier   text NOT NULL,
    closed_at  timestamptz NOT NULL,
    PRIMARY KEY (user_id, week_start)
);

-- +goose Down
DROP TABLE league_results;
DROP TABLE league_members;
DROP TABLE league_cohorts;
DROP TABLE league_pools;
DROP TABLE league_tiers;
ALTER TABLE user_preferences DROP COLUMN social_leaderboards;
