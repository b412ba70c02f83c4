-- One meeting of a series may have its own place and link ("this meeting only"). place_set
-- says so: then a NULL place or link means "none for this meeting", not "the series' one".
ALTER TABLE meetings ADD COLUMN place TEXT;
ALTER TABLE meetings ADD COLUMN link TEXT;
ALTER TABLE meetings ADD COLUMN place_set INTEGER NOT NULL DEFAULT 0 CHECK (place_set IN (0, 1));
