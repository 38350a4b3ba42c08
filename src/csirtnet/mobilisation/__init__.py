"""Mobilisation: support requests to member organisations, expert matching, acceptance, deployments."""
