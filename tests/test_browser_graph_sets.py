"""A set of many graphs in headless Chromium: MUTAG trained from the button, the Attention page
on a test molecule with atom names, and the Analysis page across the test graphs."""

import shutil
from pathlib import Path


from conftest import require_shared
from chromium import (
    DRAWN_CHARTS,
    ROOT,
    chromium_page,
    errors_shown,
    require_chromium,
    settle,
    shot,
    streamlit_server,
    wait_for_graph,
)

MUTAG = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "tu" / "MUTAG"
SHOTS = ROOT / "artifacts" / "screenshots"


def test_mutag_trains_from_the_button_and_shows_a_test_molecule(tmp_path):
    require_chromium()
    require_shared(MUTAG)
    shutil.copytree(MUTAG, tmp_path / "MUTAG")
    with streamlit_server({"GATVIZ_DATA_DIR": str(tmp_path)}) as url, chromium_page() as page:
        page.goto(f"{url}/Dataset")
        page.get_by_role("button", name="Load dataset").wait_for(timeout=120_000)
        settle(page)
        page.locator('[data-testid="stSelectbox"]').first.click()
        page.get_by_role(
            "option",
            name="mutag: MUTAG: 188 molecules, mutagenic or not (TUDataset; downloaded once)",
        ).click()
        page.get_by_role("button", name="Load dataset").click()
        page.get_by_text("Split of whole graphs").wait_for(timeout=60_000)
        settle(page)
        assert errors_shown(page) == 0
        shot(page, SHOTS, "20_mutag_dataset")

        page.get_by_role("link", name="Attention", exact=True).click()  # same session
        page.get_by_role("button", name="Train the default GAT here").click(timeout=120_000)
        page.get_by_text("true class").first.wait_for(timeout=180_000)
        settle(page)
        frame = wait_for_graph(page, minimum=500)
        assert errors_shown(page) == 0
        # The first test molecule is shown, with its true and predicted class.
        assert "(test graph): true class" in page.inner_text("body")
        # Atom names label the nodes: the overlay's data holds them.
        content = frame.content()
        assert '"C ' in content or "'C " in content
        assert "bond" in content  # the edge hover names the bond type
        shot(page, SHOTS, "21_mutag_attention_test_molecule")

        page.get_by_role("link", name="Analysis", exact=True).click()
        page.get_by_text("Graphs seen and never seen").wait_for(timeout=120_000)
        settle(page, 1500)
        assert errors_shown(page) == 0
        assert page.evaluate(DRAWN_CHARTS) >= 2
        assert "train" in page.inner_text("body") and "test" in page.inner_text("body")
        shot(page, SHOTS, "22_mutag_analysis_test_graphs")
