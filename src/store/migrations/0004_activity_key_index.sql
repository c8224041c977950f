-- Version 4: the activities' platform-id key, UNIQUE (group_id, platform_id), becomes a named
-- unique index instead of a table constraint. SQLite cannot drop the index behind a table
-- constraint; a named one a large import can drop together with the other indexes and build
-- again once at its end, in one sorted pass, instead of a million random B-tree inserts.
-- The table is rebuilt with the same columns and row ids (the search index and parent_id
-- refer to those ids), with foreign keys off while it is swapped (the store does that).

CREATE TABLE activities_v4 (
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
    raw_kind           TEXT
);

INSERT INTO activities_v4 (id, group_id, channel_id, member_id, platform_id, kind, at, parent_platform_id, parent_id, text, raw_kind)
SELECT id, group_id, channel_id, member_id, platform_id, kind, at, parent_platform_id, parent_id, text, raw_kind
FROM activities ORDER BY id;

DROP TABLE activities;
ALTER TABLE activities_v4 RENAME TO activities;

-- The key: importing the same archive twice never duplicates an activity.
CREATE UNIQUE INDEX activities_key ON activities (group_id, platform_id);
CREATE INDEX activities_group_at ON activities (group_id, at);
CREATE INDEX activities_member_at ON activities (member_id, at);
CREATE INDEX activities_parent ON activities (parent_id);
