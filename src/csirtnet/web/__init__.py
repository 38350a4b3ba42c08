"""The server-rendered web UI: templates, static files, translations, page helpers."""
