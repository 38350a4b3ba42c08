"""Member organisations: profiles (the foundation part; membership, constituency and readiness grow here)."""
