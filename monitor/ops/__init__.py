"""The operator's checks and chores: `health` (is the system healthy: for systemd and cron), `doctor` (the
installation: database, fonts, calendar, permissions), `maintenance` (retention)."""
