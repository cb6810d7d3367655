-- Lectern's audit trail: who did what, when, from where, and whether it worked (sign-ups,
-- sign-ins and their failures, password and email changes, revocations, deletions, key
-- rotations…). Lectern's own table: Better Auth never reads or writes it. Rows are only
-- inserted, and deleted by the retention cleanup (`LECTERN_AUDIT_RETENTION`). "userId" has no
-- foreign key on purpose: a deleted user's events, the deletion among them, stay.
CREATE TABLE IF NOT EXISTS "audit_event" (
    "id" text NOT NULL PRIMARY KEY,
    "at" text NOT NULL,
    "event" text NOT NULL,
    "outcome" text NOT NULL CHECK ("outcome" IN ('success', 'failure')),
    "userId" text,
    "ip" text,
    "userAgent" text,
    "detail" text
);
CREATE INDEX IF NOT EXISTS "audit_event_user_at_idx" ON "audit_event" ("userId", "at");
CREATE INDEX IF NOT EXISTS "audit_event_at_idx" ON "audit_event" ("at");
