-- Anonymity that holds against the database (issue 12).

-- The fewest ballots a stakeholder group needs before a poll's breakdown shows it on its own.
ALTER TABLE forums ADD COLUMN min_group_ballots INTEGER NOT NULL DEFAULT 3
    CHECK (min_group_ballots BETWEEN 2 AND 1000);

-- A broadcast of ballots or poll reminders knows its poll, so that closing the poll can delete
-- who they went to (and deleting the poll deletes them). Earlier rows name it in on_sent.
ALTER TABLE broadcasts ADD COLUMN poll_id INTEGER REFERENCES polls(id) ON DELETE CASCADE;
UPDATE broadcasts SET poll_id = (
    SELECT p.id FROM outbox o JOIN polls p ON p.id = CAST(substr(o.on_sent, 8) AS INTEGER)
    WHERE o.broadcast_id = broadcasts.id AND o.on_sent LIKE 'ballot:%' LIMIT 1
) WHERE kind IN ('ballot', 'poll_reminder');
CREATE INDEX broadcasts_poll ON broadcasts (poll_id) WHERE poll_id IS NOT NULL;

-- Polls already closed get what a close does now (db/polls.py `close`).
-- 1. Their ballots' and reminders' delivery rows go; so do those of polls deleted since.
DELETE FROM broadcasts WHERE poll_id IN (
    SELECT id FROM polls WHERE anonymous = 1 AND closed_at IS NOT NULL
);
DELETE FROM broadcasts WHERE kind IN ('ballot', 'poll_reminder') AND poll_id IS NULL;

-- 2. A group with fewer than 3 ballots (the default threshold) loses its label; if that leaves
-- fewer than 3 unlabelled ballots, the smallest labelled group loses its label too (its ballots
-- and the total would otherwise give the others away by subtraction).
UPDATE ballots SET stakeholder_group = NULL WHERE id IN (
    SELECT b.id FROM ballots b JOIN polls p ON p.id = b.poll_id
    WHERE p.anonymous = 1 AND p.closed_at IS NOT NULL
    AND (SELECT count(*) FROM ballots c
         WHERE c.poll_id = b.poll_id AND c.stakeholder_group = b.stakeholder_group) < 3
);
UPDATE ballots SET stakeholder_group = NULL WHERE id IN (
    SELECT b.id FROM ballots b JOIN polls p ON p.id = b.poll_id
    WHERE p.anonymous = 1 AND p.closed_at IS NOT NULL
    AND (SELECT count(*) FROM ballots c
         WHERE c.poll_id = b.poll_id AND c.stakeholder_group IS NULL) BETWEEN 1 AND 2
    AND b.stakeholder_group = (
        SELECT c.stakeholder_group FROM ballots c
        WHERE c.poll_id = b.poll_id AND c.stakeholder_group IS NOT NULL
        GROUP BY c.stakeholder_group ORDER BY count(*), c.stakeholder_group LIMIT 1
    )
);

-- 3. Their ballots are written again in a random order, with random ids and the close time as
-- the only timestamp: row order and ids no longer follow the members' ids or the vote order.
CREATE TEMP TABLE ballot_moves AS
    SELECT b.id AS old_id, 1 + (random() & 9223372036854775806) AS new_id
    FROM ballots b JOIN polls p ON p.id = b.poll_id
    WHERE p.anonymous = 1 AND p.closed_at IS NOT NULL
    ORDER BY random();
INSERT INTO ballots (id, poll_id, user_id, stakeholder_group, draft, submitted_at)
    SELECT m.new_id, b.poll_id, NULL, b.stakeholder_group, '[]', p.closed_at
    FROM ballot_moves m JOIN ballots b ON b.id = m.old_id JOIN polls p ON p.id = b.poll_id
    ORDER BY m.rowid;
INSERT INTO ballot_ranks (ballot_id, option_id, rank)
    SELECT m.new_id, r.option_id, r.rank
    FROM ballot_moves m JOIN ballot_ranks r ON r.ballot_id = m.old_id
    ORDER BY m.rowid, r.rank;
DELETE FROM ballots WHERE id IN (SELECT old_id FROM ballot_moves);
DROP TABLE ballot_moves;
