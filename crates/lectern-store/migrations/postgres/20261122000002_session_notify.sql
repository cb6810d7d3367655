-- Every process caches live sessions; these triggers tell all of them (NOTIFY lectern_auth,
-- payload: the user id) when a session or user changes or goes, whichever server made the
-- change, including a Better Auth server sharing this database.
CREATE OR REPLACE FUNCTION lectern_auth_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'session' THEN
        PERFORM pg_notify('lectern_auth', OLD."userId");
    ELSE
        PERFORM pg_notify('lectern_auth', OLD."id");
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS lectern_session_changed ON "session";
CREATE TRIGGER lectern_session_changed AFTER UPDATE OR DELETE ON "session"
    FOR EACH ROW EXECUTE FUNCTION lectern_auth_notify();

DROP TRIGGER IF EXISTS lectern_user_changed ON "user";
CREATE TRIGGER lectern_user_changed AFTER UPDATE OR DELETE ON "user"
    FOR EACH ROW EXECUTE FUNCTION lectern_auth_notify();
