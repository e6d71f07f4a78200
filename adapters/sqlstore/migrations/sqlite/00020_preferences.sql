-- +goose Up
-- Learner preferences (issue 4); see the PostgreSQL migration of the same
-- number. Times are written in UTC by the repository.
CREATE TABLE user_preferences (
    user_id          text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    timezone         text NOT NULL DEFAULT 'UTC' CHECK (timezone <> ''),
    target_language  text CHECK (target_language IS NULL OR length(target_language) = 2),
    native_language  text NOT NULL DEFAULT 'en' CHECK (length(native_language) = 2),
    difficulty_level text NOT NULL DEFAULT 'beginner' CHECK (difficulty_level IN ('beginner', 'intermediate', 'advanced')),
    daily_xp_goal    integer NOT NULL DEFAULT 20 CHECK (daily_xp_goal BETWEEN 5 AND 500),
    email_enabled    boolean NOT NULL DEFAULT 1,
    push_enabled     boolean NOT NULL DEFAULT 1,
    daily_reminder   boolean NOT NULL DEFAULT 1,
    reminder_time    text NOT NULL DEFAULT '19:00' CHECK (length(reminder_time) = 5),
    streak_alerts    boolean NOT NULL DEFAULT 1,
    weekly_summary   boolean NOT NULL DEFAULT 1,
    theme            text NOT NULL DEFAULT 'system' CHECK (theme IN ('light', 'dark', 'system')),
    ui_language      text NOT NULL DEFAULT 'en' CHECK (length(ui_language) = 2),
    sound_effects    boolean NOT NULL DEFAULT 1,
    animations       boolean NOT NULL DEFAULT 1,
    created_at       datetime NOT NULL,
    updated_at       datetime NOT NULL
);

-- +goose Down
DROP TABLE user_preferences;
