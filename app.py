"""gatviz's entry point: `streamlit run app.py`. It only routes; the pages are in app_pages/.

The URLs are those of the earlier pages/ folder (/Dataset, /Train, /Attention, /Analysis,
/Compare, and / for Home), so old links keep working. Nothing heavy is imported here: the Home
page draws its text before importing torch and PyG (see app_pages/home.py). The pages' paths
are taken from this file's folder, so that the hosted demo's entry point
(cloud/streamlit_app.py) can run this file from another folder.
"""

from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent

PAGES = [  # (file, title, icon, url path)
    ("app_pages/home.py", "Home", ":material/home:", ""),
    ("app_pages/dataset.py", "Dataset", ":material/dataset:", "Dataset"),
    ("app_pages/train.py", "Train", ":material/model_training:", "Train"),
    ("app_pages/attention.py", "Attention", ":material/hub:", "Attention"),
    ("app_pages/analysis.py", "Analysis", ":material/analytics:", "Analysis"),
    ("app_pages/compare.py", "Compare", ":material/compare_arrows:", "Compare"),
]

st.set_page_config(page_icon="🕸️", layout="wide")
st.navigation(
    [
        st.Page(HERE / path, title=title, icon=icon, default=not url, url_path=url or None)
        for path, title, icon, url in PAGES
    ]
).run()
