"""Routing names units and resources with the same vocabulary as the unit tables, and stays pure."""

from pingan.routing import vocabulary
from pingan.unit import kinds, models


def test_routing_and_the_unit_tables_share_one_vocabulary() -> None:
    assert vocabulary.UNIT_TYPES is kinds.UNIT_TYPES is models.UNIT_TYPES
    assert vocabulary.RESOURCE_KINDS is kinds.RESOURCE_KINDS
    assert vocabulary.RESOURCE_STATUSES is kinds.RESOURCE_STATUSES
    assert vocabulary.unit_type_name("power_supply") == "供电"


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
