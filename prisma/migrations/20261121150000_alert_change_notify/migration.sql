-- Live alert changes for the web UI's event stream (GET /api/v1/stream).
-- Each api process LISTENs on "klaxon_alert_changes"; PostgreSQL delivers a
-- notification when the transaction that changed the alert commits (never
-- for a rolled-back one). The trigger only builds a small JSON object
-- (well under pg_notify's 8000-byte limit), so it stays cheap inside
-- triage's transaction. A batch that changes many alerts sends one
-- notification per row.
CREATE OR REPLACE FUNCTION "klaxon_notify_alert_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    "event" TEXT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW."status" = 'resolved' THEN
            RETURN NULL;
        END IF;
        "event" := 'opened';
    ELSIF NEW."status" = 'resolved' AND OLD."status" IS DISTINCT FROM 'resolved' THEN
        "event" := 'resolved';
    ELSIF NEW."status" IS DISTINCT FROM OLD."status"
        OR NEW."count" IS DISTINCT FROM OLD."count"
        OR NEW."silenced" IS DISTINCT FROM OLD."silenced"
        OR NEW."priority" IS DISTINCT FROM OLD."priority"
        OR NEW."acknowledged_by" IS DISTINCT FROM OLD."acknowledged_by"
        OR NEW."escalation_step" IS DISTINCT FROM OLD."escalation_step" THEN
        "event" := 'changed';
    ELSE
        -- updated_at churn and other bookkeeping: nothing the UI shows changed
        RETURN NULL;
    END IF;

    PERFORM pg_notify('klaxon_alert_changes', json_build_object(
        'event', "event",
        'number', NEW."number",
        'status', NEW."status",
        'priority', NEW."priority",
        'host', left(NEW."host", 512),
        'silenced', NEW."silenced"
    )::text);
    RETURN NULL;
END;
$$;

-- AFTER ... FOR EACH ROW: sees the final row, and cannot alter or block the write.
CREATE TRIGGER "alerts_notify_change"
    AFTER INSERT OR UPDATE ON "alerts"
    FOR EACH ROW EXECUTE FUNCTION "klaxon_notify_alert_change"();
