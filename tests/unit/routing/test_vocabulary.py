"""The routing package's copy of unit types and resource kinds matches the unit tables."""

from pingan.routing import vocabulary
from pingan.unit import models


def test_unit_types_match_the_unit_tables() -> None:
    assert vocabulary.UNIT_TYPES == models.UNIT_TYPES


def test_resource_kinds_and_statuses_match_the_unit_tables() -> None:
    assert vocabulary.RESOURCE_KINDS == models.RESOURCE_KINDS
    assert vocabulary.RESOURCE_STATUSES == models.RESOURCE_STATUSES


def test_routing_package_imports_no_database_or_web_code() -> None:
    import subprocess
    import sys

    code = (
        "import sys, pingan.routing.engine, pingan.routing.dispatch, pingan.routing.timelimits;"
        "bad = [m for m in ('sqlalchemy', 'fastapi', 'pingan.unit.models') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
