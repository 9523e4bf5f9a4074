"""Baseten: TGI (or TensorRT-LLM) as a truss pushed through Baseten's management API.

Light on purpose: preview imports this package; the SDK, httpx and boto3 load only inside create/update.
"""
