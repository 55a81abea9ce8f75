-- Accounts, part 1. Single-use links: the first-run setup link and password reset links.
-- Only a SHA-256 digest of each token is stored, so a copy of the database opens no link. A token is
-- spent by setting used_at in the same statement that checks it (no double use under concurrency).
CREATE TABLE single_use_tokens (
  token_hash text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  purpose text NOT NULL CHECK (purpose IN ('setup', 'password_reset')),
  -- Whose password a reset link changes; NULL for the setup link.
  user_id uuid NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz NULL,
  CHECK ((purpose = 'setup') = (user_id IS NULL))
);

CREATE INDEX single_use_tokens_user ON single_use_tokens (user_id) WHERE user_id IS NOT NULL;

-- Account mails (password reset links) belong to a person, not to an establishment: they carry no
-- establishment, so they never show in an establishment's outbox or reports.
ALTER TABLE mail_queue ALTER COLUMN establishment_id DROP NOT NULL;
ALTER TABLE mail_queue DROP CONSTRAINT mail_queue_kind_check;
ALTER TABLE mail_queue ADD CONSTRAINT mail_queue_kind_check CHECK (kind IN ('digest', 'staff', 'account', 'invitation'));
