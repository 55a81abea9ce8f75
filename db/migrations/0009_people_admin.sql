-- Accounts, part 2: deactivated accounts and the audit log.

-- A deactivated person cannot sign in and is not offered as a recipient; their messages, conversations
-- and memberships stay (history is kept), and reactivation restores everything.
ALTER TABLE users ADD COLUMN deactivated_at timestamptz NULL;

-- Every admin action and operator command: who (actor_id, NULL for an operator command; actor_label keeps
-- the name as it was), what (action), on what (target_*), where (establishment_id), when, from which
-- address. No foreign keys: entries outlive the people and establishments they name. Append-only: a
-- trigger refuses UPDATE and DELETE.
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  establishment_id uuid NULL,
  actor_id uuid NULL,
  actor_label text NOT NULL CHECK (char_length(actor_label) BETWEEN 1 AND 300),
  action text NOT NULL CHECK (action ~ '^[a-z]+(\.[a-z_]+)+$'),
  target_type text NULL CHECK (target_type IS NULL OR target_type IN ('person', 'establishment', 'membership')),
  target_id text NULL,
  target_label text NULL CHECK (target_label IS NULL OR char_length(target_label) <= 300),
  client_address text NULL CHECK (client_address IS NULL OR char_length(client_address) <= 100),
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_establishment_idx ON audit_log (establishment_id, id DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Invitations: an admin invites someone by email into one establishment with a role. The link's token is
-- stored as a SHA-256 digest; a resend replaces it (the old link stops working) and restarts the 7 days.
CREATE TABLE invitations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  establishment_id uuid NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
  email text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  role text NOT NULL CHECK (role IN ('admin', 'teacher', 'parent', 'student')),
  invited_by uuid NULL REFERENCES users (id) ON DELETE SET NULL,
  token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz NULL,
  accepted_by uuid NULL REFERENCES users (id) ON DELETE SET NULL,
  revoked_at timestamptz NULL
);
-- One open invitation per address and establishment (a second invite is a resend).
CREATE UNIQUE INDEX invitations_pending_idx ON invitations (establishment_id, lower(email))
  WHERE accepted_at IS NULL AND revoked_at IS NULL;
