-- AlterTable
ALTER TABLE "notifications" ADD COLUMN     "meta" JSONB NOT NULL DEFAULT '{}';

-- A phone's reply code is looked up among the codes it holds now.
CREATE INDEX "reply_codes_phone_released_at_idx" ON "reply_codes"("phone", "released_at");
