-- Telling members about a moved or cancelled meeting (once per change), and the anonymous
-- survey after a meeting.

-- One row per member and change (revision) of an occurrence they were told about.
CREATE TABLE meeting_notices (
    meeting_id          INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    user_id             INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    revision            INTEGER NOT NULL,
    sent_at             TEXT NOT NULL,
    PRIMARY KEY (meeting_id, user_id, revision)
);

-- Who was asked for feedback and whether they answered: never what they answered.
CREATE TABLE meeting_surveys (
    meeting_id          INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    user_id             INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    sent_at             TEXT NOT NULL,
    answered            INTEGER NOT NULL DEFAULT 0 CHECK (answered IN (0, 1)),
    PRIMARY KEY (meeting_id, user_id)
);

-- Anonymous ratings and comments: no user id, only the day. Comments are rows of their own, so
-- nothing (not even a pending dialog step) ever has to point from a member to their rating.
CREATE TABLE meeting_ratings (
    id                  INTEGER PRIMARY KEY,
    meeting_id          INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    rating              INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    given_on            TEXT NOT NULL
);

CREATE TABLE meeting_comments (
    id                  INTEGER PRIMARY KEY,
    meeting_id          INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    comment             TEXT NOT NULL CHECK (length(comment) BETWEEN 1 AND 1000),
    given_on            TEXT NOT NULL
);

ALTER TABLE meetings ADD COLUMN summary_sent_at TEXT;  -- survey results sent to coordinators

-- Who is asked after a meeting: 0 = those who said going or maybe, 1 = every member.
ALTER TABLE forums ADD COLUMN survey_everyone INTEGER NOT NULL DEFAULT 0
    CHECK (survey_everyone IN (0, 1));
