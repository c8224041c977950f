-- Hearth store, version 1. Timestamps are Unix seconds, UTC. Platform ids are the keys that
-- make re-imports idempotent: (group, platform_id) is unique for channels, members and
-- activities.

CREATE TABLE groups (
    id              INTEGER PRIMARY KEY,
    platform        TEXT    NOT NULL,
    platform_id     TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    is_archive      INTEGER NOT NULL DEFAULT 1 CHECK (is_archive IN (0, 1)),
    is_demo         INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
    created_at      INTEGER NOT NULL,
    last_import_at  INTEGER,
    UNIQUE (platform, platform_id)
);

CREATE TABLE channels (
    id          INTEGER PRIMARY KEY,
    group_id    INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    platform_id TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    UNIQUE (group_id, platform_id)
);

CREATE TABLE members (
    id            INTEGER PRIMARY KEY,
    group_id      INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    platform_id   TEXT    NOT NULL,
    display_name  TEXT    NOT NULL,
    is_bot        INTEGER NOT NULL DEFAULT 0 CHECK (is_bot IN (0, 1)),
    joined_at     INTEGER,
    first_seen_at INTEGER,
    last_seen_at  INTEGER,
    left_at       INTEGER,
    UNIQUE (group_id, platform_id)
);

CREATE TABLE activities (
    id                 INTEGER PRIMARY KEY,
    group_id           INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    channel_id         INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    member_id          INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    platform_id        TEXT    NOT NULL,
    kind               TEXT    NOT NULL CHECK (kind IN ('message', 'reply', 'reaction', 'join', 'leave')),
    at                 INTEGER NOT NULL,
    -- The message replied or reacted to, by platform id as the export names it, and by row
    -- id once resolved (the parent may come later in the export than the reply).
    parent_platform_id TEXT,
    parent_id          INTEGER REFERENCES activities (id) ON DELETE SET NULL,
    text               TEXT,
    -- The platform's own name for the event when it is not a plain message.
    raw_kind           TEXT,
    UNIQUE (group_id, platform_id)
);

CREATE INDEX activities_group_at ON activities (group_id, at);
CREATE INDEX activities_member_at ON activities (member_id, at);
CREATE INDEX activities_parent ON activities (parent_id);

-- Full-text search over message text (external content: the text lives once, in activities).
-- The store keeps it in step itself, in bulk at the end of each import, instead of with
-- per-row triggers, which made imports four times slower.
CREATE VIRTUAL TABLE activity_fts USING fts5 (text, content = 'activities', content_rowid = 'id');

-- What the demo generator knows about its own members, so that churn warnings can be
-- backtested against the truth.
CREATE TABLE demo_truth (
    member_id  INTEGER PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    persona    TEXT    NOT NULL,
    churned_at INTEGER
);
