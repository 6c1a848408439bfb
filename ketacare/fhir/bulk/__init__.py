"""FHIR Bulk Data 2.0 `$export`: jobs a client starts (views.py), a worker writes as NDJSON files
(worker.py, `ketacare fhir bulk-worker`), and the status and files the same client then fetches."""
