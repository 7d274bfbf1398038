"""`make dev`, as make plans it (`make -n`): only what the inner loop needs, the pinned tools
and the cluster's images side by side (two jobs), then the cluster, then `tilt up`."""

from harness.make import planned


def test_make_dev_builds_tools_and_cluster_images_at_once_then_starts_tilt():
    plan = planned("dev")
    assert plan[0].split() == [
        "make",
        "--no-print-directory",
        "--jobs=2",
        "cluster-up",
    ]
    tools = next(line for line in plan if "offline/toolchain/install.py" in line)
    assert tools.split()[2:] == ["tilt", "helm", "ctlptl", "kind", "kubectl", "k6"]
    assert plan.index("offline/cluster/up.sh") > plan.index(tools)
    assert plan[-1].endswith('" tilt up')  # with the base image (tests/make/test_base_image.py)


def test_the_cluster_images_wait_for_no_pinned_tool():
    """What lets the two jobs of `make dev` run side by side."""
    plan = planned("cluster-images")
    assert plan[-1] == "offline/cluster/ensure-images.sh"
    assert not [line for line in plan if "offline/toolchain/install.py" in line], plan
