-- Conversations with the tutor, their messages and the readers' feedback on answers.
-- Every row carries its owner's "userId", so each query is scoped by the caller without a
-- join; ids of messages are time-ordered, so they double as the history's order and cursor.
CREATE TABLE IF NOT EXISTS "chat" (
    "id" text NOT NULL PRIMARY KEY,
    "userId" text NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE,
    "title" text NOT NULL,
    "createdAt" text NOT NULL,
    "updatedAt" text NOT NULL
);
CREATE INDEX IF NOT EXISTS "chat_userId_updatedAt_idx" ON "chat" ("userId", "updatedAt", "id");

CREATE TABLE IF NOT EXISTS "chat_message" (
    "id" text NOT NULL PRIMARY KEY,
    "chatId" text NOT NULL REFERENCES "chat" ("id") ON DELETE CASCADE,
    "userId" text NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE,
    "role" text NOT NULL,
    "content" text NOT NULL,
    "sources" text NOT NULL,
    "status" text NOT NULL,
    "error" text,
    "createdAt" text NOT NULL,
    "updatedAt" text NOT NULL
);
CREATE INDEX IF NOT EXISTS "chat_message_chatId_id_idx" ON "chat_message" ("chatId", "id");
CREATE INDEX IF NOT EXISTS "chat_message_userId_idx" ON "chat_message" ("userId");

CREATE TABLE IF NOT EXISTS "message_feedback" (
    "messageId" text NOT NULL PRIMARY KEY REFERENCES "chat_message" ("id") ON DELETE CASCADE,
    "userId" text NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE,
    "rating" text NOT NULL,
    "comment" text,
    "createdAt" text NOT NULL,
    "updatedAt" text NOT NULL
);
CREATE INDEX IF NOT EXISTS "message_feedback_userId_idx" ON "message_feedback" ("userId");
