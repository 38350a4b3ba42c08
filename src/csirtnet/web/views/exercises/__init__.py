"""The exercise pages (issue 16), one module per part."""
