"""The emulated SaladCloud: its public API, container groups and instances, the container gateway, log shipping."""
