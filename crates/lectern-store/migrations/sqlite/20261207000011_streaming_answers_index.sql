-- Every start marks answers whose process died as interrupted (`status = 'streaming'` and a
-- stale `updatedAt`); this partial index keeps that search off the whole message table.
CREATE INDEX IF NOT EXISTS "lectern_chat_message_streaming_idx" ON "chat_message" ("updatedAt") WHERE "status" = 'streaming';
