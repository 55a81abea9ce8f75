-- Préau schema, version 1: establishments, people and their roles, sessions, conversations and messages.
-- Runs unchanged on PostgreSQL 15 and PGlite: built-in functions only (gen_random_uuid is core since 13;
-- no unaccent, no pg_trgm). Accent folding for recipient search happens in the application
-- (db/search_text.ts) and is stored in users.search_text.

CREATE TABLE establishments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  -- Space-separated accent- and case-folded words of the name and email (db/search_text.ts).
  search_text text NOT NULL,
  password_hash text NOT NULL,
  locale text NOT NULL DEFAULT 'fr' CHECK (locale IN ('fr', 'en')),
  created_at timestamptz NOT NULL DEFAULT now()
);
-- Logins are case-insensitive, so two accounts may not differ only by case.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- One role per person per establishment; a person may belong to several establishments.
CREATE TABLE memberships (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  establishment_id uuid NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('admin', 'teacher', 'parent', 'student')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, establishment_id)
);
-- Recipient search: the members of one establishment with given roles.
CREATE INDEX memberships_establishment_role_idx ON memberships (establishment_id, role);

-- Server-side sessions; id is the JWT jti, so revoking a row ends the token at once.
CREATE TABLE sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz NULL,
  user_agent text NULL,
  ip text NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE conversations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  establishment_id uuid NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
  title text NULL CHECK (title IS NULL OR char_length(title) BETWEEN 1 AND 200),
  created_by uuid NOT NULL REFERENCES users (id),
  -- Set for two-person conversations only ("<establishment>:<smaller user id>:<larger user id>"), so the
  -- same pair never gets two direct conversations in one establishment, even under concurrent creation.
  direct_key text NULL UNIQUE,
  -- The seq of the newest message; the next message gets last_seq + 1 under a row lock (gapless).
  last_seq integer NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_establishment_updated_idx ON conversations (establishment_id, updated_at DESC);

CREATE TABLE participants (
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- The highest seq this participant has read; unread = last_seq - read_seq.
  read_seq integer NOT NULL DEFAULT 0 CHECK (read_seq >= 0),
  joined_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (conversation_id, user_id)
);
-- A person's conversations (conversation list, hello frame).
CREATE INDEX participants_user_conversation_idx ON participants (user_id, conversation_id);

CREATE TABLE messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  seq integer NOT NULL CHECK (seq >= 1),
  sender_id uuid NOT NULL REFERENCES users (id),
  -- Chosen by the client; a retried send with the same client_id returns the stored message.
  client_id text NOT NULL CHECK (char_length(client_id) BETWEEN 1 AND 64),
  body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 4000),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Also the index for paging by seq.
  CONSTRAINT messages_conversation_seq_key UNIQUE (conversation_id, seq),
  CONSTRAINT messages_sender_client_key UNIQUE (sender_id, client_id)
);
