"""A base for the app's option lists: no scrollbar redrawn by a layout that moved nothing."""

from __future__ import annotations

from textual.geometry import Size
from textual.widgets import OptionList


class QuietOptionList(OptionList):
    """An ``OptionList`` whose scrollbars are redrawn only when they change.

    At every layout of the screen (each keystroke in the query box is one: the
    box's width of text changes), Textual's ``ScrollView`` compares the size the
    layout gives it (its region) with its own scrollable size (its lines), which
    differ whenever the list holds more than it shows, and so redraws its
    scrollbar each time (~3 ms a list). Its own size is what it keeps in either
    case; here it is what the comparison sees too, so only a real change of
    size (or of the lines, which OptionList reports itself) redraws it.
    """

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        return super()._size_updated(size, self.virtual_size, container_size, layout)
