"""Property-based API test: generated requests from the app's own OpenAPI document.

Every response must match the documented schema, and nothing may produce a server error.
"""

import schemathesis
from hypothesis import HealthCheck, settings

from app.main import create_app
from app.settings import Settings

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(Settings()))


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case):
    case.call_and_validate()
