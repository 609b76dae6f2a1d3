-- The portfolio summary's figures (API.md section 7), kept up to date by triggers inside the
-- transactions that change them: computing the summary reads a few small rows instead of
-- scanning use_cases and usage_reports, and no writer, whatever its path, can forget them.
--
-- The triggers append a delta per row change instead of updating the totals in place: a total
-- every writer updated would be locked from the write to the commit and serialise whole
-- transactions, where an append takes no lock another writer waits for. The figures are the
-- totals plus the deltas (the views below); `portfolio_fold()`, run every few seconds, moves the
-- deltas into the totals.
--
-- A trigger that changes a figure shown says so for the rest of its transaction
-- (`tollgate.figures_changed`, or `tollgate.oldest_changed_period` for usage reports); the
-- transaction's events, appended under the writers' lock, then
-- move portfolio_figures to its last event (a trigger on events, so every server version that
-- writes events keeps it). The summary is "as of" that event: its document, and ETag, change when
-- and only when a figure does.

-- Nothing writes these tables while their totals are counted (for about a second per 100,000
-- usage reports, whose emissions are back-filled).
LOCK TABLE use_cases, usage_reports, gate_reviews, events IN SHARE ROW EXCLUSIVE MODE;

-- Per stage and risk tier: the use cases, their funding, their spending, and the expected annual
-- benefit of those not retired. Sums are numeric: a total never refuses a write by overflowing.
CREATE TABLE portfolio_use_case_totals (
    stage                          text NOT NULL,
    risk_tier                      text NOT NULL,
    use_cases                      bigint NOT NULL,
    approved_funding_cents         numeric NOT NULL,
    spent_cents                    numeric NOT NULL,
    expected_annual_benefit_cents  numeric NOT NULL,
    PRIMARY KEY (stage, risk_tier)
);

-- Per usage period: its reports' tokens, energy, emissions (grams) and realized benefit.
CREATE TABLE portfolio_period_totals (
    period                  text PRIMARY KEY,
    reports                 bigint NOT NULL,
    tokens                  numeric NOT NULL,
    energy_kwh              numeric NOT NULL,
    co2e_g                  numeric NOT NULL,
    realized_benefit_cents  numeric NOT NULL
);

-- Changes not folded into the totals yet: appended by the triggers, moved by portfolio_fold().
CREATE TABLE portfolio_use_case_deltas (LIKE portfolio_use_case_totals);
CREATE TABLE portfolio_period_deltas (LIKE portfolio_period_totals);

-- The figures: totals and deltas together.
CREATE VIEW portfolio_use_case_figures AS
SELECT stage, risk_tier, sum(use_cases) AS use_cases, sum(approved_funding_cents) AS approved_funding_cents,
       sum(spent_cents) AS spent_cents, sum(expected_annual_benefit_cents) AS expected_annual_benefit_cents
FROM (SELECT * FROM portfolio_use_case_totals UNION ALL SELECT * FROM portfolio_use_case_deltas) AS t
GROUP BY stage, risk_tier;

CREATE VIEW portfolio_period_figures AS
SELECT period, sum(reports) AS reports, sum(tokens) AS tokens, sum(energy_kwh) AS energy_kwh, sum(co2e_g) AS co2e_g,
       sum(realized_benefit_cents) AS realized_benefit_cents
FROM (SELECT * FROM portfolio_period_totals UNION ALL SELECT * FROM portfolio_period_deltas) AS t
GROUP BY period;

