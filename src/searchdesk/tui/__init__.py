"""The interactive Textual app. Renders what the engine returns; no search logic here."""
