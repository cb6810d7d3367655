-- The periodic cleanup deletes expired sessions and tokens by their expiry; without these
-- indexes each of its batches would read the whole table.
CREATE INDEX IF NOT EXISTS "lectern_session_expires_idx" ON "session" ("expiresAt");
CREATE INDEX IF NOT EXISTS "lectern_verification_expires_idx" ON "verification" ("expiresAt");
