-- Better Auth 1.7's admin plugin (`packages/better-auth/src/plugins/admin/schema.ts`): a role
-- per user, bans, and the admin behind an impersonation session. Lectern always serves the
-- plugin's routes, so a Better Auth server sharing this database should list `admin()` among
-- its plugins; one without it ignores these columns. Idempotent: on a database Better Auth's
-- own migration made with the plugin, the columns are already there and keep their defaults.
ALTER TABLE "user" ADD COLUMN IF NOT EXISTS "role" text DEFAULT 'user';
ALTER TABLE "user" ADD COLUMN IF NOT EXISTS "banned" boolean DEFAULT false;
ALTER TABLE "user" ADD COLUMN IF NOT EXISTS "banReason" text;
ALTER TABLE "user" ADD COLUMN IF NOT EXISTS "banExpires" timestamptz;
ALTER TABLE "session" ADD COLUMN IF NOT EXISTS "impersonatedBy" text;
