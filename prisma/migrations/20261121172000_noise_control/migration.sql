-- Noise control (SPEC §5): notifications held back by quiet hours, a grouping
-- window or the SMS budget wait as `held` until `release_at`, when one flush
-- sends everything due for that destination as one message.
ALTER TYPE "NotificationStatus" ADD VALUE IF NOT EXISTS 'held';

ALTER TABLE "notifications" ADD COLUMN "release_at" TIMESTAMPTZ(3);

-- A flush takes the held notifications of one destination that are due.
-- (A held notification always has release_at; it is cleared when it leaves.)
CREATE INDEX "notifications_held_destination_idx" ON "notifications"("channel", "address", "release_at") WHERE "release_at" IS NOT NULL;

-- Host-down inhibition looks up the open alerts of a host or an address.
CREATE INDEX "alerts_open_host_lower_idx" ON "alerts"(lower("host")) WHERE "status" <> 'resolved';
CREATE INDEX "alerts_open_ip_idx" ON "alerts"("ip") WHERE "status" <> 'resolved' AND "ip" <> '';
CREATE INDEX "alerts_inhibited_by_idx" ON "alerts"("inhibited_by_id") WHERE "inhibited_by_id" IS NOT NULL;

-- A digest lists a policy's open alerts of its tier, newest first.
CREATE INDEX "alerts_open_tier_policy_idx" ON "alerts"("tier", "policy", "first_seen_at") WHERE "status" <> 'resolved';
