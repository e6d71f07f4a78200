-- +goose Up
CREATE TABLE courses (
    id          uuid PRIMARY KEY,
    slug        text NOT NULL UNIQUE,
    title       text NOT NULL,
    language    text NOT NULL,
    level       text NOT NULL,
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE lessons (
    id         uuid PRIMARY KEY,
    course_id  uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    slug       text NOT NULL,
    title      text NOT NULL,
    position   integer NOT NULL CHECK (position >= 1),
    xp_reward  integer NOT NULL CHECK (xp_reward BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (course_id, slug)
);
CREATE INDEX lessons_course_position ON lessons (course_id, position);

-- +goose Down
DROP TABLE lessons;
DROP TABLE courses;
