"""The top-level API and the installed command."""

import subprocess
import sys
from pathlib import Path

import gatviz

ROOT = Path(__file__).resolve().parents[1]


def test_the_top_level_names_come_from_the_modules_that_own_them():
    from gatviz import attention, config, datasets, report, training

    assert gatviz.load_dataset is datasets.load_dataset
    assert gatviz.train is training.train
    assert gatviz.dataset_attention is attention.dataset_attention
    assert gatviz.analyze is report.analyze
    assert gatviz.ModelConfig is config.ModelConfig
    assert set(gatviz.__all__) <= set(dir(gatviz))
    # No name shadows a submodule.
    import pkgutil

    submodules = {m.name for m in pkgutil.iter_modules(gatviz.__path__)}
    assert not submodules & set(gatviz.__all__)


def test_importing_gatviz_does_not_import_torch():
    code = "import sys, gatviz; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_readme_library_example_runs(karate):
    result = gatviz.train(
        karate, gatviz.ModelConfig(heads=2), gatviz.TrainConfig(epochs=5, patience=0)
    )
    alpha = gatviz.dataset_attention(result.model, karate)
    assert len(alpha) == 2 and alpha[0].alpha.shape[1] == 2
    report = gatviz.analyze(result.model, karate, deletion_layer=None)
    assert not report.kl.empty


def test_the_library_never_imports_streamlit_and_the_app_never_imports_scipy_stats():
    """gatviz/ is the library of the notebooks and the CLI: importing every module of it
    leaves streamlit (and the app's ui package) unimported. And the app, every panel of it
    included, never imports scipy.stats (54 MB of the hosted demo's server: gatviz.ranks has
    the rank statistics); one subprocess checks both."""
    code = (
        "import importlib, pkgutil, sys, gatviz\n"
        "for module in pkgutil.iter_modules(gatviz.__path__):\n"
        "    if module.name != '__main__':  # that one runs the command line\n"
        "        importlib.import_module(f'gatviz.{module.name}')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'ui')))\n"
        "import ui.panels\n"
        "for module in pkgutil.iter_modules(ui.panels.__path__):\n"
        "    importlib.import_module(f'ui.panels.{module.name}')\n"
        "print('scipy.stats' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-500:]
    library, app = run.stdout.strip().splitlines()[-2:]
    assert library == "[]"
    assert app == "False"
