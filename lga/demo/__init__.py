"""Demo data for trying the platform (``flask lga demo``); never run in production."""
