-- Every bulk send now goes through the outbox: ballots, poll and meeting reminders, meeting
-- notices and surveys, tip subscriptions and feedback for coordinators, not only announcements.
-- Those messages carry buttons, a photo or a calendar file, and feedback with a long text is two
-- messages to the same chat (photo, then text): hence the new columns and `part`.
-- SQLite cannot change a UNIQUE constraint in place, so the table is rebuilt.

CREATE TABLE outbox_new (
    id                  INTEGER PRIMARY KEY,
    broadcast_id        INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    chat_id             INTEGER NOT NULL,
    part                INTEGER NOT NULL DEFAULT 0,     -- order of messages to one chat
    user_id             INTEGER REFERENCES users(id) ON DELETE SET NULL,  -- NULL: a group chat
    text                TEXT NOT NULL,                  -- HTML; a caption when there is a file
    reply_markup        TEXT,                           -- JSON of an InlineKeyboardMarkup
    photo               TEXT,                           -- a Telegram file id: send_photo
    document            BLOB,                           -- file contents: send_document
    document_name       TEXT,
    on_sent             TEXT,                           -- what to record once sent ('ballot:7')
    state               TEXT NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'sending', 'sent', 'blocked', 'failed')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    not_before          TEXT NOT NULL,
    error               TEXT,
    sent_at             TEXT,
    UNIQUE (broadcast_id, chat_id, part)
);
INSERT INTO outbox_new (id, broadcast_id, chat_id, user_id, text, state, attempts, not_before,
                        error, sent_at)
    SELECT id, broadcast_id, chat_id, user_id, text, state, attempts, not_before, error, sent_at
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, not_before);
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, state);
