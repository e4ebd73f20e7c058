"""The load test: many people using LISA at once, against a large invented record.

``manage.py loadtest`` (``make loadtest``) prepares a database of its own (:mod:`loadtest.data`),
starts gunicorn and a task worker on the loopback address (:mod:`loadtest.servers`), runs the
workload of :mod:`loadtest.locustfile` with locust for a fixed time, stops everything and
reports each page's throughput and latency (:mod:`loadtest.report`). docs/performance.md ("Load
test") gives the method and the figures.
"""
