-- Meetings on a cycle: a series (what a coordinator typed) and its occurrences (materialised a
-- year or so ahead), answers (RSVP) and a record of every reminder sent.

CREATE TABLE meeting_series (
    id                  INTEGER PRIMARY KEY,
    forum_id            INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    title               TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    place               TEXT,
    link                TEXT,
    first_start_local   TEXT NOT NULL,                  -- 'YYYY-MM-DD HH:MM', wall clock in timezone
    timezone            TEXT NOT NULL,
    duration_s          INTEGER NOT NULL CHECK (duration_s > 0),
    every_months        INTEGER CHECK (every_months BETWEEN 1 AND 24),  -- NULL: a single meeting
    reminders           TEXT NOT NULL,                  -- JSON list of lead times in seconds
    created_by          INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at          TEXT NOT NULL,
    cancelled_at        TEXT
);

CREATE TABLE meetings (
    id                  INTEGER PRIMARY KEY,
    series_id           INTEGER NOT NULL REFERENCES meeting_series(id) ON DELETE CASCADE,
    seq                 INTEGER NOT NULL CHECK (seq >= 0),  -- n-th occurrence of the series
    starts_at           TEXT NOT NULL,
    ends_at             TEXT NOT NULL,
    revision            INTEGER NOT NULL DEFAULT 0,     -- the calendar file's SEQUENCE
    cancelled_at        TEXT,
    UNIQUE (series_id, seq)
);
CREATE INDEX meetings_upcoming ON meetings(starts_at) WHERE cancelled_at IS NULL;

CREATE TABLE rsvps (
    meeting_id          INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    user_id             INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    answer              TEXT NOT NULL CHECK (answer IN ('going', 'maybe', 'no')),
    updated_at          TEXT NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);

-- One row per reminder lead time that came due for a member: what makes "never twice" hold
-- across restarts.
CREATE TABLE meeting_reminders (
    meeting_id          INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    user_id             INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    lead_s              INTEGER NOT NULL,
    recorded_at         TEXT NOT NULL,
    PRIMARY KEY (meeting_id, user_id, lead_s)
);
