"""Federation: subscriptions to remote TAXII 2.1 collections, pulled and pushed."""
