"""The app's shared code, one module per job; with the pages, the only code that imports
streamlit (``gatviz/`` never does).

Imports flow one way, top to bottom:

- ``process``: the server process's threads and memory arenas (set once, on first import);
- ``keys``: the session-state key names;
- ``text``: text from a file or a URL shown as text, never as markup;
- ``records``: a trained model as the pages hold it, and what is derived from it;
- ``status``: the sidebar's status of the current dataset and model;
- ``state``: this session's models and which one every page shows;
- ``specs``: a dataset's spec, its cached load and the link that rebuilds it;
- ``shared``: the models this server keeps for every session (links reopen them);
- ``links``: the URL: open a session from it, write the current view into it;
- ``charts``: hand-written Vega-Lite specs (curves, bars; the heads grid and the Analysis
  page's figures are ``gatviz.figures``');
- ``views``: cached library calls the pages render (overlays, analyses, downloads);
- ``live``: training with live curves and a Stop button;
- ``sidebar``: what every page calls first.

The pages' panels, each one part of one page (a form, a section, the downloads), sit on top in
``ui.panels``.
"""

# Importing the package loads the whole stack (torch, PyG, gatviz): every page imports ``ui``
# first, so that a page opened while another thread is importing waits for it (Python's lock
# on the module) instead of importing PyG beside it; two threads importing PyG's modules at
# once can each find the other's half-initialised modules ("partially initialized module
# torch_geometric.data").
from ui import process  # noqa: F401,E402  (threads and arenas before anything runs)
from ui import sidebar  # noqa: F401,E402
