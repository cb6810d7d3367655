-- What the author's dashboard (/admin) aggregates, recorded as readers ask (see
-- docs/insights.md). None of these rows holds anything a reader typed beyond what
-- "chat_message" already holds; each goes with its answer (and so with its reader's account)
-- through the cascades. Nothing here is written with LECTERN_INSIGHTS=off.

-- One row per answer: how well retrieval went and how the answer was written.
CREATE TABLE IF NOT EXISTS "answer_insight" (
    "messageId" text NOT NULL PRIMARY KEY REFERENCES "chat_message" ("id") ON DELETE CASCADE,
    "userId" text NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE,
    -- The question this answers (a "chat_message" of role user).
    "questionId" text NOT NULL,
    "createdAt" timestamptz NOT NULL,
    -- The best passage's BM25 score; NULL when retrieval found no passage.
    "bestScore" real,
    -- The rarity-weighted share of the question's words in the best passages, 0 to 1.
    "coverage" real NOT NULL,
    "unanswered" boolean NOT NULL,
    -- 'extractive' or 'model'.
    "mode" text NOT NULL,
    -- Milliseconds to the first piece of the answer, to two significant digits.
    "firstTokenMs" integer,
    -- NULL while the answer is written; then 'complete', or the code it ended with.
    "outcome" text,
    -- The previous answer in the chat, when this question asks it again in other words
    -- right after it: that answer did not help.
    "repeatOf" text
);
-- Covering: the dashboard's series read only the index.
CREATE INDEX IF NOT EXISTS "answer_insight_createdAt_idx" ON "answer_insight" ("createdAt") INCLUDE ("userId", "mode", "outcome", "firstTokenMs");
CREATE INDEX IF NOT EXISTS "answer_insight_userId_idx" ON "answer_insight" ("userId");
CREATE INDEX IF NOT EXISTS "answer_insight_weak_idx" ON "answer_insight" ("createdAt") WHERE "unanswered";
CREATE INDEX IF NOT EXISTS "answer_insight_repeat_idx" ON "answer_insight" ("createdAt") WHERE "repeatOf" IS NOT NULL;

-- The sections each answer cited, best first.
CREATE TABLE IF NOT EXISTS "answer_section" (
    "messageId" text NOT NULL REFERENCES "answer_insight" ("messageId") ON DELETE CASCADE,
    "rank" smallint NOT NULL,
    "url" text NOT NULL,
    "createdAt" timestamptz NOT NULL,
    PRIMARY KEY ("messageId", "rank")
);
CREATE INDEX IF NOT EXISTS "answer_section_createdAt_idx" ON "answer_section" ("createdAt", "url");

-- A guest who became an account (the merge deletes the guest, so nothing else remembers).
CREATE TABLE IF NOT EXISTS "guest_conversion" (
    "id" text NOT NULL PRIMARY KEY,
    "createdAt" timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS "guest_conversion_createdAt_idx" ON "guest_conversion" ("createdAt");

-- The questionnaire's choices one per row, kept with "reader_profile", so a distribution is
-- a GROUP BY and a filter by background a join.
CREATE TABLE IF NOT EXISTS "profile_answer" (
    "userId" text NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE,
    "question" text NOT NULL,
    "value" text NOT NULL,
    -- When the reader first answered the questionnaire ("reader_profile"."createdAt").
    "createdAt" timestamptz NOT NULL,
    PRIMARY KEY ("userId", "question", "value")
);
CREATE INDEX IF NOT EXISTS "profile_answer_question_value_idx" ON "profile_answer" ("question", "value", "userId");
CREATE INDEX IF NOT EXISTS "profile_answer_createdAt_idx" ON "profile_answer" ("createdAt", "question", "value");
INSERT INTO "profile_answer" ("userId", "question", "value", "createdAt")
SELECT p."userId", kv.key, v.value, p."createdAt"
FROM "reader_profile" p
CROSS JOIN LATERAL jsonb_each(p."answers"::jsonb) AS kv
CROSS JOIN LATERAL jsonb_array_elements_text(
    CASE jsonb_typeof(kv.value) WHEN 'array' THEN kv.value ELSE jsonb_build_array(kv.value) END
) AS v (value)
WHERE length(v.value) <= 64
ON CONFLICT DO NOTHING;

-- Sign-ups by day, and readers who stopped at the questionnaire; not-helpful answers.
CREATE INDEX IF NOT EXISTS "user_createdAt_idx" ON "user" ("createdAt");
CREATE INDEX IF NOT EXISTS "reader_profile_createdAt_idx" ON "reader_profile" ("createdAt");
CREATE INDEX IF NOT EXISTS "message_feedback_rating_idx" ON "message_feedback" ("rating", "updatedAt");
