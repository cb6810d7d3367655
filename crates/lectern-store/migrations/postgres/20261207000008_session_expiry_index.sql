-- no-transaction
-- The periodic cleanup deletes expired sessions by their expiry; without this index each of
-- its batches would read the whole table. CONCURRENTLY: on an existing Better Auth database
-- with millions of sessions, building it must not block sign-ins (one statement per file,
-- since CONCURRENTLY cannot run in a transaction).
CREATE INDEX CONCURRENTLY IF NOT EXISTS "lectern_session_expires_idx" ON "session" ("expiresAt");
