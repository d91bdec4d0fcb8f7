"""The hosted demo's entry point on Streamlit Community Cloud: `cloud/streamlit_app.py`.

Community Cloud reads the dependency file next to the entry point before the repository's own,
so this folder's requirements.txt (the app's, plus PyTorch's CPU build) is the one it installs,
while local installs and CI keep the root requirements.txt. The app itself is the root's app.py,
run from here unchanged: Cloud runs `streamlit run` from the repository root, but puts only this
folder on the import path, hence the root is added first.
"""

import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
runpy.run_path(str(ROOT / "app.py"), run_name="__main__")
