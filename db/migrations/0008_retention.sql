-- How long a forum keeps feedback and closed polls (days); enforced daily by the heartbeat.
ALTER TABLE forums ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 730
    CHECK (retention_days BETWEEN 30 AND 3650);
