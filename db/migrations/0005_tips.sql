-- Best-practice tips: what each member has read, their subscriptions, and tips a forum adds.

-- The member's reading cycle: when they have read every tip, the cycle goes up and they start
-- over, so "never the same tip twice" holds within a cycle.
ALTER TABLE users ADD COLUMN tip_cycle INTEGER NOT NULL DEFAULT 0;

-- One row per tip shown to a member in a cycle. `tip_key` is a library tip id (content/tips.toml)
-- or "forum-<forum_tips.id>".
CREATE TABLE tip_views (
    user_id             INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    cycle               INTEGER NOT NULL,
    tip_key             TEXT NOT NULL,
    seen_at             TEXT NOT NULL,
    PRIMARY KEY (user_id, cycle, tip_key)
);

-- A member's tip subscription: at `hour`:00 in their own time zone, every day or every week on
-- `weekday` (0 = Monday). `next_at` (UTC) is the next delivery; it is moved forward in the same
-- transaction that records the tip, so a restart can never deliver one slot twice.
CREATE TABLE tip_subscriptions (
    user_id             INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    frequency           TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    hour                INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    weekday             INTEGER CHECK (weekday BETWEEN 0 AND 6),
    next_at             TEXT NOT NULL,
    CHECK ((frequency = 'weekly') = (weekday IS NOT NULL))
);
CREATE INDEX tip_subscriptions_due ON tip_subscriptions (next_at);

-- Tips a forum's coordinators add, shown to that forum's members alongside the library.
CREATE TABLE forum_tips (
    id                  INTEGER PRIMARY KEY,
    forum_id            INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    topic               TEXT NOT NULL,
    created_by          INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at          TEXT NOT NULL,
    removed_at          TEXT
);
CREATE INDEX forum_tips_forum ON forum_tips (forum_id);

-- A forum tip's text in each language its coordinators wrote it in.
CREATE TABLE forum_tip_texts (
    tip_id              INTEGER NOT NULL REFERENCES forum_tips(id) ON DELETE CASCADE,
    lang                TEXT NOT NULL,
    text                TEXT NOT NULL,
    PRIMARY KEY (tip_id, lang)
);
