-- Hearth store, version 2: each group's analytics settings, one JSON document per section
-- ("health", "stages", "heatmaps", and sections later parts add). A missing row means the
-- section's defaults; resetting deletes the row.

CREATE TABLE group_settings (
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    section    TEXT    NOT NULL,
    value      TEXT    NOT NULL CHECK (json_valid(value)),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, section)
) WITHOUT ROWID;