-- Moves every delta into the totals in one statement and returns how many it moved: a delta
-- committed meanwhile is not in the statement's snapshot and waits for the next fold; concurrent
-- folds each move a delta once (the second one's DELETE skips rows the first deleted).
CREATE FUNCTION portfolio_fold() RETURNS bigint LANGUAGE sql AS $$
    WITH moved_use_cases AS (DELETE FROM portfolio_use_case_deltas RETURNING *),
    use_cases AS (
        INSERT INTO portfolio_use_case_totals AS t
            (stage, risk_tier, use_cases, approved_funding_cents, spent_cents, expected_annual_benefit_cents)
        SELECT stage, risk_tier, sum(use_cases), sum(approved_funding_cents), sum(spent_cents), sum(expected_annual_benefit_cents)
        FROM moved_use_cases GROUP BY stage, risk_tier ORDER BY stage, risk_tier
        ON CONFLICT (stage, risk_tier) DO UPDATE SET
            use_cases = t.use_cases + excluded.use_cases,
            approved_funding_cents = t.approved_funding_cents + excluded.approved_funding_cents,
            spent_cents = t.spent_cents + excluded.spent_cents,
            expected_annual_benefit_cents = t.expected_annual_benefit_cents + excluded.expected_annual_benefit_cents),
    moved_periods AS (DELETE FROM portfolio_period_deltas RETURNING *),
    periods AS (
        INSERT INTO portfolio_period_totals AS t (period, reports, tokens, energy_kwh, co2e_g, realized_benefit_cents)
        SELECT period, sum(reports), sum(tokens), sum(energy_kwh), sum(co2e_g), sum(realized_benefit_cents)
        FROM moved_periods GROUP BY period ORDER BY period
        ON CONFLICT (period) DO UPDATE SET
            reports = t.reports + excluded.reports,
            tokens = t.tokens + excluded.tokens,
            energy_kwh = t.energy_kwh + excluded.energy_kwh,
            co2e_g = t.co2e_g + excluded.co2e_g,
            realized_benefit_cents = t.realized_benefit_cents + excluded.realized_benefit_cents)
    SELECT (SELECT count(*) FROM moved_use_cases) + (SELECT count(*) FROM moved_periods);
$$;

-- The event at which a figure last changed, and its time (ages are measured at it).
CREATE TABLE portfolio_figures (
    id         integer PRIMARY KEY CHECK (id = 1),
    as_of_seq  bigint NOT NULL,
    as_of      timestamptz
);

-- A report's emissions are its energy at its use case's grid carbon when it was reported: a
-- later change of the estimate does not rewrite a past period.
ALTER TABLE usage_reports ADD COLUMN co2e_g numeric NOT NULL DEFAULT 0;
UPDATE usage_reports r SET co2e_g = r.energy_kwh * coalesce((u.estimates ->> 'grid_carbon_g_per_kwh')::numeric, 0)
FROM use_cases u WHERE u.id = r.use_case_id;

CREATE FUNCTION usage_report_co2e() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.energy_kwh IS DISTINCT FROM OLD.energy_kwh OR NEW.updated_at IS DISTINCT FROM OLD.updated_at THEN
        NEW.co2e_g := NEW.energy_kwh * coalesce(
            (SELECT (estimates ->> 'grid_carbon_g_per_kwh')::numeric FROM use_cases WHERE id = NEW.use_case_id), 0);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER usage_report_co2e BEFORE INSERT OR UPDATE ON usage_reports FOR EACH ROW EXECUTE FUNCTION usage_report_co2e();

-- A use case's expected annual benefit as the figures count it: none once retired.
CREATE FUNCTION portfolio_benefit(stage text, estimates json) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN stage = 'retired' THEN 0 ELSE coalesce((estimates ->> 'expected_annual_benefit_cents')::numeric, 0) END
$$;

-- Row triggers: an update that moves no figure is filtered by WHEN before any function runs.
CREATE FUNCTION portfolio_use_case_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN  -- what the row counted before, taken away
        INSERT INTO portfolio_use_case_deltas VALUES
            (OLD.stage, OLD.risk_tier, -1, -OLD.approved_funding_cents, -OLD.spent_cents, -portfolio_benefit(OLD.stage, OLD.estimates));
    END IF;
    IF TG_OP <> 'DELETE' THEN  -- what it counts now
        INSERT INTO portfolio_use_case_deltas VALUES
            (NEW.stage, NEW.risk_tier, 1, NEW.approved_funding_cents, NEW.spent_cents, portfolio_benefit(NEW.stage, NEW.estimates));
    END IF;
    PERFORM set_config('tollgate.figures_changed', 'on', true);
    RETURN NULL;
END $$;
CREATE TRIGGER portfolio_use_case_added_or_removed AFTER INSERT OR DELETE ON use_cases
    FOR EACH ROW EXECUTE FUNCTION portfolio_use_case_changed();
CREATE TRIGGER portfolio_use_case_changed AFTER UPDATE ON use_cases FOR EACH ROW
    WHEN (OLD.stage IS DISTINCT FROM NEW.stage OR OLD.risk_tier IS DISTINCT FROM NEW.risk_tier
          OR OLD.approved_funding_cents IS DISTINCT FROM NEW.approved_funding_cents OR OLD.spent_cents IS DISTINCT FROM NEW.spent_cents
          OR (OLD.estimates ->> 'expected_annual_benefit_cents') IS DISTINCT FROM (NEW.estimates ->> 'expected_annual_benefit_cents'))
    EXECUTE FUNCTION portfolio_use_case_changed();

-- The summary shows the newest period's tokens and energy and the newest three periods' realized
-- benefit: a change to an older period moves no figure shown.
CREATE FUNCTION portfolio_usage_report_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed_period text;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO portfolio_period_deltas VALUES
            (OLD.period, -1, -(OLD.tokens_input::numeric + OLD.tokens_output), -OLD.energy_kwh, -OLD.co2e_g, -OLD.realized_benefit_cents);
        changed_period := OLD.period;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO portfolio_period_deltas VALUES
            (NEW.period, 1, NEW.tokens_input::numeric + NEW.tokens_output, NEW.energy_kwh, NEW.co2e_g, NEW.realized_benefit_cents);
        changed_period := least(changed_period, NEW.period);
    END IF;
    -- Whether that period is one the summary shows is decided once, when the transaction's events
    -- are appended (portfolio_figures_advance): a query per row would make a bulk load quadratic.
    PERFORM set_config('tollgate.oldest_changed_period',
                       least(nullif(current_setting('tollgate.oldest_changed_period', true), ''), changed_period), true);
    RETURN NULL;
END $$;
CREATE TRIGGER portfolio_usage_report_added_or_removed AFTER INSERT OR DELETE ON usage_reports
    FOR EACH ROW EXECUTE FUNCTION portfolio_usage_report_changed();
CREATE TRIGGER portfolio_usage_report_changed AFTER UPDATE ON usage_reports FOR EACH ROW
    WHEN ((OLD.period, OLD.tokens_input, OLD.tokens_output, OLD.energy_kwh, OLD.co2e_g, OLD.realized_benefit_cents)
          IS DISTINCT FROM (NEW.period, NEW.tokens_input, NEW.tokens_output, NEW.energy_kwh, NEW.co2e_g, NEW.realized_benefit_cents))
    EXECUTE FUNCTION portfolio_usage_report_changed();

-- The approval queues are read from gate_reviews (a partial index keeps that small); a change to
-- a pending review's queue figures marks the transaction.
CREATE FUNCTION portfolio_gate_review_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP = 'INSERT' AND NEW.status = 'pending')
        OR (TG_OP = 'DELETE' AND OLD.status = 'pending')
        OR (TG_OP = 'UPDATE' AND (OLD.status = 'pending' OR NEW.status = 'pending')
            AND (OLD.status, OLD.needs, OLD.created_at, OLD.expires_at) IS DISTINCT FROM
                (NEW.status, NEW.needs, NEW.created_at, NEW.expires_at))
    THEN
        PERFORM set_config('tollgate.figures_changed', 'on', true);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER portfolio_gate_review_changed AFTER INSERT OR UPDATE OR DELETE ON gate_reviews
    FOR EACH ROW EXECUTE FUNCTION portfolio_gate_review_changed();
