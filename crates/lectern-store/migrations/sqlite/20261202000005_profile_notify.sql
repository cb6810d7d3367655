-- PostgreSQL adds a trigger here that tells other processes about new profiles. A SQLite
-- database is served by one process, which updates its own cache; nothing to do.
SELECT 1;
