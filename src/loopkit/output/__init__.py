"""Output: records, and every format they are written in (text, json, markdown, github, reports)."""
