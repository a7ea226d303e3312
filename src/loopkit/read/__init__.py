"""Read: a file or text -> a validated Diagram (source map, schema, fast path, settings)."""
