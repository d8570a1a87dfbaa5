"""File formats and safe file access: markdown, YAML, tables, templates, atomic writes."""
