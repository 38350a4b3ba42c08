"""Security feeds (docs/feeds.md): sources, parsers, the harmonised event, enrichment (owner lookup,
ASN, warninglists), dedupe, storage, per-member digests, rules and actions, and the engine that runs
them in batches, in one process (embedded) or as stages over NATS JetStream (docs/adr/0027)."""
