-- Personal API tokens (SPEC §10): `Authorization: Bearer <token>` acts as the
-- user who made it in the UI. The table came with the first migration; this
-- adds the token's visible prefix (the UI lists `klx_AbCd1234…`, never the
-- token, which is stored only as its SHA-256) and the lookups the api makes.

-- AlterTable
ALTER TABLE "api_tokens" ADD COLUMN "prefix" TEXT NOT NULL DEFAULT '';

-- A name the UI can show: 1 to 100 characters
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_name_length" CHECK (char_length("name") BETWEEN 1 AND 100);

-- CreateIndex
CREATE INDEX "api_tokens_user_id_created_at_idx" ON "api_tokens"("user_id", "created_at");

-- DropIndex (the new index covers lookups by user)
DROP INDEX "api_tokens_user_id_idx";
