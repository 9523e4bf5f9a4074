"""The HF token's workspace secret (`hf_access_token`): whether this stack made it, and whether destroy deletes it.

The name is the one every truss that reads a Hub token uses (truss's `runtime_secret_name` default), so it is
workspace-wide: other models in the workspace may read the same secret. Destroy deletes it only when this stack
created it (it did not exist before the stack's first push) and no other model is left in the workspace; otherwise
it stays, and the README says why.
"""

from __future__ import annotations

from components.providers.baseten.client import BasetenClient
from components.providers.baseten.truss import HF_SECRET


def is_new(client: BasetenClient, token: str | None) -> bool:
    """True when a push with this token is about to create the secret (the workspace has none of that name)."""
    return bool(token) and HF_SECRET not in {s.name for s in client.list_secrets()}


def release(client: BasetenClient, created: bool, model_id: str) -> bool:
    """After the stack's model is deleted: delete the secret if this stack created it and no other model remains."""
    if not created:
        return False
    if any(m.id != model_id for m in client.list_models()):
        return False  # another model may read the workspace-wide secret
    return client.delete_secret(HF_SECRET)
