"""The report tests' province tree, shared by the published-report tests."""
from tests.report.conftest import tree  # noqa: F401  (a fixture)
