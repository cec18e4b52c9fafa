"""zhinan — publish a city's 《安全生产标准化运行提升指南》 from structured YAML content."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zhinan.content.model import Content
    from zhinan.content.problems import ContentError, Problem
    from zhinan.content.validate import collect, load_content

__version__ = "0.1.0"
__all__ = ["Content", "ContentError", "Problem", "__version__", "collect", "load_content"]

_LAZY = {"Content": "zhinan.content.model", "ContentError": "zhinan.content.problems", "Problem": "zhinan.content.problems",
         "collect": "zhinan.content.validate", "load_content": "zhinan.content.validate"}


def __getattr__(name: str) -> Any:
    """The public names, imported when first used: a PDF worker process imports this package
    before anything else and must reach `zhinan.pipeline.workers` (which makes it die with the build)
    without first loading the content model and the YAML parser."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'zhinan' has no attribute {name!r}")
