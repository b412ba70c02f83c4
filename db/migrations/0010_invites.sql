-- Coordinator invites and group-link codes are single-use and expire; members can be removed.
--
-- Until now `forums.coordinator_code` was a permanent code that made anyone a coordinator, also
-- after it had been seen in a group or after its holder was demoted. It stops granting anything:
-- SQLite cannot drop a UNIQUE column, so it is rotated to a random value that is never shown
-- and never looked up. Coordinator rights now come only from a row here, used once.

CREATE TABLE invites (
    code                TEXT PRIMARY KEY,
    forum_id            INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    kind                TEXT NOT NULL CHECK (kind IN ('coordinator', 'group')),
    created_by          INTEGER REFERENCES users(id) ON DELETE SET NULL,  -- valid only while a coordinator
    created_at          TEXT NOT NULL,
    expires_at          TEXT NOT NULL,
    used_by             INTEGER REFERENCES users(id) ON DELETE SET NULL,
    used_at             TEXT,                           -- set once, by a conditional UPDATE
    revoked_at          TEXT
);
CREATE INDEX invites_forum ON invites(forum_id, kind, created_by);

-- A removed person cannot rejoin the forum through any invite until a coordinator lifts the
-- removal (which deletes the row). No foreign key on user_id: the removal outlives /forget, or
-- forgetting would undo it; /mydata shows it.
CREATE TABLE removals (
    forum_id            INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    user_id             INTEGER NOT NULL,
    removed_by          INTEGER REFERENCES users(id) ON DELETE SET NULL,
    removed_at          TEXT NOT NULL,
    PRIMARY KEY (forum_id, user_id)
);

UPDATE forums SET coordinator_code = 'retired-' || lower(hex(randomblob(16)));

-- Someone who opened an old coordinator link and has not yet accepted the consent notice would
-- otherwise still become a coordinator.
DELETE FROM pending_inputs
    WHERE kind = 'onboarding' AND json_extract(data, '$.role') = 'coordinator';
