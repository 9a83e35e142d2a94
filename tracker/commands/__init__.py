"""Every CLI command of ``tracker``, grouped by area; :mod:`tracker.cli` adds them."""
