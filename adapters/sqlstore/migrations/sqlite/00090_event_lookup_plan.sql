-- +goose Up
-- PostgreSQL's 00090 sets a planner statistic; SQLite's planner takes a
-- unique index whose every column is matched by equality before any other,
-- so it needs nothing. The version is kept so that both dialects number
-- their migrations alike.
SELECT 1;

-- +goose Down
SELECT 1;
