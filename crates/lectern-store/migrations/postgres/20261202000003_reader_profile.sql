-- Lectern's own table (Better Auth has none like it): the reader's background questionnaire,
-- strictly one per user (the primary key), gone with its user. `answers` is the JSON object
-- of answers keyed by question id; `revision` makes concurrent partial updates safe.
CREATE TABLE IF NOT EXISTS "reader_profile" (
    "userId" text NOT NULL PRIMARY KEY REFERENCES "user" ("id") ON DELETE CASCADE,
    "answers" text NOT NULL,
    "revision" bigint NOT NULL,
    "createdAt" timestamptz NOT NULL,
    "updatedAt" timestamptz NOT NULL
);
