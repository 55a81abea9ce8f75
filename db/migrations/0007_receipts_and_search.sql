-- When each participant's read marker last moved forward: read receipts say "Seen at 08:05".
ALTER TABLE participants ADD COLUMN read_at timestamptz;

-- Recipient search also matches the start of an email's domain ("jules-ferry.t"): db/search_text.ts
-- now stores the folded domain as one more word; existing people get it here.
UPDATE users SET search_text = search_text || ' ' || lower(split_part(email, '@', 2))
 WHERE position('@' in email) > 0;
