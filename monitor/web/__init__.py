"""The duty console: server-rendered pages over desk/ (Flask, served by waitress)."""
from .app import create_app

__all__ = ["create_app"]
