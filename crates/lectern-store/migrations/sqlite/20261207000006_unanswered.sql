-- An answer given without the book's support: the question's words were mostly not in the
-- closest sections, so the tutor said the book does not seem to cover it. The author's view
-- lists these questions as what the next edition could answer.
ALTER TABLE "chat_message" ADD COLUMN "unanswered" integer NOT NULL DEFAULT 0;
