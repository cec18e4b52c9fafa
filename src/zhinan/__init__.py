"""zhinan — publish a city's 《安全生产标准化运行提升指南》 from structured YAML content."""

from zhinan.model import Content
from zhinan.problems import ContentError, Problem
from zhinan.validate import collect, load_content

__version__ = "0.1.0"
__all__ = ["Content", "ContentError", "Problem", "__version__", "collect", "load_content"]
