"""The record: SQL tables and the reads and writes over them.

Importing the package registers the write hooks that mark which derived assessments a
write changes (``inputs``), so every write path through a session has them."""

from assistant.domain import inputs as _inputs  # noqa: F401
