-- The durable outbox: every bulk send is written here before anything is sent, so a restart
-- resumes where it stopped and nobody is skipped.

-- One bulk send (an announcement): who asked, and the message that shows them its progress.
CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY,
    forum_id            INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    kind                TEXT NOT NULL,                  -- 'announcement'
    created_by          INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at          TEXT NOT NULL,
    report_chat_id      INTEGER,                        -- where the progress message lives
    report_message_id   INTEGER,
    report_language     TEXT,
    finished_at         TEXT
);

-- One message to one chat. 'sending' marks the in-flight window: a row left 'sending' by a
-- crash is sent again at start-up, so at most those few can arrive twice.
CREATE TABLE outbox (
    id                  INTEGER PRIMARY KEY,
    broadcast_id        INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    chat_id             INTEGER NOT NULL,
    user_id             INTEGER REFERENCES users(id) ON DELETE SET NULL,  -- NULL: a group chat
    text                TEXT NOT NULL,                  -- HTML, in the recipient's language
    state               TEXT NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'sending', 'sent', 'blocked', 'failed')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    not_before          TEXT NOT NULL,                  -- earliest next try (retry_after, backoff)
    error               TEXT,                           -- why it failed, for the report
    sent_at             TEXT,
    UNIQUE (broadcast_id, chat_id)
);
CREATE INDEX outbox_due ON outbox (state, not_before);
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, state);
