-- Better Auth 1.7's admin plugin (`packages/better-auth/src/plugins/admin/schema.ts`): a role
-- per user, bans, and the admin behind an impersonation session; the same columns as the
-- PostgreSQL migration in SQLite's types (SQLite has no ADD COLUMN IF NOT EXISTS; the
-- migrator applies this file once).
ALTER TABLE "user" ADD COLUMN "role" text DEFAULT 'user';
ALTER TABLE "user" ADD COLUMN "banned" integer DEFAULT 0;
ALTER TABLE "user" ADD COLUMN "banReason" text;
ALTER TABLE "user" ADD COLUMN "banExpires" text;
ALTER TABLE "session" ADD COLUMN "impersonatedBy" text;
