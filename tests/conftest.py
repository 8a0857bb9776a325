from __future__ import annotations

import os

import pytest

PG_URL_VARIABLE = "DL_JUPYTER_TEST_PG_URL"


@pytest.fixture(scope="session")
def pg_url() -> str:
    """SQLAlchemy URL of a PostgreSQL database for tests (scripts/test starts one and sets
    DL_JUPYTER_TEST_PG_URL). Skips without it, unless DL_JUPYTER_REQUIRE_PG=1 (scripts/test
    sets that too, so that CI cannot skip the PostgreSQL tests silently)."""
    url = os.environ.get(PG_URL_VARIABLE)
    if url:
        return url
    if os.environ.get("DL_JUPYTER_REQUIRE_PG") == "1":
        pytest.fail(f"{PG_URL_VARIABLE} is not set but DL_JUPYTER_REQUIRE_PG=1")
    pytest.skip(f"{PG_URL_VARIABLE} not set (scripts/test starts PostgreSQL and sets it)")
