"""The drill (`monitor demo`): a fictional crisis, local sources, a local SMTP sink, simulated time."""
