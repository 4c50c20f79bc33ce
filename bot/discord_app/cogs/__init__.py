"""Discord features, one per module; each translates between Discord and the core and ends in `setup(bot)`."""
