-- Ranked priority polls. One ballot per member and poll, one rank per option per ballot:
-- enforced here by UNIQUE constraints, not only in Python.

CREATE TABLE polls (
    id                  INTEGER PRIMARY KEY,
    forum_id            INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    number              INTEGER NOT NULL,               -- per forum, what users type: /results 3
    question            TEXT NOT NULL CHECK (length(question) BETWEEN 1 AND 300),
    catalog             TEXT,                           -- priority catalog it started from, if any
    created_by          INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at          TEXT NOT NULL,
    closes_at           TEXT NOT NULL,
    closed_at           TEXT,
    hide_results        INTEGER NOT NULL DEFAULT 1 CHECK (hide_results IN (0, 1)),
    anonymous           INTEGER NOT NULL DEFAULT 1 CHECK (anonymous IN (0, 1)),
    remind_before_s     INTEGER NOT NULL DEFAULT 86400, -- 0: no reminder
    reminded_at         TEXT,
    group_chat_id       INTEGER,                        -- the announcement in the forum's group,
    group_message_id    INTEGER,                        -- edited as votes come in
    UNIQUE (forum_id, number)
);
CREATE INDEX polls_open ON polls(closes_at) WHERE closed_at IS NULL;

CREATE TABLE poll_options (
    id                  INTEGER PRIMARY KEY,
    poll_id             INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    position            INTEGER NOT NULL CHECK (position BETWEEN 1 AND 12),
    text                TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 300),
    ref                 TEXT,                           -- priority catalog item id
    UNIQUE (poll_id, position)
);

-- A member's ballot. `draft` is the ranking being built in the ballot message; the counted
-- ranking is in ballot_ranks. When an anonymous poll closes, user_id and the message are
-- removed for good; the stakeholder group stays for the breakdown.
CREATE TABLE ballots (
    id                  INTEGER PRIMARY KEY,
    poll_id             INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    user_id             INTEGER REFERENCES users(id) ON DELETE SET NULL,
    stakeholder_group   TEXT,
    draft               TEXT NOT NULL DEFAULT '[]',     -- JSON list of option ids
    chat_id             INTEGER,
    message_id          INTEGER,
    submitted_at        TEXT,
    UNIQUE (poll_id, user_id)
);

CREATE TABLE ballot_ranks (
    ballot_id           INTEGER NOT NULL REFERENCES ballots(id) ON DELETE CASCADE,
    option_id           INTEGER NOT NULL REFERENCES poll_options(id) ON DELETE CASCADE,
    rank                INTEGER NOT NULL CHECK (rank BETWEEN 1 AND 12),
    PRIMARY KEY (ballot_id, option_id),
    UNIQUE (ballot_id, rank)
);
