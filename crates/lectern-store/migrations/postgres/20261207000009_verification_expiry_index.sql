-- no-transaction
-- As for sessions (previous migration): expired verification rows are deleted by expiry.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "lectern_verification_expires_idx" ON "verification" ("expiresAt");
