-- Schedule and re-plan jobs, so that what a job came to outlives the process that ran it: a job
-- a restart interrupted reads `failed` with that reason (Store::open marks it), never unknown.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    mission INTEGER NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    step TEXT NOT NULL,
    created TEXT NOT NULL,
    seconds REAL,
    version INTEGER,
    error TEXT
);
