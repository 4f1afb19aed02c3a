"""The HTTP API: thin routes, their schemas, every error mapped in one place.

`app.create_api` builds the FastAPI app from the services in `ports` (the
writer, the views' readers, their progress); `auth` says who is asking. The
API imports `domain`, `projections` and `adapters`, never the composition
root (`newsline`) or the entrypoints.
"""
