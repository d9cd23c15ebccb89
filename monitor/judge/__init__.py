"""Pure judgement: typed candidates, the stages (normalize, relevance, dedupe, sentiment, cluster),
time parsing, SimHash, heat and rank, source health, keywords, the sentiment scorer. No database,
network, mail, templates or CLI here (checked by import-linter)."""
