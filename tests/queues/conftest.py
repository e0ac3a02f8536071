"""The inbox's signed-in owner, for the queue tests."""
from tests.inbox.conftest import owner  # noqa: F401  (a fixture)
