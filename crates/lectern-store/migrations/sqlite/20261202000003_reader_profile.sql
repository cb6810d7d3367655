-- The same table as the PostgreSQL migration, in SQLite's types.
CREATE TABLE IF NOT EXISTS "reader_profile" (
    "userId" text NOT NULL PRIMARY KEY REFERENCES "user" ("id") ON DELETE CASCADE,
    "answers" text NOT NULL,
    "revision" integer NOT NULL,
    "createdAt" text NOT NULL,
    "updatedAt" text NOT NULL
);
