-- Email: the durable mail queue, staff emails, missed-message digests and their preferences.

-- Per-establishment mail settings. No row = defaults (message text allowed in digests).
CREATE TABLE establishment_mail_settings (
  establishment_id uuid PRIMARY KEY REFERENCES establishments (id) ON DELETE CASCADE,
  -- "No message text in emails" (privacy of minors): digests list senders and counts, never previews.
  hide_message_text boolean NOT NULL DEFAULT false
);

-- One send by a staff member (admin or teacher); its recipients are the mail_queue rows pointing at it.
CREATE TABLE staff_emails (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  establishment_id uuid NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
  author_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  subject text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 200),
  body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 20000),
  -- Roles addressed as a whole ("all parents"), besides individually picked people.
  audience_roles text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX staff_emails_establishment_idx ON staff_emails (establishment_id, created_at DESC);

-- The durable queue: one row per mail to one recipient, rendered when enqueued (in the transaction of
-- its cause). Workers claim rows with FOR UPDATE SKIP LOCKED and a lease (locked_until), send, then mark.
CREATE TABLE mail_queue (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  establishment_id uuid NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
  recipient_id uuid NULL REFERENCES users (id) ON DELETE SET NULL,
  kind text NOT NULL CHECK (kind IN ('digest', 'staff')),
  staff_email_id uuid NULL REFERENCES staff_emails (id) ON DELETE CASCADE,
  -- Stable across retries, so a resend after a crash is recognised by mail clients as the same mail.
  message_id text NOT NULL UNIQUE,
  to_address text NOT NULL,
  to_name text NOT NULL,
  subject text NOT NULL,
  body_text text NOT NULL,
  body_html text NOT NULL,
  -- Extra headers (List-Unsubscribe…), already neutralised.
  headers jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_until timestamptz NULL,
  -- The server's last answer (or the transport's error).
  last_error text NULL,
  -- 'smtp' or 'outbox' once sent; outbox_file is the .eml file name in the outbox directory.
  delivered_via text NULL,
  outbox_file text NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz NULL
);
CREATE INDEX mail_queue_due_idx ON mail_queue (next_attempt_at) WHERE status = 'pending';
CREATE INDEX mail_queue_establishment_idx ON mail_queue (establishment_id, created_at DESC);
CREATE INDEX mail_queue_staff_email_idx ON mail_queue (staff_email_id) WHERE staff_email_id IS NOT NULL;

-- Digest preference per person. No row = 'soon'.
CREATE TABLE mail_preferences (
  user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  digest text NOT NULL DEFAULT 'soon' CHECK (digest IN ('soon', 'daily', 'none')),
  -- Local hour of the daily digest, in time_zone.
  daily_hour integer NOT NULL DEFAULT 18 CHECK (daily_hour BETWEEN 0 AND 23),
  time_zone text NOT NULL DEFAULT 'Europe/Paris',
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Per person and conversation: the highest seq a digest has already told them about.
CREATE TABLE digest_marks (
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  notified_seq integer NOT NULL CHECK (notified_seq >= 0),
  PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX digest_marks_user_idx ON digest_marks (user_id);

-- Per person and establishment: when the last digest was enqueued.
CREATE TABLE digest_state (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  establishment_id uuid NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
  last_digest_at timestamptz NOT NULL,
  PRIMARY KEY (user_id, establishment_id)
);
