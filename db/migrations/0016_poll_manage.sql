-- Managing a poll after it went out (issue 14): a cancelled poll ends without results, and the
-- outbox can edit a message it sent before (a ballot whose text or deadline changed).

-- Set with closed_at (and results_queued_at, so no results are ever queued) when a coordinator
-- cancels the poll; its ballots are deleted in the same transaction.
ALTER TABLE polls ADD COLUMN cancelled_at TEXT;

-- An outbox row with a message id edits that message (text and buttons) instead of sending one.
ALTER TABLE outbox ADD COLUMN edit_message_id INTEGER;
