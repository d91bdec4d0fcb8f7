"""The hosted demo's recipe (cloud/): its entry point runs the app, and its requirements add
only PyTorch's CPU build to the app's own."""

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
CLOUD = ROOT / "cloud"


def test_the_cloud_entry_point_runs_the_app_with_its_pages():
    at = AppTest.from_file(str(CLOUD / "streamlit_app.py"), default_timeout=120).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["gatviz: see what a Graph Attention Network attends to"]
    at.switch_page("../app_pages/attention.py").run()  # page paths are relative to the entry
    assert not at.exception and [t.value for t in at.title] == ["Attention"]
    assert any(b.label == "Train the default GAT here" for b in at.button)


def _lines(path: Path) -> list[str]:
    return [
        line.split("#")[0].strip()
        for line in path.read_text().splitlines()
        if line.split("#")[0].strip()
    ]


def test_cloud_requirements_are_the_apps_plus_the_cpu_build_of_the_same_torch():
    cloud, root = _lines(CLOUD / "requirements.txt"), _lines(ROOT / "requirements.txt")
    assert "-r ../requirements.txt" in cloud  # one source of truth for every other version
    # No second index: uv would take numpy, pillow and more from PyTorch's, at old versions.
    assert not any(line.startswith(("--extra-index-url", "--index-url", "-i ")) for line in cloud)
    assert "--find-links https://download.pytorch.org/whl/cpu/torch/" in cloud
    pinned = next(
        re.fullmatch(r"torch==([\d.]+)", line) for line in root if line.startswith("torch==")
    )
    assert f"torch=={pinned.group(1)}+cpu" in cloud
