"""Fixtures of the harness self-tests."""
import pytest

from mvconf.catalog import Catalog
from synth import CATALOG_JSON


@pytest.fixture
def catalog():
    return Catalog.from_json(CATALOG_JSON)
