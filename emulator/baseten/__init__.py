"""The emulated Baseten: management API (/v1), inference hosts model-<id>, deployments on the shared replicas."""
