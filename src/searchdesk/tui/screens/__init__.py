"""Screens pushed over the main screen."""

from .detail_screen import DetailScreen
from .help_modal import HelpModal
from .no_index_screen import NoIndexScreen

__all__ = ["DetailScreen", "HelpModal", "NoIndexScreen"]
