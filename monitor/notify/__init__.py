"""Notices: templates (package data, overridable in `alerts/` beside the config), rendering, the
email channel, and the tick that decides, queues and delivers."""
