"""The truss archive's trip to the S3 key that prepare_model_upload handed out (boto3, as `truss push` does)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.providers.baseten.client import BasetenApiError

if TYPE_CHECKING:
    from baseten.client.managementapi import PrepareModelUploadResponse


def upload_archive(prepared: PrepareModelUploadResponse, archive: bytes, endpoint_url: str | None = None) -> str:
    """PUT the archive with the temporary credentials; the S3 key to name in the create call.

    endpoint_url: an S3 endpoint other than AWS's own (the tests' local S3). Only the handed-out credentials
    are used, never the caller's AWS profile, like `truss push`.
    """
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    creds = prepared.creds
    if creds is None or not prepared.s3_bucket or not prepared.s3_key:
        raise BasetenApiError("prepare_model_upload", 200, "the answer has no upload target (creds, s3_bucket, "
                                                           "s3_key): this model format is not built from an archive")
    s3 = boto3.client(
        "s3",
        region_name=prepared.s3_region,
        endpoint_url=endpoint_url,
        aws_access_key_id=creds.aws_access_key_id,
        aws_secret_access_key=creds.aws_secret_access_key,
        aws_session_token=creds.aws_session_token,
        config=Config(connect_timeout=10, read_timeout=120, retries={"max_attempts": 5, "mode": "standard"}),
    )
    try:
        s3.put_object(Bucket=prepared.s3_bucket, Key=prepared.s3_key, Body=archive)
    except ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        raise BasetenApiError("upload_truss", status, f"S3 refused the truss archive: {exc}") from None
    except BotoCoreError as exc:
        raise BasetenApiError("upload_truss", None, f"{type(exc).__name__}: {exc}") from None
    return prepared.s3_key
