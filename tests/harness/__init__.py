"""The test harness: the local AWS (moto, extended in-process) and a TLS redis-server.

Import what you need from its modules (harness.local_aws, harness.local_redis,
harness.request_log); this file imports nothing, so `python -m
harness.local_aws` runs that module once. Tests get LocalAws and LocalRedis
through the fixtures in tests/conftest.py; tests/README.md describes the API
and the moto extensions.
"""
