-- The random token of each round: agent-to-agent and voice tests seal their probes with it (HMAC key), so an
-- agent's responder answers only the sources the server paired it with for that round.
ALTER TABLE rounds ADD COLUMN token VARCHAR(64);
