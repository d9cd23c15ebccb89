"""The command line: a thin shell over desk/, collect/, notify/ and the daemon.

    app.py      the group, global options, App, errors → one line and exit 2; COMMANDS maps each
                command to its module, loaded when the command runs
    ops.py      check, collect, tick, run, sentiment, demo
    train.py    train-sentiment (needs the `train` extra)
    views.py    issues, show, sources, alerts, stats, health (read only)
    actions.py  declare, ack, respond, confirm, close, reopen, intake, extend, label, merge, split
"""
from .app import cli


def main() -> None:
    cli(prog_name="monitor")


__all__ = ["cli", "main"]
