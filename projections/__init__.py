"""The read side: one package per view (`timeline`, `stories`), each owning its
tables, its projector and its queries behind a reader interface, and the
machinery they share (`base`: exactly-once batch commits; `runner`: following
the log).

May import `domain`, psycopg, pydantic and the event store library; never
`api` or `newsline`. A view reads only its own tables.
"""
