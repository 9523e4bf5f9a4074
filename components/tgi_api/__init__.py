"""TGI's own API models, generated once from its router spec (contracts/tgi/openapi.json) into models.py.

Shared by the smoke stage (the client side) and the emulator's simulated replica (the server side). Pydantic only:
importing it pulls in neither FastAPI nor httpx. Not on the preview path: import it inside create/update.
"""
