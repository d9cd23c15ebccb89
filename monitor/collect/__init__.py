"""Bytes in, posts stored; the only HTTP: fetch, parse, the clustering index, and the pipeline
(`STAGES`, the order of judgement, written once)."""
