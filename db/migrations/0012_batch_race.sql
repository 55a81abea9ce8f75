-- The group commit stores a batch of messages in ONE autocommit statement (db/messages.ts
-- appendMessagesOnce): when a concurrent batch stored one of its (sender, clientId) pairs first,
-- ON CONFLICT skips that row, and the statement must fail as a whole rather than commit the seqs it
-- allocated for it (a gap). SQL has no RAISE of its own, so it calls this function, whose SQLSTATE
-- PR001 the caller recognises as "run the batch again".
CREATE OR REPLACE FUNCTION preau_batch_race() RETURNS integer
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'a clientId of this batch was stored concurrently; run the batch again'
    USING ERRCODE = 'PR001';
END
$$;
