"""Every operation of the OpenAPI schema, fuzzed (schemathesis: valid and invalid requests generated
from the schema, a fixed seed, a bounded number a operation) as an integration client and as staff:
no answer is a server error, and every answer matches the schema (status, content type, body)."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

EXAMPLES = 8  # a operation and caller: the suite's time stays bounded

_raw = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
schema = schemathesis.openapi.from_dict(_raw)
schema.app = get_wsgi_application()

CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
BOUNDED = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                   suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])  # fmt: skip

pytestmark = pytest.mark.fuzz


@schema.parametrize()
@BOUNDED
def test_every_operation_as_an_integration_client(case, api_callers):
    case.call_and_validate(headers=api_callers["token"], checks=CHECKS)


@schema.parametrize()
@BOUNDED
def test_every_operation_as_staff(case, api_callers):
    case.call_and_validate(headers=api_callers["session"], checks=CHECKS)
