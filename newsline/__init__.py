"""The composition root: settings in, a wired Newsline out.

`settings` is the one reader of the environment, `bootstrap` wires the
domain's application, the views and the adapters on one pool of
connections, and `web` turns that wiring into the HTTP API. The
entrypoints build through it; api, projections, adapters and domain never
import it.
"""

__version__ = "0.2.0"
