"""salesdesk.forms lives in the top-level forms/ folder (pyproject's package-dir mapping).

PyInstaller looks for submodules only inside the parent package's folder, which an
editable install does not change; point it at the folder Python itself imports from.
"""

import importlib.util
from pathlib import Path


def pre_find_module_path(api):
    spec = importlib.util.find_spec(api.module_name)
    if spec is not None and spec.origin:
        api.search_dirs = [str(Path(spec.origin).parent.parent)]