CREATE INDEX gate_reviews_pending_created ON gate_reviews (created_at) WHERE status = 'pending';

-- A transaction that changed a figure shown: the summary is now as of its event (its last, as
-- they are appended in seq order), ages measured at that event's time, which never goes back.
-- A transaction that changed only usage reports moves it when one of their periods is among the
-- newest three with reports (decided at its first event).
CREATE FUNCTION portfolio_figures_advance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    oldest_period text := nullif(current_setting('tollgate.oldest_changed_period', true), '');
BEGIN
    IF coalesce(current_setting('tollgate.figures_changed', true), '') <> 'on' THEN
        PERFORM set_config('tollgate.oldest_changed_period', '', true);
        IF (SELECT count(*) FROM portfolio_period_figures WHERE reports > 0 AND period > oldest_period) >= 3 THEN
            RETURN NULL;  -- only periods older than those shown
        END IF;
        PERFORM set_config('tollgate.figures_changed', 'on', true);
    END IF;
    UPDATE portfolio_figures SET as_of_seq = greatest(as_of_seq, NEW.seq), as_of = greatest(as_of, NEW.occurred_at) WHERE id = 1;
    RETURN NULL;
END $$;
CREATE TRIGGER portfolio_figures_advance AFTER INSERT ON events FOR EACH ROW
    WHEN (current_setting('tollgate.figures_changed', true) = 'on' OR current_setting('tollgate.oldest_changed_period', true) <> '')
    EXECUTE FUNCTION portfolio_figures_advance();

-- The totals of what exists already, as of the newest event.
INSERT INTO portfolio_use_case_totals
SELECT stage, risk_tier, count(*), sum(approved_funding_cents), sum(spent_cents), sum(portfolio_benefit(stage, estimates))
FROM use_cases GROUP BY stage, risk_tier;
INSERT INTO portfolio_period_totals
SELECT period, count(*), sum(tokens_input::numeric + tokens_output), sum(energy_kwh), sum(co2e_g), sum(realized_benefit_cents)
FROM usage_reports GROUP BY period;
INSERT INTO portfolio_figures (id, as_of_seq, as_of)
VALUES (1, coalesce((SELECT max(seq) FROM events), 0), (SELECT occurred_at FROM events ORDER BY seq DESC LIMIT 1));
