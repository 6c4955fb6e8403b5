-- fixpath's event store: facts about what was asked and answered, never the text itself.
-- Applied by the Node server at start (DATA_DIR/fixpath.db) and by `wrangler d1 migrations apply DB` on Workers.
-- Times are whole minutes (events) or days (aggregates) since 1970-01-01 UTC.

CREATE TABLE meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- One row per diagnosis, chat turn, search, article view, hand-off or resolution.
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  minute INTEGER NOT NULL,
  type TEXT NOT NULL,          -- diagnose, chat, search, view, handoff, resolution
  channel TEXT NOT NULL,       -- widget, console, api, cli, chat
  audience TEXT NOT NULL,      -- public, agent
  session TEXT,                -- salted hash of the client's session id; changes every day
  input_kind TEXT,             -- text, error, http, har (diagnose and chat)
  signature TEXT,              -- error signature id (signatures.id)
  outcome TEXT,                -- cause, lookalike, abstained; confirmed (resolution); none, results (search); search (view)
  cause TEXT,                  -- the leading cause id, or the cause a resolution or hand-off is about
  nearest TEXT,                -- the best cause below the naming bar, when fixpath abstained
  causes TEXT,                 -- the causes returned, "id:confidence" joined by spaces, best first
  steps INTEGER,               -- how many resolution steps were shown (those of `cause`)
  article TEXT,                -- article viewed
  results INTEGER,             -- search: how many hits
  elapsed INTEGER,             -- resolution: minutes since the session's first diagnosis
  excerpt TEXT                 -- redacted excerpt, only when ANALYTICS_EXCERPTS is on
);
CREATE INDEX events_minute ON events (minute);
CREATE INDEX events_session ON events (session);

-- Error signatures seen, with what a gap inbox needs to know of them.
CREATE TABLE signatures (
  id TEXT PRIMARY KEY,
  key TEXT NOT NULL,
  status INTEGER,
  codes TEXT NOT NULL,         -- JSON array
  exceptions TEXT NOT NULL,    -- JSON array
  template TEXT,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  last_unsettled INTEGER,      -- the last minute fixpath could not settle it
  settled_at INTEGER,          -- the first minute after that when it named a cause for it
  nearest TEXT,                -- the nearest existing cause, when fixpath abstained
  ignored_at INTEGER           -- an agent ignored this gap
);

-- Votes: one per session and item; a later vote replaces the earlier one.
CREATE TABLE feedback (
  session TEXT NOT NULL,
  item_kind TEXT NOT NULL,     -- cause, step, article
  item TEXT NOT NULL,          -- cause id, "cause id#step id", article slug
  minute INTEGER NOT NULL,
  channel TEXT NOT NULL,
  audience TEXT NOT NULL,
  helpful INTEGER NOT NULL,
  reason TEXT,                 -- wrong-cause, steps-unclear, tried-failed, other
  comment TEXT,                -- redacted before it is stored
  cause TEXT,
  signature TEXT,
  PRIMARY KEY (session, item_kind, item)
);
CREATE INDEX feedback_minute ON feedback (minute);

-- Counts per day, kept after the events they were made from are deleted.
CREATE TABLE daily (
  day INTEGER NOT NULL,
  metric TEXT NOT NULL,
  key TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (day, metric, key)
) WITHOUT ROWID;
