"""NetworkPolicies over `helm template` output: every rule names what it admits."""

import json

import pytest
import yaml

from tests.chart.conftest import CHART, KUBE_VERSION, find, helm, render, template_args

SHARED = (CHART / "values-dev.yaml", CHART / "values-shared.yaml")
HTTP = [{"port": "http", "protocol": "TCP"}]
TEST_PODS = {
    "podSelector": {
        "matchLabels": {
            "app.kubernetes.io/name": "fastapi-service-test",
            "app.kubernetes.io/instance": "demo",
            "app.kubernetes.io/component": "test",
        }
    }
}
DNS = {
    "to": [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
    ],
    "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
}
DATABASE = {
    "to": [{"ipBlock": {"cidr": "10.0.5.0/24"}}],
    "ports": [{"port": 5432, "protocol": "TCP"}],
}


def policy(docs: list[dict], suffix: str = "fastapi-service") -> dict:
    return find(docs, "NetworkPolicy", suffix)["spec"]


def json_set(name: str, value) -> tuple[str, str]:
    return ("--set-json", f"{name}={json.dumps(value)}")


def render_with(*args: str) -> list[dict]:
    """`render` with any helm arguments, --set-json among them."""
    result = helm(*template_args([], [], KUBE_VERSION), *args)
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def test_by_default_only_pods_of_the_cluster_reach_the_http_port():
    docs = render()
    service = policy(docs)
    assert service["policyTypes"] == ["Ingress"]
    assert service["ingress"] == [{"ports": HTTP, "from": [{"namespaceSelector": {}}, TEST_PODS]}]
    assert "egress" not in service


def test_nothing_reaches_the_test_pods():
    docs = render()
    tests = policy(docs, "-tests")
    assert tests["policyTypes"] == ["Ingress"]
    assert "ingress" not in tests
    labels = find(docs, "Pod", "test-system")["metadata"]["labels"]
    assert tests["podSelector"]["matchLabels"].items() <= labels.items()


def test_the_test_pods_are_admitted_whatever_the_peers():
    """helm test must reach the service under every ingressFrom."""
    for docs in (
        render(),
        render(*SHARED),
        render_with(*json_set("networkPolicy.ingressFrom", [])),
    ):
        [rule] = policy(docs)["ingress"]
        assert TEST_PODS in rule["from"]
        labels = find(docs, "Pod", "test-connection")["metadata"]["labels"]
        assert TEST_PODS["podSelector"]["matchLabels"].items() <= labels.items()


def test_a_shared_cluster_admits_its_namespace_only():
    [rule] = policy(render(*SHARED))["ingress"]
    assert rule["from"] == [{"podSelector": {}}, TEST_PODS]


def test_anywhere_is_an_explicit_opt_in():
    spec = policy(render(sets=("networkPolicy.ingressFromAnywhere=true",)))
    assert spec["ingress"] == [{"ports": HTTP}]


def test_no_peers_admit_the_test_pods_only_and_without_tests_nothing():
    empty = json_set("networkPolicy.ingressFrom", [])
    assert policy(render_with(*empty))["ingress"] == [{"ports": HTTP, "from": [TEST_PODS]}]
    # An empty `from` would admit every source: no peers at all means no rule at all.
    alone = render_with(*empty, "--set", "tests.enabled=false")
    assert policy(alone)["ingress"] == []


def test_egress_locks_the_service_to_dns_and_the_listed_rules():
    docs = render_with(
        "--set",
        "networkPolicy.egress.enabled=true",
        *json_set("networkPolicy.egress.rules", [DATABASE]),
    )
    service = policy(docs)
    assert service["policyTypes"] == ["Ingress", "Egress"]
    assert service["egress"] == [DNS, DATABASE]
    assert service["ingress"][0]["from"] == [{"namespaceSelector": {}}, TEST_PODS]


