-- Flap detection (SPEC §4, issue 5). A fingerprint that goes PROBLEM → OK →
-- PROBLEM within the window reopens its last alert instead of paging again;
-- while it flaps, an OK does not resolve it until it has been stable.

-- The flap episode of an open alert. "flapping_since" is set while it is in
-- an episode; "stable_since" is the OK held while flapping (cleared by a later
-- PROBLEM), and "stable_until" when it counts as stable and may resolve.
ALTER TABLE "alerts" ADD COLUMN "flapping_since" TIMESTAMPTZ(3),
                     ADD COLUMN "flap_cycles" INTEGER NOT NULL DEFAULT 0,
                     ADD COLUMN "stable_since" TIMESTAMPTZ(3),
                     ADD COLUMN "stable_until" TIMESTAMPTZ(3);

-- Host-down inhibition: the alert holding this one. The column came with the
-- first migration; this makes it a real reference (set to null if the holder
-- is ever deleted). Its index is in the noise-control migration.
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_inhibited_by_id_fkey" FOREIGN KEY ("inhibited_by_id") REFERENCES "alerts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Per-fingerprint flap memory. A row may now exist before any OK was seen.
-- "last_alert_id": the fingerprint's last alert (opened by a fresh PROBLEM);
-- "flap_cycles": epoch milliseconds of its recent cycles, newest last, kept
-- to the window and a small bound by the planner.
ALTER TABLE "fingerprint_states" ALTER COLUMN "last_ok_seq" DROP NOT NULL,
                                 ALTER COLUMN "last_ok_at" DROP NOT NULL,
                                 ADD COLUMN "last_alert_id" UUID,
                                 ADD COLUMN "flap_cycles" JSONB NOT NULL DEFAULT '[]';
