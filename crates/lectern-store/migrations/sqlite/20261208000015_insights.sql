-- What the author's dashboard (/admin) aggregates, recorded as readers ask (see
-- docs/insights.md and the PostgreSQL migration of the same name for each column).
-- Nothing here is written with LECTERN_INSIGHTS=off.
CREATE TABLE IF NOT EXISTS "answer_insight" (
    "messageId" text NOT NULL PRIMARY KEY REFERENCES "chat_message" ("id") ON DELETE CASCADE,
    "userId" text NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE,
    "questionId" text NOT NULL,
    "createdAt" text NOT NULL,
    "bestScore" real,
    "coverage" real NOT NULL,
    "unanswered" integer NOT NULL,
    "mode" text NOT NULL,
    "firstTokenMs" integer,
    "outcome" text,
    "repeatOf" text
);
CREATE INDEX IF NOT EXISTS "answer_insight_createdAt_idx" ON "answer_insight" ("createdAt", "userId", "mode", "outcome", "firstTokenMs");
CREATE INDEX IF NOT EXISTS "answer_insight_userId_idx" ON "answer_insight" ("userId");
CREATE INDEX IF NOT EXISTS "answer_insight_weak_idx" ON "answer_insight" ("createdAt") WHERE "unanswered";
CREATE INDEX IF NOT EXISTS "answer_insight_repeat_idx" ON "answer_insight" ("createdAt") WHERE "repeatOf" IS NOT NULL;

CREATE TABLE IF NOT EXISTS "answer_section" (
    "messageId" text NOT NULL REFERENCES "answer_insight" ("messageId") ON DELETE CASCADE,
    "rank" integer NOT NULL,
    "url" text NOT NULL,
    "createdAt" text NOT NULL,
    PRIMARY KEY ("messageId", "rank")
);
CREATE INDEX IF NOT EXISTS "answer_section_createdAt_idx" ON "answer_section" ("createdAt", "url");

CREATE TABLE IF NOT EXISTS "guest_conversion" (
    "id" text NOT NULL PRIMARY KEY,
    "createdAt" text NOT NULL
);
CREATE INDEX IF NOT EXISTS "guest_conversion_createdAt_idx" ON "guest_conversion" ("createdAt");

CREATE TABLE IF NOT EXISTS "profile_answer" (
    "userId" text NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE,
    "question" text NOT NULL,
    "value" text NOT NULL,
    -- When the reader first answered the questionnaire ("reader_profile"."createdAt").
    "createdAt" text NOT NULL,
    PRIMARY KEY ("userId", "question", "value")
);
CREATE INDEX IF NOT EXISTS "profile_answer_question_value_idx" ON "profile_answer" ("question", "value", "userId");
CREATE INDEX IF NOT EXISTS "profile_answer_createdAt_idx" ON "profile_answer" ("createdAt", "question", "value");
INSERT OR IGNORE INTO "profile_answer" ("userId", "question", "value", "createdAt")
SELECT p."userId", kv.key, v.value, p."createdAt"
FROM "reader_profile" p, json_each(p."answers") AS kv,
     json_each(p."answers", '$."' || kv.key || '"') AS v
WHERE v.type = 'text' AND length(v.value) <= 64;

CREATE INDEX IF NOT EXISTS "user_createdAt_idx" ON "user" ("createdAt");
CREATE INDEX IF NOT EXISTS "reader_profile_createdAt_idx" ON "reader_profile" ("createdAt");
CREATE INDEX IF NOT EXISTS "message_feedback_rating_idx" ON "message_feedback" ("rating", "updatedAt");