def test_with_egress_locked_the_test_pods_still_reach_the_service():
    docs = render(sets=("networkPolicy.egress.enabled=true",))
    tests = policy(docs, "-tests")
    assert tests["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in tests
    dns, service = tests["egress"]
    assert dns == DNS
    # The Service's target after DNAT: the service pods' labels and their container port.
    deployment = find(docs, "Deployment")["spec"]["template"]
    [peer] = service["to"]
    assert peer["podSelector"]["matchLabels"].items() <= deployment["metadata"]["labels"].items()
    [port] = deployment["spec"]["containers"][0]["ports"]
    assert service["ports"] == [{"port": port["containerPort"], "protocol": "TCP"}]
    # And the service's own policy admits them.
    assert TEST_PODS in policy(docs)["ingress"][0]["from"]


def test_empty_dns_and_rules_lock_egress_entirely():
    none = (*json_set("networkPolicy.egress.dns", []), *json_set("networkPolicy.egress.rules", []))
    docs = render_with("--set", "networkPolicy.egress.enabled=true", *none)
    assert policy(docs)["egress"] == []
    [service] = policy(docs, "-tests")["egress"]
    assert service["ports"] == [{"port": 8000, "protocol": "TCP"}]


def test_every_rule_names_its_peers(value_set):
    """No rendered rule has an empty or missing `from`/`to` (every source or destination)."""
    _, values = value_set
    for doc in render(*values):
        if doc["kind"] != "NetworkPolicy":
            continue
        for rule in doc["spec"].get("ingress", []):
            assert rule.get("from"), f"{doc['metadata']['name']}: an ingress rule admits anyone"
        for rule in doc["spec"].get("egress", []):
            assert rule.get("to"), f"{doc['metadata']['name']}: an egress rule admits anywhere"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ("--set", "networkPolicy.egress.rules[0].ports[0].port=5432"),
            "at '/networkPolicy/egress/rules/0': missing property 'to'",
        ),
        (
            json_set("networkPolicy.egress.rules", [{"to": []}]),
            "at '/networkPolicy/egress/rules/0/to': minItems",
        ),
        (
            json_set("networkPolicy.ingressFrom", [{}]),
            "at '/networkPolicy/ingressFrom/0': minProperties",
        ),
        (
            json_set(
                "networkPolicy.ingressFrom",
                [{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}],
            ),
            "at '/networkPolicy/ingressFrom/0': maxProperties",
        ),
        (
            ("--set", "networkPolicy.ingressFrom[0].podSelector.matchLabel.app=x"),
            "at '/networkPolicy/ingressFrom/0/podSelector': additional properties 'matchLabel'",
        ),
    ],
    ids=["rule-without-to", "empty-to", "empty-peer", "ipblock-and-selector", "typo"],
)
def test_a_peer_or_rule_that_would_admit_too_much_is_rejected(args, error):
    render_result = helm("template", "demo", str(CHART), *args, check=False)
    assert render_result.returncode != 0
    assert error in render_result.stderr
    lint = helm("lint", "--strict", str(CHART), *args, check=False)
    assert lint.returncode != 0
    assert error in lint.stdout + lint.stderr


@pytest.mark.parametrize("service_type", ["NodePort", "LoadBalancer"])
def test_an_external_service_needs_an_external_source_admitted(service_type):
    args = ("--set", f"service.type={service_type}")
    result = helm("template", "demo", str(CHART), *args, check=False)
    assert result.returncode != 0
    assert f"service.type={service_type} takes clients from outside the cluster" in result.stderr
    assert "networkPolicy.ingressFromAnywhere=true" in result.stderr
    # Each way out the message names renders.
    render_with(*args, "--set", "networkPolicy.ingressFromAnywhere=true")
    clients = [{"ipBlock": {"cidr": "203.0.113.0/24"}}]
    spec = policy(render_with(*args, *json_set("networkPolicy.ingressFrom", clients)))
    assert spec["ingress"][0]["from"] == [*clients, TEST_PODS]
    render_with(*args, "--set", "networkPolicy.enabled=false")
