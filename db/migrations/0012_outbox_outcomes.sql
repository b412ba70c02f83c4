-- Two outcomes the outbox could not record before, and retry times that survive a clock step.
--
-- 'unconfirmed': a send timed out, so Telegram may have delivered it; it was tried once more and
-- that did not confirm it either. It is not sent again (each timed-out try may be one more copy
-- in the member's chat) and the coordinator's report says "possibly delivered".
-- `timeouts`: how many tries of this message timed out (a 'sent' row with one may have arrived
-- twice; the report says so).
-- `not_before` is now NULL for "at once" and otherwise a retry time on the drain's steady clock
-- (bot/clock.py: wall time at start plus monotonic time since), which the start-up clears: a
-- message written at one wall time no longer waits out a step of the wall clock.
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt.

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
                        CHECK (state IN ('pending', 'sending', 'sent', 'blocked', 'failed',
                                         'unconfirmed')),
    attempts            INTEGER NOT NULL DEFAULT 0,     -- failed tries (5xx, timeouts)
    timeouts            INTEGER NOT NULL DEFAULT 0,     -- of which timed out (maybe delivered)
    not_before          TEXT,                           -- NULL: at once, else a retry time
    error               TEXT,
    sent_at             TEXT,
    UNIQUE (broadcast_id, chat_id, part)
);
INSERT INTO outbox_new (id, broadcast_id, chat_id, part, user_id, text, reply_markup, photo,
                        document, document_name, on_sent, state, attempts, error, sent_at)
    SELECT id, broadcast_id, chat_id, part, user_id, text, reply_markup, photo, document,
           document_name, on_sent, state, attempts, error, sent_at
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, not_before);
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, state);
