"""Claim extraction: pure Python, no Django import, so it can be tested and benchmarked
alone and reused by tasks, commands and the API."""
