-- missionmatch serve: the first schema. Applied once, when PRAGMA user_version is below 1.

-- One row a mission imported; `revision` rises with every edit of its files.
CREATE TABLE missions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1
);

-- The mission folder's input files as the command line reads them (mission.toml, firms.csv or
-- firms.xlsx, buyers..., requests...). Outcomes live in their own table.
CREATE TABLE mission_files (
    mission INTEGER NOT NULL REFERENCES missions(id),
    name TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (mission, name)
);

-- Every version of a mission's schedule, never overwritten. `kind` is schedule or replan.
CREATE TABLE schedules (
    mission INTEGER NOT NULL REFERENCES missions(id),
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    created TEXT NOT NULL,
    schedule_json TEXT NOT NULL,
    schedule_csv TEXT NOT NULL,
    candidates_csv TEXT,
    changes_csv TEXT,
    PRIMARY KEY (mission, version)
);

-- What each meeting produced, one row a pair; `attended` NULL is "not recorded yet".
CREATE TABLE outcomes (
    mission INTEGER NOT NULL REFERENCES missions(id),
    firm TEXT NOT NULL,
    buyer TEXT NOT NULL,
    attended INTEGER,
    interest INTEGER,
    consultation_usd REAL,
    contract_usd REAL,
    next_step TEXT,
    note TEXT NOT NULL DEFAULT '',
    updated TEXT NOT NULL,
    PRIMARY KEY (mission, firm, buyer)
);

-- The organiser's token (kind organiser, one live at a time) and the participants' links.
CREATE TABLE tokens (
    token TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    mission INTEGER,
    side TEXT,
    participant TEXT,
    revoked INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL
);
CREATE UNIQUE INDEX participant_token ON tokens (mission, side, participant) WHERE kind = 'participant';

-- Organisers' browser sessions (cookie) and the CSRF token of their forms.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    csrf TEXT NOT NULL,
    created TEXT NOT NULL
);
