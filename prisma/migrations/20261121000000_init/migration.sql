-- CreateEnum
CREATE TYPE "AlertStatus" AS ENUM ('firing', 'acknowledged', 'resolved');

-- CreateEnum
CREATE TYPE "AlertEventType" AS ENUM ('received', 'deduplicated', 'routed', 'silenced', 'unsilenced', 'inhibited', 'flapping', 'notified', 'delivered', 'failed', 'escalated', 'acknowledged', 'resolved');

-- CreateEnum
CREATE TYPE "ActionVia" AS ENUM ('sms', 'voice', 'web', 'api', 'im', 'email', 'source');

-- CreateEnum
CREATE TYPE "NotificationStatus" AS ENUM ('queued', 'sending', 'sent', 'delivered', 'failed', 'undelivered', 'skipped');

-- CreateTable
CREATE TABLE "alerts" (
    "id" UUID NOT NULL,
    "number" BIGSERIAL NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "dedup_key" TEXT,
    "priority" VARCHAR(2) NOT NULL,
    "status" "AlertStatus" NOT NULL DEFAULT 'firing',
    "silenced" BOOLEAN NOT NULL DEFAULT false,
    "host" TEXT NOT NULL,
    "ip" TEXT NOT NULL DEFAULT '',
    "message" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "tier" TEXT,
    "policy" TEXT,
    "count" INTEGER NOT NULL DEFAULT 1,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "last_problem_seq" BIGINT NOT NULL,
    "acknowledged_at" TIMESTAMPTZ(3),
    "acknowledged_by" TEXT,
    "acknowledged_via" "ActionVia",
    "resolved_at" TIMESTAMPTZ(3),
    "resolved_by" TEXT,
    "resolved_via" "ActionVia",
    "escalation_step" INTEGER,
    "escalation_round" INTEGER NOT NULL DEFAULT 0,
    "inhibited_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alerts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_events" (
    "id" BIGSERIAL NOT NULL,
    "alert_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "type" "AlertEventType" NOT NULL,
    "actor" TEXT,
    "via" "ActionVia",
    "detail" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "alert_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "fingerprint_states" (
    "fingerprint" TEXT NOT NULL,
    "last_ok_seq" BIGINT NOT NULL,
    "last_ok_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "fingerprint_states_pkey" PRIMARY KEY ("fingerprint")
);

-- CreateTable
CREATE TABLE "triage_batches" (
    "id" TEXT NOT NULL,
    "alerts" INTEGER NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "outcome" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "triage_batches_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rejected_inputs" (
    "id" BIGSERIAL NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "integration" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "line" INTEGER,
    "input" TEXT NOT NULL,
    "error" TEXT NOT NULL,

    CONSTRAINT "rejected_inputs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notifications" (
    "id" UUID NOT NULL,
    "alert_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "user_id" TEXT,
    "channel" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'page',
    "status" "NotificationStatus" NOT NULL DEFAULT 'queued',
    "provider_id" TEXT,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "silences" (
    "id" UUID NOT NULL,
    "matchers" JSONB NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3),
    "until_alert_id" UUID,
    "author" TEXT NOT NULL,
    "comment" TEXT NOT NULL DEFAULT '',
    "origin" "ActionVia" NOT NULL,
    "expired_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "silences_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reply_codes" (
    "id" BIGSERIAL NOT NULL,
    "phone" TEXT NOT NULL,
    "code" INTEGER NOT NULL,
    "alert_id" UUID NOT NULL,
    "assigned_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "released_at" TIMESTAMPTZ(3),

    CONSTRAINT "reply_codes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "schedule_overrides" (
    "id" UUID NOT NULL,
    "schedule_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "schedule_overrides_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "alerts_number_key" ON "alerts"("number");

-- CreateIndex
CREATE INDEX "alerts_status_priority_first_seen_at_idx" ON "alerts"("status", "priority", "first_seen_at");

-- CreateIndex
CREATE INDEX "alerts_fingerprint_idx" ON "alerts"("fingerprint");

-- CreateIndex
CREATE INDEX "alerts_host_idx" ON "alerts"("host");

-- CreateIndex
CREATE INDEX "alert_events_alert_id_id_idx" ON "alert_events"("alert_id", "id");

-- CreateIndex
CREATE INDEX "triage_batches_processed_at_idx" ON "triage_batches"("processed_at");

-- CreateIndex
CREATE INDEX "rejected_inputs_received_at_idx" ON "rejected_inputs"("received_at");

-- CreateIndex
CREATE UNIQUE INDEX "notifications_key_key" ON "notifications"("key");

-- CreateIndex
CREATE INDEX "notifications_alert_id_idx" ON "notifications"("alert_id");

-- CreateIndex
CREATE INDEX "notifications_provider_id_idx" ON "notifications"("provider_id");

-- CreateIndex
CREATE INDEX "notifications_user_id_created_at_idx" ON "notifications"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "silences_ends_at_idx" ON "silences"("ends_at");

-- CreateIndex
CREATE INDEX "reply_codes_phone_code_idx" ON "reply_codes"("phone", "code");

-- CreateIndex
CREATE INDEX "reply_codes_alert_id_idx" ON "reply_codes"("alert_id");

-- CreateIndex
CREATE INDEX "schedule_overrides_schedule_id_ends_at_idx" ON "schedule_overrides"("schedule_id", "ends_at");

-- CreateIndex
CREATE INDEX "sessions_user_id_idx" ON "sessions"("user_id");

-- CreateIndex
CREATE INDEX "sessions_expires_at_idx" ON "sessions"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "api_tokens_user_id_idx" ON "api_tokens"("user_id");

-- AddForeignKey
ALTER TABLE "alert_events" ADD CONSTRAINT "alert_events_alert_id_fkey" FOREIGN KEY ("alert_id") REFERENCES "alerts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_alert_id_fkey" FOREIGN KEY ("alert_id") REFERENCES "alerts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reply_codes" ADD CONSTRAINT "reply_codes_alert_id_fkey" FOREIGN KEY ("alert_id") REFERENCES "alerts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- One open alert per fingerprint, enforced by the database (not expressible in schema.prisma).
CREATE UNIQUE INDEX "alerts_one_open_per_fingerprint" ON "alerts"("fingerprint") WHERE "status" <> 'resolved';
