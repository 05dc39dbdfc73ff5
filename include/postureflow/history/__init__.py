"""Other tools' scan history brought into the lake."""
