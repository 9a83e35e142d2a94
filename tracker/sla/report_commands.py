"""CLI commands of this package, added to ``tracker`` by tracker.cli."""

commands: list = []
