"""All SQL lives here, one writer module per table group:

    db           connection, transactions, migrations under the write lock
    migrations   the named schema migrations
    sources      sources (fetch state, health bookkeeping)
    posts        posts, post_versions, and the lookups judgement asks
    issues       issues, issue_posts, acks; figures and keywords
    deadlines    deadlines (the legal clocks)
    answers      responses, release_detections
    outbox       notifications
    audit        actions: the append-only history; nothing reads it to decide
"""
