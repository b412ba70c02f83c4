-- Members' feedback to their coordinators, and the replies relayed both ways.

-- `author_id` is kept even when the feedback is anonymous: the bot needs it to relay a reply,
-- and never shows it to coordinators unless `signed` = 1. /forget sets it to NULL (and signed
-- to 0), which ends the relay for that item.
CREATE TABLE feedback (
    id                  INTEGER PRIMARY KEY,
    forum_id            INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    topic               TEXT NOT NULL CHECK (topic IN ('meetings', 'polls', 'tips', 'forum', 'other')),
    text                TEXT NOT NULL,
    photo_file_id       TEXT,
    author_id           INTEGER REFERENCES users(id) ON DELETE SET NULL,
    signed              INTEGER NOT NULL DEFAULT 0 CHECK (signed IN (0, 1)),
    created_at          TEXT NOT NULL
);
CREATE INDEX feedback_forum ON feedback (forum_id, created_at);
CREATE INDEX feedback_author ON feedback (author_id, created_at);

-- Each message of the conversation after the feedback: a coordinator's reply or the member's
-- answer (`from_member`).
CREATE TABLE feedback_replies (
    id                  INTEGER PRIMARY KEY,
    feedback_id         INTEGER NOT NULL REFERENCES feedback(id) ON DELETE CASCADE,
    from_member         INTEGER NOT NULL CHECK (from_member IN (0, 1)),
    coordinator_id      INTEGER REFERENCES users(id) ON DELETE SET NULL,
    text                TEXT NOT NULL,
    created_at          TEXT NOT NULL
);
