-- A poll in several languages. poll_origins: the language a poll was written in (what a reader
-- whose language the poll lacks falls back to) and whether its question is the default catalog
-- question (then each reader gets it in their language). poll_texts: the question and options a
-- coordinator added in another language, options in position order.
CREATE TABLE poll_origins (
    poll_id             INTEGER PRIMARY KEY REFERENCES polls(id) ON DELETE CASCADE,
    language            TEXT NOT NULL,
    default_question    INTEGER NOT NULL DEFAULT 0 CHECK (default_question IN (0, 1))
);

CREATE TABLE poll_texts (
    poll_id             INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    language            TEXT NOT NULL,
    question            TEXT NOT NULL CHECK (length(question) BETWEEN 1 AND 300),
    options             TEXT NOT NULL,                  -- JSON list of texts, by position
    PRIMARY KEY (poll_id, language)
);
