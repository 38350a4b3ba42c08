"""The authorization matrix (issue 10).

- `seed.py` (with `seed_*.py`) builds one world per backend (`world.py`): organisations, a real
  user per kind of subject (logged in through the real pages, each with an API token), and objects
  of every kind at every TLP built through the domain's services, every private text field holding
  a planted marker (`markers.py`).
- `rules.py` says who may see what, written from the documentation, never asked of csirtnet.authz.
- `table/` has one row per route of the app (pages and API, public routes too): how to fill its
  path, what to send, who may, and whether a refusal must look like a missing id.
- `runner.py` sends every (row, variant, subject) request in a savepoint rolled back afterwards and
  checks the status, what changed, the planted markers in the answer, and CSRF.
- `test_matrix.py` runs it on SQLite and PostgreSQL; a route without a row fails it.

While working on it: `MATRIX_ROWS=<regex>` runs only the rows whose "METHOD /path" matches,
`MATRIX_TIMINGS=1` prints the slowest rows, `MATRIX_DUMP=<file>` writes the violations as JSON.
"""
