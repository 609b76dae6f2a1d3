-- The portfolio summary reads the latest periods' usage across use cases.
CREATE INDEX usage_reports_period ON usage_reports (period);
