-- A chat's history page filters by owner and chat and reads the newest first: one index
-- serves it without sorting the chat, and every lookup by owner alone, so it replaces the
-- index on "userId".
CREATE INDEX IF NOT EXISTS "lectern_chat_message_owner_chat_idx" ON "chat_message" ("userId", "chatId", "id");
DROP INDEX IF EXISTS "chat_message_userId_idx";
