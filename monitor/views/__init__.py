"""The read models: what the console, the CLI, the notices and the reports show. `read` (issues, clocks,
sources, alerts; the stable --json shapes), `console` (the pages), `dossier` (one issue's 处置台账),
`reports` (periods and the annual tables), `describe` (an audit entry in one line of Chinese). Nothing here
writes: the audited writes are desk/."""
