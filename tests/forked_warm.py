"""Preloaded by the emulators' fork server (tests/forked.py) after their modules: what each start would otherwise
load again (moto's S3 backend, uvicorn's protocols, boto3's S3 customizations) and botocore's S3 service model,
read once into boto3's default session, which the Baseten emulator's uploads client is made from (~0.3 s a start).
Nothing here starts a thread: the server forks after it."""

from __future__ import annotations

import importlib

import boto3

MODULES = ("moto.s3.models", "moto.s3.responses", "moto.s3.urls", "moto.moto_api", "uvicorn.lifespan.on",
           "uvicorn.protocols.http.h11_impl", "uvicorn.protocols.websockets.auto", "flask.debughelpers",
           "boto3.s3.inject")
for name in MODULES:
    importlib.import_module(name)
# The emulator's own arguments but an endpoint nothing listens on: making a client sends nothing.
boto3.client("s3", endpoint_url="http://127.0.0.1:9", region_name="us-west-2", aws_access_key_id="emulator",
             aws_secret_access_key="emulator")
