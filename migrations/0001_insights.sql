-- fixpath's event store: facts about what was asked and answered, never the text itself.
-- Applied by the Node server at start (DATA_DIR/fixpath.db) and by `wrangler d1 migrations apply DB` on Workers.
-- Times are whole minutes (events) or days (aggregates) since 1970-01-01 UTC.

CREATE TABLE meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- One row per diagnosis, chat turn, search, article view, hand-off or resolution: a year at
-- 50,000 diagnoses a day keeps 90 days of these, so each row is small. The kinds (type, channel,
-- audience, input kind, outcome) are the small numbers in `codes`; cause and article ids and
-- signature ids are numbers in `names`; the view `events_as_text` reads them back as words.
CREATE TABLE events (
  id INTEGER PRIMARY KEY,      -- minute * 1,000,000 + the event's place in that minute: rows sit in time order, so a span of time is a span of ids
  minute INTEGER NOT NULL,
  type INTEGER NOT NULL,       -- codes: type
  channel INTEGER NOT NULL,    -- codes: channel
  audience INTEGER NOT NULL,   -- codes: audience
  session INTEGER,             -- 52 bits of a salted hash of the client's session id; changes every day
  input_kind INTEGER,          -- codes: input
  signature INTEGER,           -- names: the error signature id (signatures.id)
  outcome INTEGER,             -- codes: outcome
  cause INTEGER,               -- names: the leading cause, or the cause a resolution or hand-off is about
  nearest INTEGER,             -- names: the best cause below the naming bar, when fixpath abstained
  causes TEXT,                 -- the causes returned after the first, "names id:confidence in %" joined by spaces
  confidence INTEGER,          -- the leading cause's confidence, in %
  steps INTEGER,               -- how many resolution steps were shown (those of `cause`)
  article INTEGER,             -- names: the article viewed
  results INTEGER,             -- search: how many hits
  elapsed INTEGER,             -- resolution: minutes since the session's first diagnosis
  excerpt TEXT                 -- redacted excerpt, only when ANALYTICS_EXCERPTS is on
);
CREATE INDEX events_session ON events (session) WHERE session IS NOT NULL;
-- Empty unless ANALYTICS_EXCERPTS is on: the gap inbox finds an example without reading every event.
CREATE INDEX events_excerpt ON events (signature) WHERE excerpt IS NOT NULL;

-- Cause ids, article slugs and signature ids, each once.
CREATE TABLE names (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

-- The fixed kinds an event is made of (src/insights/codes.ts holds the same numbers).
CREATE TABLE codes (
  kind TEXT NOT NULL,
  code INTEGER NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (kind, code)
);
INSERT INTO codes (kind, code, name) VALUES
  ('type', 1, 'diagnose'), ('type', 2, 'chat'), ('type', 3, 'search'), ('type', 4, 'view'), ('type', 5, 'handoff'), ('type', 6, 'resolution'),
  ('channel', 1, 'widget'), ('channel', 2, 'console'), ('channel', 3, 'api'), ('channel', 4, 'cli'), ('channel', 5, 'chat'),
  ('audience', 1, 'public'), ('audience', 2, 'agent'),
  ('input', 1, 'text'), ('input', 2, 'error'), ('input', 3, 'http'), ('input', 4, 'har'),
  ('outcome', 1, 'cause'), ('outcome', 2, 'lookalike'), ('outcome', 3, 'abstained'), ('outcome', 4, 'asking'),
  ('outcome', 5, 'handoff'), ('outcome', 6, 'resolved'), ('outcome', 7, 'confirmed'), ('outcome', 8, 'none'),
  ('outcome', 9, 'results'), ('outcome', 10, 'search'), ('outcome', 11, 'diagnosis'), ('outcome', 12, 'chat'),
  ('outcome', 13, 'link');

CREATE VIEW events_as_text AS
SELECT e.id, e.minute, datetime(e.minute * 60, 'unixepoch') AS time,
  t.name AS type, ch.name AS channel, a.name AS audience, printf('%013x', e.session) AS session,
  i.name AS input_kind, s.name AS signature, o.name AS outcome, c.name AS cause, n.name AS nearest,
  e.confidence, e.causes, e.steps, ar.name AS article, e.results, e.elapsed, e.excerpt
FROM events AS e
LEFT JOIN codes AS t ON t.kind = 'type' AND t.code = e.type
LEFT JOIN codes AS ch ON ch.kind = 'channel' AND ch.code = e.channel
LEFT JOIN codes AS a ON a.kind = 'audience' AND a.code = e.audience
LEFT JOIN codes AS i ON i.kind = 'input' AND i.code = e.input_kind
LEFT JOIN codes AS o ON o.kind = 'outcome' AND o.code = e.outcome
LEFT JOIN names AS s ON s.id = e.signature
LEFT JOIN names AS c ON c.id = e.cause
LEFT JOIN names AS n ON n.id = e.nearest
LEFT JOIN names AS ar ON ar.id = e.article;

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

-- Counts per day, kept after the events they were made from are deleted. Ordered by metric
-- first: the summary and the gap inbox each read their own metrics over a span of days.
CREATE TABLE daily (
  metric TEXT NOT NULL,
  day INTEGER NOT NULL,
  key TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (metric, day, key)
) WITHOUT ROWID;
