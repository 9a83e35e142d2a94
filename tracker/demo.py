"""``tracker demo``: a believable province of generated demo data."""

commands: list = []
