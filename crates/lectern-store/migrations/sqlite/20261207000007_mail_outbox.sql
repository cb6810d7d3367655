-- Mail waiting to be delivered. A request that sends mail only inserts here; a worker sends
-- it, retries with backoff while the mail server refuses, and deletes the row once the
-- server accepted it, so a restart or an SMTP outage loses nothing.
CREATE TABLE IF NOT EXISTS "mail_outbox" (
    "id" text NOT NULL PRIMARY KEY,
    "recipient" text NOT NULL,
    "subject" text NOT NULL,
    "text" text NOT NULL,
    "html" text,
    "attempts" integer NOT NULL DEFAULT 0,
    "nextAttemptAt" text NOT NULL,
    "lastError" text,
    "createdAt" text NOT NULL
);
CREATE INDEX IF NOT EXISTS "mail_outbox_next_idx" ON "mail_outbox" ("nextAttemptAt");
