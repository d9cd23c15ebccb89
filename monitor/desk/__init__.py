"""The audited lifecycle, whoever triggers it (CLI, web, collection, drill): actions (declare, ack,
respond, confirm, close, reopen, label), intake, curation (merge, split), and views (the read models)."""
