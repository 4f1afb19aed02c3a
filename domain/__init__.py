"""The domain: what Newsline knows about occurrences and stories.

The aggregates and their events (the public contract of the log), the value
types and their validation, EDTF valid time, the report-time fold, the write
commands and the application service with one method per use case.

It imports the event-sourcing library and pure libraries only: no web, no
SQL, and nothing else of Newsline (an import-linter contract checks it).
"""
