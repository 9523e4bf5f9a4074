"""SaladCloud public API: generated models, the httpx client, and the container-group body from a plan."""
