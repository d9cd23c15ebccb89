"""The audited writes, whoever triggers them (CLI, web, collection, drill): actions (declare, ack, respond,
confirm, close, reopen, label, instruct), intake, curation (merge, split), people (console accounts), plan
(方案管理: sources.yaml edited from the console). The read models are views/, the operator's checks ops/."""
