"""Who is calling: passwords, TOTP, browser sessions, API tokens, and the FastAPI dependencies."""
