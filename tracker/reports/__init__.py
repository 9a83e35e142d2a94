"""The SLA figures: one query module behind every output (web, CSV, XLSX, CLI, API)."""
