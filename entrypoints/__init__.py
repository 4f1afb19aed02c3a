"""Entrypoints: the `newsline` command and the processes it runs.

The CLI, `serve`, `worker`, `import` and `seed`. Each builds what it needs
through the composition root (`newsline.bootstrap`); nothing imports an
entrypoint.
"""
