"""Typed ports and adapters to the outside: email, webhooks, and (later) MISP, TAXII, NATS."""
