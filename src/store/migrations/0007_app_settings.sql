-- App-level settings (not per group): one JSON value per key, e.g. whether imports keep
-- the text of messages ("store_message_text"). A missing row means the default.

CREATE TABLE app_settings (
    key        TEXT    NOT NULL PRIMARY KEY,
    value      TEXT    NOT NULL CHECK (json_valid(value)),
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;
