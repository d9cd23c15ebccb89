"""Judgement stages. Each is `stage(candidate, ctx) -> Candidate | Drop`; the order lives in collect.pipeline.STAGES."""
