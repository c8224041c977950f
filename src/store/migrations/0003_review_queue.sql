-- The review queue: flags raised by the analytics (§5) and what reviewers decided about
-- them, and reviewers' actions on churn warnings (§6). A flag is identified by its
-- fingerprint (rule, member and the first message behind it), so that running detection
-- again finds the same flag instead of adding a second one.

CREATE TABLE flags (
    id          INTEGER PRIMARY KEY,
    group_id    INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    member_id   INTEGER REFERENCES members (id) ON DELETE CASCADE,
    code        TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    -- The numbers and message ids behind the flag, as JSON.
    evidence    TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'actioned', 'escalated')),
    note        TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    decided_at  INTEGER,
    UNIQUE (group_id, fingerprint)
);

CREATE INDEX flags_group_status ON flags (group_id, status);

-- Every decision, kept: the log a reviewer reads, and what undo restores.
CREATE TABLE flag_decisions (
    id          INTEGER PRIMARY KEY,
    flag_id     INTEGER NOT NULL REFERENCES flags (id) ON DELETE CASCADE,
    from_status TEXT    NOT NULL,
    to_status   TEXT    NOT NULL,
    note        TEXT,
    decided_at  INTEGER NOT NULL,
    undone_at   INTEGER
);

CREATE INDEX flag_decisions_flag ON flag_decisions (flag_id, id);

-- What a reviewer did about a member's churn warning: snoozed until, handled, a note.
CREATE TABLE warning_actions (
    id            INTEGER PRIMARY KEY,
    group_id      INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    snoozed_until INTEGER,
    handled_at    INTEGER,
    note          TEXT,
    updated_at    INTEGER NOT NULL,
    UNIQUE (group_id, member_id)
);
