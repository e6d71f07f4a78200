-- +goose Up
-- Learner preferences (issue 4), one row per user, written on the first
-- change; a user without a row has preferences.Default. The progress engine
-- reads timezone and daily_xp_goal from here, so those names are fixed. The
-- checks repeat the domain's rules so that a hand-written row cannot hold a
-- value the service would refuse to load.
CREATE TABLE user_preferences (
    user_id          uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    timezone         text NOT NULL DEFAULT 'UTC' CHECK (timezone <> ''),
    target_language  text CHECK (target_language IS NULL OR length(target_language) = 2),
    native_language  text NOT NULL DEFAULT 'en' CHECK (length(native_language) = 2),
    difficulty_level text NOT NULL DEFAULT 'beginner' CHECK (difficulty_level IN ('beginner', 'intermediate', 'advanced')),
    daily_xp_goal    integer NOT NULL DEFAULT 20 CHECK (daily_xp_goal BETWEEN 5 AND 500),
    email_enabled    boolean NOT NULL DEFAULT true,
    push_enabled     boolean NOT NULL DEFAULT true,
    daily_reminder   boolean NOT NULL DEFAULT true,
    reminder_time    char(5) NOT NULL DEFAULT '19:00',
    streak_alerts    boolean NOT NULL DEFAULT true,
    weekly_summary   boolean NOT NULL DEFAULT true,
    theme            text NOT NULL DEFAULT 'system' CHECK (theme IN ('light', 'dark', 'system')),
    ui_language      text NOT NULL DEFAULT 'en' CHECK (length(ui_language) = 2),
    sound_effects    boolean NOT NULL DEFAULT true,
    animations       boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);

-- +goose Down
DROP TABLE user_preferences;
