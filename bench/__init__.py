"""Concord's benchmark: HTTP command throughput against the bare eventsourcing save() rate.

Run with ``.venv/bin/python -m bench`` (``make bench``). For each back end (embedded SQLite and,
when 127.0.0.1:5432 answers, PostgreSQL) it starts the real server as a subprocess, drives
``postRequest`` through POST /graphql at concurrency 1 and 16, measures read-your-writes latency,
then, with the server stopped, times ``app.save()`` in-process on the same database as the
baseline. Results are printed as a table and written to ``bench/results/latest.json``.
"""
