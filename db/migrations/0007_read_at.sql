-- When each participant's read marker last moved forward: read receipts say "Seen at 08:05".
ALTER TABLE participants ADD COLUMN read_at timestamptz;
