"""sources.yaml: its types (schema), its section readers (sections) and the loader (load)."""
from .load import calendar_for, load_config, load_overrides
from .schema import Agency, Config, FetchPolicy, Keywords, Rule, Selectors, Smtp, Source, parse_duration_s

__all__ = ["Agency", "Config", "FetchPolicy", "Keywords", "Rule", "Selectors", "Smtp", "Source", "calendar_for",
           "load_config", "load_overrides", "parse_duration_s"]
