-- Notes a community manager keeps about a member (the profile's notes): free text, edited
-- and deleted by the person who keeps them. They never leave the machine.

CREATE TABLE member_notes (
    id         INTEGER PRIMARY KEY,
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE INDEX member_notes_member ON member_notes (group_id, member_id, id);
