"""The bottom layer: the event log and its column mapping, the settings context, the
working-day calendar, progress lines and small shared helpers. It imports no other layer."""
