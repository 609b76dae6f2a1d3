-- The first migration: one row that records when this database was set up for Tollgate.
-- Later migrations add the domain's tables. Applied inside a transaction by the migrator;
-- do not add BEGIN or COMMIT here.

CREATE TABLE tollgate_instance (
    id int PRIMARY KEY CHECK (id = 1),
    created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO tollgate_instance (id) VALUES (1) ON CONFLICT DO NOTHING;
