"""The served OpenAPI document, and a schemathesis run against the live server over HTTP.

The fuzz run sends schema-valid and schema-breaking requests to every /v1 operation and checks
that no answer is a 5xx and every answer (200 or 400) matches the documented schemas.
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from analytics.contract import ApiVersion
from analytics.demo.openapi import openapi_document

EXAMPLES_PER_OPERATION = 12


V1_0_3_PATHS = [
    "/viewers",
    "/viewers/{content_type}",
    "/views",
    "/views/{content_type}",
    "/peak-viewer-numbers",
    "/peak-viewer-numbers/{content_type}",
    *[
        f"/{metric}/{suffix}"
        for metric in ("total-views", "unique-devices", "authenticated-viewers")
        for suffix in (
            "summary", "{dimension}", "{content_type}/summary", "{content_type}/{dimension}"
        )
    ],
]  # fmt: skip
CURRENT_ADDITIONS = [
    "/views/recorded/channel",
    "/peak-viewer-numbers/{content_type}/summary",
    "/viewer-seconds",
    "/viewer-seconds/{content_type}",
    "/viewer-seconds/recorded/channel",
    "/viewer-seconds/{content_type}/summary",
]


def test_the_document_lists_the_documented_paths_of_the_current_api(demo_server):
    document = requests.get(demo_server.root_url + "/openapi.json", timeout=30).json()
    assert document["openapi"].startswith("3.1")
    assert document["info"]["version"] == "current"
    assert document["servers"] == [{"url": demo_server.root_url + "/v1"}]
    assert sorted(document["paths"]) == sorted(V1_0_3_PATHS + CURRENT_ADDITIONS)
    parameters = document["components"]["parameters"]
    assert parameters["dimension"]["schema"]["enum"] == [
        "month", "day", "hour", "device", "view-source", "country", "region"
    ]  # fmt: skip
    assert parameters["granularity"]["schema"]["enum"] == ["minute", "hour", "day", "month"]
    limit = parameters["_limit"]["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 10_000, 10)


def test_the_v1_0_3_document_lists_its_18_paths():
    document = openapi_document("http://demo/v1", ApiVersion.V1_0_3)
    assert document["info"]["version"] == "1.0.3"
    assert sorted(document["paths"]) == sorted(V1_0_3_PATHS)
    parameters = document["components"]["parameters"]
    assert parameters["dimension"]["schema"]["enum"] == [
        "month", "day", "hour", "device", "location", "view-source"
    ]  # fmt: skip
    assert parameters["granularity"]["schema"]["enum"] == ["minute", "hour"]


def test_the_served_document_is_the_one_fuzzed_below(demo_server):
    served = requests.get(demo_server.root_url + "/openapi.json", timeout=30).json()
    assert served == openapi_document(demo_server.root_url + "/v1")


# schemathesis' lazy fixture loader does not work with pytest 9, so the schema is built here
# from the same document the server serves, and each call is sent to the running server.
schema = schemathesis.openapi.from_dict(openapi_document("http://127.0.0.1:1/v1"))
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=EXAMPLES_PER_OPERATION,
    # Unknown query parameters are ignored (like most APIs), so requests that are "invalid"
    # only by carrying one are not expected to be rejected.
    allow_extra_parameters=False,
)


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_fuzz_no_5xx_and_answers_match_the_schema(case, demo_server, demo_token):
    case.call_and_validate(
        base_url=demo_server.root_url + "/v1",
        headers={"Authorization": demo_token},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            negative_data_rejection,
        ],
        timeout=30,
    )
