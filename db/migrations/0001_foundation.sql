-- Forums, their members and roles, linked group chats, and pending dialog steps.
-- Times are ISO-8601 UTC text; time zones are IANA names.

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,            -- Telegram user id
    first_name          TEXT NOT NULL DEFAULT '',
    username            TEXT,
    language            TEXT,                           -- chosen in the bot; NULL: negotiate from Telegram
    timezone            TEXT,                           -- NULL: the current forum's zone
    stakeholder_group   TEXT CHECK (stakeholder_group IN
                          ('government', 'industry', 'civil_society', 'academia', 'international', 'other')),
    consent_at          TEXT,
    current_forum_id    INTEGER REFERENCES forums(id) ON DELETE SET NULL,
    is_active           INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),  -- 0: blocked the bot
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX users_username ON users(username COLLATE NOCASE);

CREATE TABLE forums (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
    country             TEXT,
    timezone            TEXT NOT NULL,
    language            TEXT NOT NULL,
    member_code         TEXT NOT NULL UNIQUE,
    coordinator_code    TEXT NOT NULL UNIQUE,
    created_by          INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at          TEXT NOT NULL
);

CREATE TABLE memberships (
    forum_id            INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    user_id             INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role                TEXT NOT NULL CHECK (role IN ('member', 'coordinator', 'observer')),
    joined_at           TEXT NOT NULL,
    PRIMARY KEY (forum_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id);

-- Telegram group chats tied to a forum (a group that becomes a supergroup changes id: updated in place).
CREATE TABLE forum_chats (
    chat_id             INTEGER PRIMARY KEY,
    forum_id            INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    title               TEXT NOT NULL DEFAULT '',
    linked_by           INTEGER REFERENCES users(id) ON DELETE SET NULL,
    linked_at           TEXT NOT NULL
);
CREATE INDEX forum_chats_forum ON forum_chats(forum_id);

-- A step-by-step dialog waiting for the user's next message (survives restarts).
CREATE TABLE pending_inputs (
    user_id             INTEGER NOT NULL,               -- no FK: onboarding starts before the user row exists
    chat_id             INTEGER NOT NULL,
    kind                TEXT NOT NULL,
    data                TEXT NOT NULL DEFAULT '{}',     -- JSON
    created_at          TEXT NOT NULL,
    PRIMARY KEY (user_id, chat_id)
);
