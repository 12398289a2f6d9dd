-- E-mail sent from the server (contract v3, POST /api/missions/{id}/send): one row a message the
-- SMTP server accepted, written before the next is sent, so a second run sends only what is
-- missing. A send job's result (what it sent, skipped and could not send) is kept as JSON text.
CREATE TABLE messages (
    mission INTEGER NOT NULL,
    side TEXT NOT NULL,
    key TEXT NOT NULL,
    participant TEXT NOT NULL,
    recipient TEXT NOT NULL,
    what TEXT NOT NULL,
    language TEXT NOT NULL,
    subject TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (mission, side, key)
);
ALTER TABLE jobs ADD COLUMN result TEXT;
