-- AlterTable
ALTER TABLE "notifications" ADD COLUMN     "meta" JSONB NOT NULL DEFAULT '{}';

-- A phone's reply code is looked up among the codes it holds now.
CREATE INDEX "reply_codes_phone_released_at_idx" ON "reply_codes"("phone", "released_at");

-- A phone holds each reply code for at most one open alert at a time.
CREATE UNIQUE INDEX "reply_codes_phone_code_held_key" ON "reply_codes"("phone", "code") WHERE "released_at" IS NULL;
