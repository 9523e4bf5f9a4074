"""The inference engines a replica runs (tgi-fleet:engine): one module each, found through registry.py."""
