"""Fixtures the costs tests share with other folders: a signed-in owner, the CLI runner."""
from tests.cli.test_cli import cli  # noqa: F401
from tests.inbox.conftest import owner  # noqa: F401
