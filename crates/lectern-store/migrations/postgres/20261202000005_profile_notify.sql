-- Processes remember whether a user has a reader profile; tell all of them (on the session
-- cache's channel, payload: the user id) when one is created, moved or removed.
CREATE OR REPLACE FUNCTION lectern_profile_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_notify('lectern_auth', OLD."userId");
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pg_notify('lectern_auth', NEW."userId");
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS lectern_profile_changed ON "reader_profile";
CREATE TRIGGER lectern_profile_changed AFTER INSERT OR UPDATE OF "userId" OR DELETE ON "reader_profile"
    FOR EACH ROW EXECUTE FUNCTION lectern_profile_notify();
