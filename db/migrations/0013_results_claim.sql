-- A closed poll's results for the group are written to the outbox in the transaction that
-- claims this column, so a close whose results were not yet queued (a crash, a busy database
-- between the two) is found and finished by the heartbeat. Polls closed before: done.
ALTER TABLE polls ADD COLUMN results_queued_at TEXT;
UPDATE polls SET results_queued_at = closed_at WHERE closed_at IS NOT NULL;
