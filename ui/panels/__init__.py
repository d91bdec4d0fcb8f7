"""The pages' panels: each draws one part of one page (a form, a chart section, a picker, the
downloads), so that a page reads as controls, then a call, then what is drawn. They build on
the shared modules of ``ui``; a few share a helper (``analysis_figures``, ``node_summary``,
``set_pickers``)."""
