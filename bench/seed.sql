-- Fills a migrated Lectern database (PostgreSQL) with :users readers, as bench/scale.sh
-- runs it: each reader has a password account (all sharing the hash :'hash'), three live
-- sessions, a background profile and one chat of five messages. Reader i's email is
-- bench-user-<i>@example.com, their sessions' tokens md5('t<3i>'), md5('t<3i+1>'),
-- md5('t<3i+2>'), their chat's id md5('c<i>'). For 1,000,000 readers: 1,000,000 users and
-- accounts, 3,000,000 sessions, 1,000,000 profiles and 5,000,000 messages.
\set ON_ERROR_STOP on
SET synchronous_commit = off;

INSERT INTO "user" ("id", "name", "email", "emailVerified", "createdAt", "updatedAt", "isAnonymous")
SELECT md5('u' || i), 'Reader ' || i, 'bench-user-' || i || '@example.com', true,
       now() - interval '30 days', now() - interval '30 days', false
FROM generate_series(0, :users - 1) i;

INSERT INTO "account" ("id", "accountId", "providerId", "userId", "password", "createdAt", "updatedAt")
SELECT md5('a' || i), md5('u' || i), 'credential', md5('u' || i), :'hash', now(), now()
FROM generate_series(0, :users - 1) i;

INSERT INTO "session" ("id", "token", "userId", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent")
SELECT md5('s' || i), md5('t' || i), md5('u' || (i / 3)), now() + interval '7 days', now(), now(),
       '10.0.0.1', 'Mozilla/5.0 (seed)'
FROM generate_series(0, 3 * :users - 1) i;

INSERT INTO "reader_profile" ("userId", "answers", "revision", "createdAt", "updatedAt")
SELECT md5('u' || i),
       '{"softwareExperience":"beginner","operatingSystem":"linux","gpu":"none","roboticsHardware":["none"]}',
       1, now(), now()
FROM generate_series(0, :users - 1) i;

INSERT INTO "chat" ("id", "userId", "title", "createdAt", "updatedAt")
SELECT md5('c' || i), md5('u' || i), 'What is a ROS 2 topic?', now() - interval '1 day', now() - interval '1 day'
FROM generate_series(0, :users - 1) i;

-- Message ids are time-ordered (14 hex digits of microseconds, then 18 characters).
INSERT INTO "chat_message" ("id", "chatId", "userId", "role", "content", "sources", "status", "createdAt", "updatedAt")
SELECT lpad(to_hex(1700000000000000 + i * 5 + j), 14, '0') || substr(md5('m' || (i * 5 + j)), 1, 18),
       md5('c' || i), md5('u' || i),
       CASE WHEN j % 2 = 0 THEN 'user' ELSE 'assistant' END,
       CASE WHEN j % 2 = 0 THEN 'How do nodes exchange data in ROS 2?'
            ELSE 'Nodes publish messages on named topics, and any node that subscribes to a topic receives them [1]. Topics are typed, and the QoS settings decide how reliable delivery is.' END,
       '[{"title":"Topics","url":"/docs/ros2/topics#topics","snippet":"A topic is a named channel."}]',
       'complete', now() - interval '1 day', now() - interval '1 day'
FROM generate_series(0, :users - 1) i, generate_series(0, 4) j;

VACUUM ANALYZE;
