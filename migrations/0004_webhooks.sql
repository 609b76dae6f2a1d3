-- Webhook subscriptions and their deliveries (API.md section 7, SERVER.md section 4).

-- A subscription. `secret` signs deliveries (it must be readable to sign, so it is stored as is;
-- it is shown only at creation and rotation, and never logged). During a rotation the previous
-- secret keeps signing beside the new one until `previous_secret_expires_at`. A deleted
-- subscription keeps its row (`deleted_at`), so deliveries written concurrently never dangle.
CREATE TABLE webhooks (
    id                          text PRIMARY KEY,
    url                         text NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048),
    event_types                 text[] NOT NULL,
    description                 text NOT NULL DEFAULT '' CHECK (char_length(description) <= 1000),
    enabled                     boolean NOT NULL DEFAULT true,
    disabled_reason             text,
    secret                      text NOT NULL,
    previous_secret             text,
    previous_secret_expires_at  timestamptz,
    -- The first failure since the last success; five days of it disable the subscription.
    failing_since               timestamptz,
    version                     integer NOT NULL DEFAULT 1,
    created_at                  timestamptz NOT NULL,
    updated_at                  timestamptz NOT NULL,
    deleted_at                  timestamptz,
    list_seq                    bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);

-- One delivery of one event to one subscription, written in the event's own transaction.
-- `lease_until`/`lease_token`: the claim of the dispatcher attempting it now; a claim past its
-- lease (a crash mid-attempt) is due again. `attempts_in_round` counts attempts since the
-- delivery was created or redelivered, and picks the next retry delay.
CREATE TABLE webhook_deliveries (
    id                  text PRIMARY KEY,
    webhook_id          text NOT NULL REFERENCES webhooks (id),
    event_id            text NOT NULL REFERENCES events (id),
    status              text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts_in_round   integer NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz,
    lease_until         timestamptz,
    lease_token         text,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    list_seq            bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, list_seq DESC);

CREATE TABLE webhook_attempts (
    delivery_id      text NOT NULL REFERENCES webhook_deliveries (id),
    attempt          integer NOT NULL,
    at               timestamptz NOT NULL,
    response_status  integer,
    error            text,
    duration_ms      integer NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
