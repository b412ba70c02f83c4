-- Fair queuing (db/outbox_sending.py, `due`): each look finds, for the chats it is about to
-- offer, each chat's earliest due row, so messages to one chat keep their order. This index
-- makes that a lookup per chat instead of a scan of every pending row.
CREATE INDEX outbox_chat ON outbox (chat_id, state);
