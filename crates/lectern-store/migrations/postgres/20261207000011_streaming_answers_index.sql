-- no-transaction
-- Every start marks answers whose process died as interrupted (`status = 'streaming'` and a
-- stale `updatedAt`). Only a handful of rows ever match, but without this partial index the
-- search reads every message: seconds at each start with millions of them.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "lectern_chat_message_streaming_idx" ON "chat_message" ("updatedAt") WHERE "status" = 'streaming';
