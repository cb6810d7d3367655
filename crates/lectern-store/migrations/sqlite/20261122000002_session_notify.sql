-- PostgreSQL adds triggers here that notify other processes of session changes. A SQLite
-- database is served by one process, which evicts its own cache; nothing to do.
SELECT 1;
