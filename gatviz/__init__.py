"""gatviz: train Graph Attention Networks and look at what their attention does.

The package flows one way: ``config`` -> ``datasets`` -> ``model`` -> ``training`` /
``checkpoint`` -> ``attention`` -> ``intervention`` / ``analysis`` -> ``report`` and
``overlay``. Nothing here imports streamlit.
"""

__version__ = "0.1.0"
