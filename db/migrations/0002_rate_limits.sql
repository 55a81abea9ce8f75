-- Rate limits shared by every instance (db/rate_limits.ts), and what keeps the sessions table bounded.
--
-- One row per (limit, key), e.g. ('login_failures_account', 'a@x.test'), holding a token bucket in its
-- GCRA form: `tat` ("theoretical arrival time", epoch seconds) is when the bucket is full again. A take
-- of cost c with `step` = c / refill rate is allowed when greatest(tat, now) + step - now <= burst
-- (burst = capacity / refill rate), and then moves tat forward by step. A row whose tat has passed is
-- the same as no row, which is why the purge may delete it at any time. The limit's numbers travel
-- with every take (the application owns them); the row only remembers the last ones, for Retry-After.
-- UNLOGGED: no WAL on the send path; a crash of the database empties the table, i.e. forgives recent
-- attempts, which is acceptable for limits (they are not data). No index but the primary key, and
-- room left on each page, so that every take is a HOT update: a busy bucket is rewritten on every
-- send, and PGlite runs no autovacuum to clean up after non-HOT ones. The purge (once a minute per
-- instance) scans the table, which holds only buckets in use.
CREATE UNLOGGED TABLE rate_limits (
  name text NOT NULL,
  key text NOT NULL,
  tat double precision NOT NULL,
  burst double precision NOT NULL,
  step double precision NOT NULL,
  -- Whether the last take was refused (RETURNING sees only the new row, so the answer is stored).
  refused boolean NOT NULL DEFAULT false,
  PRIMARY KEY (name, key)
) WITH (fillfactor = 50);

-- The periodic purge of ended sessions (db/sessions.ts) and the per-user session cap read by these.
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
CREATE INDEX sessions_user_active_idx ON sessions (user_id, created_at) WHERE revoked_at IS NULL;
