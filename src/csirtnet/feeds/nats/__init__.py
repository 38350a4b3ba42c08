"""The feed pipeline scaled out over NATS JetStream (docs/adr/0027-feed-engine.md): stages parse ->
enrich -> store as `csirtnet worker --stage STAGE` processes, any number per stage (or processes that
each run every stage: `--stage all`).

- topology.py: the stream, the subjects, the durable pull consumers, back-pressure, `publish`.
- codec.py: the messages (file jobs, Arrow IPC batches, file ends) and their bytes.
- stages.py: each stage's work on one message, without NATS.
- runs.py: the run in the database: created by submit, finished exactly once by the store stage.
- worker.py: the worker loop (`run_stages`); submit.py and cli.py: `csirtnet feed submit`.
"""
