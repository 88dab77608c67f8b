"""The widgets of the main screen, one per module."""

from .preview_pane import PreviewPane
from .query_box import QueryBox
from .results_list import ResultsList
from .source_panel import SourceFilter, SourcePanel
from .status_line import StatusLine

__all__ = ["PreviewPane", "QueryBox", "ResultsList", "SourceFilter", "SourcePanel", "StatusLine"]
