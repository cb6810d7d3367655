-- What the author's dashboard reads, for a database bench/seed.sql filled with :users
-- readers (run by bench/insights.sh after it): each reader's sign-up and profile spread
-- over the last 365 days, a varied questionnaire (profile_answer), and for each of their two
-- answers (messages 1 and 3 of their chat) an answer_insight row a few days after sign-up,
-- with the sections cited, mode, outcome and first-token time; some answers unanswered,
-- asked again or marked not helpful; some guests converted. For 1,000,000 readers:
-- 2,000,000 answers, about 5,000,000 cited sections and 7,000,000 questionnaire choices.
\set ON_ERROR_STOP on
SET synchronous_commit = off;

-- Sign-ups and profiles over a year (reader i joined i*365/users days ago, plus hours).
UPDATE "user" SET "createdAt" = now() - (interval '365 days' * (md5_i / :users::float)) - interval '1 hour'
FROM (SELECT md5('u' || i) AS id, i AS md5_i FROM generate_series(0, :users - 1) i) s
WHERE "user"."id" = s.id;
UPDATE "reader_profile" r SET "createdAt" = u."createdAt" + interval '10 minutes' FROM "user" u WHERE u."id" = r."userId";
-- One reader in eight stopped at the questionnaire.
DELETE FROM "reader_profile" WHERE "userId" IN (SELECT md5('u' || i) FROM generate_series(0, :users - 1, 8) i);

INSERT INTO "profile_answer" ("userId", "question", "value", "createdAt")
SELECT r."userId", q.question, q.value, r."createdAt"
FROM "reader_profile" r
CROSS JOIN LATERAL (SELECT abs(hashtext(r."userId")) AS h) hh
CROSS JOIN LATERAL (VALUES
  ('softwareExperience', (ARRAY['none','beginner','intermediate','advanced'])[1 + hh.h % 4]),
  ('operatingSystem', (ARRAY['linux','windows','macos'])[1 + (hh.h / 4) % 3]),
  ('gpu', (ARRAY['none','nvidia','other'])[1 + (hh.h / 12) % 3]),
  ('roboticsHardware', (ARRAY['none','jetson','arduino','raspberrypi'])[1 + (hh.h / 36) % 4]),
  ('programmingLanguages', 'python'),
  ('programmingLanguages', (ARRAY['cpp','c','javascript','rust'])[1 + (hh.h / 144) % 4]),
  ('frameworks', (ARRAY['ros2','pytorch','opencv','gazebo'])[1 + (hh.h / 576) % 4])
) AS q (question, value)
ON CONFLICT DO NOTHING;

-- Messages 1 and 3 of reader i's chat are answers to messages 0 and 2.
INSERT INTO "answer_insight" ("messageId", "userId", "questionId", "createdAt", "bestScore", "coverage",
                              "unanswered", "mode", "firstTokenMs", "outcome", "repeatOf")
SELECT lpad(to_hex(1700000000000000 + i * 5 + j), 14, '0') || substr(md5('m' || (i * 5 + j)), 1, 18),
       md5('u' || i),
       lpad(to_hex(1700000000000000 + i * 5 + j - 1), 14, '0') || substr(md5('m' || (i * 5 + j - 1)), 1, 18),
       LEAST(now() - interval '1 minute', u."createdAt" + interval '1 hour' * ((i * 7 + j * 13) % 200)),
       CASE WHEN (i + j) % 9 = 0 THEN NULL ELSE 5 + ((i * 31 + j) % 200) / 10.0 END,
       CASE WHEN (i + j) % 9 = 0 THEN 0.1 ELSE 0.6 END,
       (i + j) % 9 = 0,
       CASE WHEN i % 5 < 3 THEN 'model' ELSE 'extractive' END,
       CASE WHEN i % 5 < 3 THEN 300 + ((i * 17 + j) % 120) * 10 ELSE 5 + (i + j) % 20 END,
       CASE WHEN i % 5 < 3 AND (i + j) % 97 = 0 THEN 'LLM_TIMEOUT' ELSE 'complete' END,
       CASE WHEN j = 3 AND i % 13 = 0 THEN lpad(to_hex(1700000000000000 + i * 5 + 1), 14, '0') || substr(md5('m' || (i * 5 + 1)), 1, 18) END
FROM generate_series(0, :users - 1) i
CROSS JOIN (VALUES (1), (3)) AS jj (j)
JOIN "user" u ON u."id" = md5('u' || i);

-- Two or three sections per covered answer, from the sample book's pages.
INSERT INTO "answer_section" ("messageId", "rank", "url", "createdAt")
SELECT a."messageId", r.rank,
       (ARRAY['/docs/ros2/topics#topics', '/docs/ros2/nodes-and-topics', '/docs/robot-description/urdf',
              '/docs/introduction/sense-think-act#a-minimal-loop-in-python', '/docs/perception/cameras',
              '/docs/simulation/gazebo', '/docs/control/pid', '/docs/humanoids/balance'])[1 + (abs(hashtext(a."messageId")) + r.rank * 3) % 8],
       a."createdAt"
FROM "answer_insight" a CROSS JOIN generate_series(0, 2) AS r (rank)
WHERE NOT a."unanswered" AND (r.rank < 2 OR abs(hashtext(a."messageId")) % 2 = 0);

INSERT INTO "message_feedback" ("messageId", "userId", "rating", "comment", "createdAt", "updatedAt")
SELECT a."messageId", a."userId", CASE WHEN abs(hashtext(a."messageId")) % 3 = 0 THEN 'not_helpful' ELSE 'helpful' END,
       CASE WHEN abs(hashtext(a."messageId")) % 6 = 0 THEN 'Too short' END, a."createdAt", a."createdAt"
FROM "answer_insight" a WHERE abs(hashtext(a."messageId")) % 20 = 0
ON CONFLICT DO NOTHING;

INSERT INTO "guest_conversion" ("id", "createdAt")
SELECT md5('g' || i), now() - interval '365 days' * (i / (:users / 20)::float)
FROM generate_series(0, :users / 20 - 1) i;

VACUUM ANALYZE;
