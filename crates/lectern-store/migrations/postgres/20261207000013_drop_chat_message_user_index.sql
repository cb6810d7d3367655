-- no-transaction
-- Replaced by "lectern_chat_message_owner_chat_idx", whose first column it is.
DROP INDEX CONCURRENTLY IF EXISTS "chat_message_userId_idx";
