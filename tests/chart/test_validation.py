"""Rendered manifests validate against the Kubernetes schemas, offline and strictly."""

import kubernetes_validate
import pytest
from kubernetes_validate.utils import SchemaNotFoundError

from tests.chart.conftest import KUBE_VERSION, render

# Kinds whose schemas are CRDs, absent from the core Kubernetes schemas.
CRD_KINDS = {"HTTPRoute"}


def test_every_manifest_validates_with_no_unknown_fields(value_set):
    _, values = value_set
    docs = render(*values)
    assert docs
    for doc in docs:
        if doc["kind"] in CRD_KINDS:
            continue
        try:
            kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(
                f"{doc['kind']}/{doc['metadata']['name']}: {error.message} at {list(error.path)}"
            )
        except SchemaNotFoundError:
            pytest.fail(
                f"no Kubernetes {KUBE_VERSION} schema for {doc['apiVersion']} {doc['kind']}"
            )


def test_httproute_has_the_gateway_api_shape():
    docs = render(sets=("httpRoute.enabled=true", "httpRoute.parentRefs[0].name=gw"))
    [route] = [d for d in docs if d["kind"] == "HTTPRoute"]
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    rule = route["spec"]["rules"][0]
    assert rule["backendRefs"] == [{"name": "demo-fastapi-service", "port": 8000}]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    assert route["spec"]["parentRefs"] == [{"name": "gw"}]


def test_a_broken_manifest_is_caught():
    broken = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "x"},
        "spec": {"portz": []},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBE_VERSION, strict=True)
