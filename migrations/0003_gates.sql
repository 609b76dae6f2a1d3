-- ROI gates: versioned gate policies, gate reviews and their decisions, usage reports, and the
-- use case's funding bookkeeping (budget alerts, the approved envelope).

-- The seeded versions are API.md section 6's table; production's is its example document to the
-- letter (so `min_usage_months` is 0 there, a criterion that every use case passes).
-- Every version of every gate's policy; a version is never changed. The current policy of a
-- gate is its highest version. `document` is the policy as the API renders it, without the
-- stage, version and created_at columns.
CREATE TABLE gate_policies (
    stage       text NOT NULL CHECK (stage IN ('pilot', 'production', 'scaled')),
    version     integer NOT NULL CHECK (version >= 1),
    document    json NOT NULL,
    created_at  timestamptz NOT NULL,
    created_by  text,
    PRIMARY KEY (stage, version)
);
INSERT INTO gate_policies (stage, version, document, created_at) VALUES
('pilot', 1, '{"approvals": [{"function": "finance", "min": 1}, {"function": "risk", "min": 1, "when": {"risk_tier": ["high"]}}], "criteria": {"min_roi_pct": null, "max_payback_months": 36, "min_npv_cents": null, "max_annual_co2e_kg": null, "max_cost_per_million_tokens_cents": null, "min_usage_months": null, "min_realized_roi_pct": null, "forbidden_risk_tiers": ["unacceptable"]}, "review_ttl_days": 30}', now()),
('production', 1, '{"approvals": [{"function": "finance", "min": 1}, {"function": "risk", "min": 1}, {"function": "security", "min": 1}, {"function": "legal", "min": 1, "when": {"data_classification": ["restricted"]}}], "criteria": {"min_roi_pct": 20, "max_payback_months": 24, "min_npv_cents": 0, "max_annual_co2e_kg": null, "max_cost_per_million_tokens_cents": null, "min_usage_months": 0, "min_realized_roi_pct": null, "forbidden_risk_tiers": ["unacceptable"]}, "review_ttl_days": 30}', now()),
('scaled', 1, '{"approvals": [{"function": "finance", "min": 2}, {"function": "risk", "min": 1}, {"function": "executive", "min": 1}], "criteria": {"min_roi_pct": null, "max_payback_months": null, "min_npv_cents": null, "max_annual_co2e_kg": null, "max_cost_per_million_tokens_cents": null, "min_usage_months": 3, "min_realized_roi_pct": 25, "forbidden_risk_tiers": ["unacceptable"]}, "review_ttl_days": 30}', now());

-- A review of one use case's move into `target_stage`. `round` counts evaluations: a resubmit or
-- a reset by a material change starts a new round, and only the current round's decisions count.
-- `needs` lists the functions still short of approvals in the current round (the approver queues).
CREATE TABLE gate_reviews (
    id                       text PRIMARY KEY,
    use_case_id              text NOT NULL REFERENCES use_cases (id),
    target_stage             text NOT NULL CHECK (target_stage IN ('pilot', 'production', 'scaled')),
    status                   text NOT NULL CHECK (status IN ('pending', 'criteria_failed', 'approved', 'rejected',
                                                             'changes_requested', 'withdrawn', 'expired')),
    requested_funding_cents  bigint NOT NULL CHECK (requested_funding_cents >= 0),
    justification            text NOT NULL,
    requested_by             text NOT NULL REFERENCES principals (id),
    policy_version           integer NOT NULL,
    round                    integer NOT NULL DEFAULT 1,
    snapshot                 json NOT NULL,   -- what is under review: estimates, metrics, classification
    snapshot_hash            text NOT NULL,
    evaluation               json NOT NULL,   -- {passed, criteria, metrics}
    required                 json NOT NULL,   -- [{function, min}] of the current round
    needs                    text[] NOT NULL DEFAULT '{}',
    created_at               timestamptz NOT NULL,
    updated_at               timestamptz NOT NULL,
    expires_at               timestamptz NOT NULL,
    closed_at                timestamptz,
    list_seq                 bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    FOREIGN KEY (target_stage, policy_version) REFERENCES gate_policies (stage, version)
);
-- At most one open review per use case; the handlers check first, this is the last word.
CREATE UNIQUE INDEX gate_reviews_one_open ON gate_reviews (use_case_id) WHERE status IN ('pending', 'changes_requested');
CREATE INDEX gate_reviews_use_case ON gate_reviews (use_case_id, list_seq DESC);
CREATE INDEX gate_reviews_status ON gate_reviews (status, list_seq DESC);
CREATE INDEX gate_reviews_pending_expiry ON gate_reviews (expires_at) WHERE status = 'pending';

CREATE TABLE gate_decisions (
    id              text PRIMARY KEY,
    gate_review_id  text NOT NULL REFERENCES gate_reviews (id),
    round           integer NOT NULL,
    principal_id    text NOT NULL REFERENCES principals (id),
    function        text NOT NULL,
    decision        text NOT NULL CHECK (decision IN ('approve', 'reject', 'request_changes')),
    comment         text NOT NULL DEFAULT '',
    snapshot_hash   text NOT NULL,
    created_at      timestamptz NOT NULL,
    list_seq        bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    UNIQUE (gate_review_id, round, principal_id)
);

-- One report per use case and period (`YYYY-MM`); a PUT replaces it.
CREATE TABLE usage_reports (
    use_case_id             text NOT NULL REFERENCES use_cases (id),
    period                  text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    tokens_input            bigint NOT NULL CHECK (tokens_input >= 0),
    tokens_output           bigint NOT NULL CHECK (tokens_output >= 0),
    token_cost_cents        bigint NOT NULL CHECK (token_cost_cents >= 0),
    infra_cost_cents        bigint NOT NULL CHECK (infra_cost_cents >= 0),
    energy_cost_cents       bigint NOT NULL CHECK (energy_cost_cents >= 0),
    energy_kwh              numeric NOT NULL CHECK (energy_kwh >= 0),
    realized_benefit_cents  bigint NOT NULL CHECK (realized_benefit_cents >= 0),
    envelope_breach_alerted boolean NOT NULL DEFAULT false,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    PRIMARY KEY (use_case_id, period)
);

-- The use case's funding bookkeeping, not part of its representation: the thresholds that have
-- alerted at the current funding, and the envelope of the last approved gate (null before one).
ALTER TABLE use_cases
    ADD COLUMN budget_alerted_pct integer[] NOT NULL DEFAULT '{}',
    ADD COLUMN envelope_cost_per_million_tokens_cents bigint,
    ADD COLUMN envelope_monthly_cost_cents bigint;
