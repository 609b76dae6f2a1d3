-- The portfolio core: principals and their API keys, pods, use cases, settings,
-- the event log, the audit chain and idempotency records.

CREATE TABLE principals (
    id          text PRIMARY KEY,
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    email       text CHECK (char_length(email) <= 320),
    functions   text[] NOT NULL DEFAULT '{}'
                CHECK (functions <@ ARRAY['engineering','security','business','finance','risk','legal','executive']),
    admin       boolean NOT NULL DEFAULT false,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    list_seq    bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);

-- Keys are stored only as SHA-256 hashes; `prefix` is what a person sees to tell them apart.
CREATE TABLE api_keys (
    id            text PRIMARY KEY,
    principal_id  text NOT NULL REFERENCES principals (id),
    name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    prefix        text NOT NULL,
    key_hash      bytea NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_keys_principal ON api_keys (principal_id);

CREATE TABLE pods (
    id             text PRIMARY KEY,
    name           text NOT NULL UNIQUE CHECK (char_length(name) BETWEEN 1 AND 200),
    business_unit  text NOT NULL CHECK (char_length(business_unit) BETWEEN 1 AND 200),
    description    text CHECK (char_length(description) <= 4000),
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    list_seq       bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);

CREATE TABLE pod_members (
    pod_id        text NOT NULL REFERENCES pods (id),
    principal_id  text NOT NULL REFERENCES principals (id),
    role          text NOT NULL CHECK (role IN ('lead', 'member')),
    added_at      timestamptz NOT NULL,
    PRIMARY KEY (pod_id, principal_id)
);
CREATE INDEX pod_members_principal ON pod_members (principal_id);

-- One row: the portfolio's financial settings (API.md section 4).
CREATE TABLE settings (
    id          integer PRIMARY KEY CHECK (id = 1),
    document    jsonb NOT NULL,
    version     integer NOT NULL DEFAULT 1,
    updated_at  timestamptz NOT NULL
);
INSERT INTO settings (id, document, updated_at) VALUES (
    1,
    '{"currency": "USD", "horizon_years": 3, "discount_rate_pct": 10, "budget_alert_thresholds_pct": [80, 100], "envelope_tolerance_pct": 20}',
    now()
);

CREATE TABLE use_cases (
    id                      text PRIMARY KEY,
    title                   text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    summary                 text NOT NULL DEFAULT '' CHECK (char_length(summary) <= 4000),
    pod_id                  text NOT NULL REFERENCES pods (id),
    business_unit           text NOT NULL CHECK (char_length(business_unit) <= 200),
    stage                   text NOT NULL CHECK (stage IN ('proposed', 'pilot', 'production', 'scaled', 'retired')),
    risk_tier               text NOT NULL CHECK (risk_tier IN ('minimal', 'limited', 'high', 'unacceptable')),
    data_classification     text NOT NULL CHECK (data_classification IN ('public', 'internal', 'confidential', 'restricted')),
    deployment              text NOT NULL CHECK (deployment IN ('cloud', 'on_prem', 'edge', 'hybrid')),
    model_sourcing          text NOT NULL CHECK (model_sourcing IN ('proprietary', 'open_source', 'mixed')),
    estimates               json NOT NULL,  -- json keeps the API's field order
    metrics                 json NOT NULL,
    approved_funding_cents  bigint NOT NULL DEFAULT 0 CHECK (approved_funding_cents >= 0),
    spent_cents             bigint NOT NULL DEFAULT 0 CHECK (spent_cents >= 0),
    envelope_breached       boolean NOT NULL DEFAULT false,
    retired_reason          text,
    -- The representation the API returns and its ETag, kept with the row so a read is one
    -- round trip and no rendering; every write of the row writes them too.
    representation          json NOT NULL,
    etag                    text NOT NULL,
    version                 integer NOT NULL DEFAULT 1,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    list_seq                bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX use_cases_pod ON use_cases (pod_id, list_seq DESC);
CREATE INDEX use_cases_stage ON use_cases (stage, list_seq DESC);

-- The event log. `seq` is assigned under the writers' lock at the end of each transaction
-- (see Sources/Store), so seq order is commit order and a reader paging by `after` never
-- skips an event that commits late.
CREATE SEQUENCE event_seq;
CREATE TABLE events (
    seq          bigint PRIMARY KEY,
    id           text NOT NULL UNIQUE,
    type         text NOT NULL,
    occurred_at  timestamptz NOT NULL,
    data         json NOT NULL  -- json, not jsonb: kept byte for byte as the API rendered it
);
CREATE INDEX events_type ON events (type, seq);

-- The audit chain: hash = SHA-256(prev_hash || canonical JSON of the entry without hash).
CREATE TABLE audit_log (
    seq                 bigint PRIMARY KEY,
    at                  timestamptz NOT NULL,
    actor_principal_id  text,
    action              text NOT NULL,
    entity_type         text NOT NULL,
    entity_id           text NOT NULL,
    request_id          text,
    before              json,  -- json, not jsonb: the exact canonical bytes the hash covers
    after               json,
    prev_hash           text NOT NULL,
    hash                text NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity_id, seq);

-- The chain's head. Every writing transaction locks this row last (SELECT ... FOR UPDATE) and
-- holds it to commit: it reads the head, appends its audit rows and draws its event seqs, so
-- the chain has one order and seq order is commit order.
CREATE TABLE audit_head (
    id    integer PRIMARY KEY CHECK (id = 1),
    seq   bigint NOT NULL,
    hash  text NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));

-- History is append-only: PostgreSQL itself refuses to rewrite it.
CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

-- Idempotency-Key records: claimed before the work, completed in the work's transaction.
CREATE TABLE idempotency_keys (
    principal_id      text NOT NULL,
    key               text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
    request_hash      bytea NOT NULL,
    response_status   integer,
    response_headers  jsonb,
    response_body     bytea,
    created_at        timestamptz NOT NULL,
    PRIMARY KEY (principal_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
