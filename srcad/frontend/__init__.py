"""Python source in: parsing, free names, return/break normalization, scopes."""
