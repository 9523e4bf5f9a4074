"""BasetenModel: a pulumi.dynamic resource for one Baseten model and its production deployment.

create: upsert the HF token secret, prepare the upload, upload the truss archive, create the model, wait until its
deployment is ACTIVE (failing fast with Baseten's status), set autoscaling, promote. A model of that name that this
stack created in a run that never recorded it (a crash mid-create) is adopted: its deployments carry the stack's
OWNER_LABEL. update: autoscaling alone is patched in place; a new truss (config or image) or HF token becomes a new
deployment, promoted once ACTIVE, and the old one is deactivated. diff (every preview and up) and read find a model
deleted out of band: up makes it again. delete removes the model and returns only once Baseten no longer lists it.

Secrets (the API key, the HF token) travel as inputs marked secret, never as attributes of the provider object:
Pulumi stores the pickled provider in state in plain text.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

from components.shutdown import prepare_provider_process

if TYPE_CHECKING:
    from baseten.client.managementapi import CreatedModelDeployment, Deployment, DeploymentArchivePayload, Model

    from components.providers.baseten.client import BasetenClient

# The engine's dynamic-provider process loads this module to unpickle the provider: freeze what is loaded, and
# end that process if the engine is killed (it would otherwise run on, orphaned).
prepare_provider_process()
# httpx, boto3 and the SDK's models load only when the engine calls create/read/update/delete.

REPLACE_KEYS = ("name",)
REPLACE_API_KEYS = ("base_url",)
# The token digest too: a plain hash of an HF token lets anyone with the state test guesses.
SECRET_OUTPUTS = ["api_key", "hf_token", "hf_token_digest"]
OUTPUT_KEYS = ("model_id", "deployment_id", "status", "active_replica_count", "host", "predict_url",
               "deployment_predict_url", "openai_base_url", "truss_digest", "hf_token_digest")
TRUSS_LABEL = "tgi-fleet-truss"
# The stack that made a deployment ("project/stack"). Baseten keeps a deployment's labels as pushed ("Published
# deployment labels remain fixed after creation", https://docs.baseten.co/deployment/manage/labels; keys and string
# values are printable ASCII without spaces, as Pulumi's project and stack names are); models carry none.
OWNER_LABEL = "tgi-fleet-owner"


def digest(value: Any) -> str:
    """A stable short digest (of the truss, or of a secret without showing it)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def _typed(props: dict[str, Any]) -> dict[str, Any]:
    """The inputs with whole numbers as integers again (the engine hands them over as floats): the truss that is
    pushed and digested must say `server_port: 3000`, not 3000.0."""
    from components.http import whole_numbers
    from components.providers.baseten.truss import with_secrets

    truss = with_secrets(whole_numbers(props["truss"]), props.get("truss_secrets") or [])
    return {**props, "truss": truss, "autoscaling": whole_numbers(props["autoscaling"])}


def _client(props: dict[str, Any], max_attempts: int = 6) -> BasetenClient:
    from components.providers.baseten.client import client_from

    return client_from(props["api"], props["api_key"], max_attempts=max_attempts)


def inference_urls(api: dict[str, Any], model_id: str, deployment_id: str) -> dict[str, str]:
    """The model's host and its predict / OpenAI routes (Baseten's inference URL scheme)."""
    host = f"model-{model_id}.{api['inference_domain']}"
    base = f"{api.get('inference_scheme', 'https')}://{host}"
    return {"host": host, "predict_url": f"{base}/production/predict",
            "deployment_predict_url": f"{base}/deployment/{deployment_id}/predict",
            "openai_base_url": f"{base}/environments/production/sync/v1"}


def _outputs(props: dict[str, Any], model_id: str, deployment: Deployment) -> dict[str, Any]:
    return {
        **props,
        "model_id": model_id,
        "deployment_id": deployment.id,
        "status": deployment.status,
        "active_replica_count": deployment.active_replica_count,
        **inference_urls(props["api"], model_id, deployment.id),
        "truss_digest": digest(props["truss"]),
        "hf_token_digest": digest(props.get("hf_token") or ""),
    }


def _payload(props: dict[str, Any]) -> DeploymentArchivePayload:
    from baseten.client.managementapi import DeploymentArchivePayload

    from components.providers.baseten.truss import config_yaml

    truss = props["truss"]
    return DeploymentArchivePayload(
        config=truss, raw_config=config_yaml(truss), deployment_name=f"{props['name']}-{digest(truss)[:8]}",
        labels={TRUSS_LABEL: digest(truss), **({OWNER_LABEL: props["owner"]} if props.get("owner") else {})},
        autoscaling_settings=_autoscaling(props),
        deploy_timeout_minutes=min(1440, max(10, -(-int(props["api"]["deploy_timeout_s"]) // 60))),
    )


def _autoscaling(props: dict[str, Any]) -> Any:
    from baseten.client.managementapi import UpdateAutoscalingSettings

    return UpdateAutoscalingSettings.model_validate(props["autoscaling"])


def _push(client: BasetenClient, props: dict[str, Any], model_id: str | None) -> CreatedModelDeployment:
    """Secret, prepare, upload, create: a new model (model_id None) or a new deployment of it."""
    from baseten.client.managementapi import PrepareModelUploadRequest

    from components.providers.baseten.truss import HF_SECRET, truss_archive
    from components.providers.baseten.upload import upload_archive

    if props.get("hf_token"):
        client.upsert_secret(HF_SECRET, props["hf_token"])
    payload = _payload(props)
    target = {"model_id": model_id} if model_id else {"name": props["name"]}
    prepared = client.prepare_upload(PrepareModelUploadRequest(deployment=payload, **target))
    s3_key = upload_archive(prepared, truss_archive(props["truss"]), props["api"].get("s3_endpoint_url"))
    if model_id:
        return client.create_deployment(model_id, payload, s3_key)
    return client.create_model(props["name"], payload, s3_key)


def _adopt(client: BasetenClient, props: dict[str, Any], model: Model) -> CreatedModelDeployment:
    """Take over a model this stack created in a run that never recorded it; its deployment of this truss, or a
    new one. Only a model whose deployments carry this stack's OWNER_LABEL: any other is a name conflict."""
    from baseten.client.managementapi import CreatedModelDeployment

    from components.providers.baseten.client import IN_PROGRESS, NameConflictError

    name, ours = props["name"], props.get("owner")
    deployments = client.list_deployments(model.id)
    owners = sorted({str((d.labels or {}).get(OWNER_LABEL)) for d in deployments})
    if not ours or ours not in owners:
        raise NameConflictError("create_model", 409, f"a model named {name!r} (id {model.id}) already exists in "
                                f"this workspace and this stack did not create it (its deployments' label "
                                f"{OWNER_LABEL}: {', '.join(owners) or 'none'}; this stack is {ours!r}). Fix: choose "
                                f"another tgi-fleet:name, or delete that model on Baseten.")
    same = [d for d in deployments if (d.labels or {}).get(OWNER_LABEL) == ours
            and (d.labels or {}).get(TRUSS_LABEL) == digest(props["truss"])
            and (d.status == "ACTIVE" or d.status in IN_PROGRESS)]
    pulumi.log.info(f"adopting Baseten model {name!r} ({model.id}): this stack created it in a run that did not "
                    f"finish" + (f"; its deployment {same[-1].id} is this truss" if same else
                                 "; pushing this truss as a new deployment"))
    if same:
        return CreatedModelDeployment(model=model, deployment=same[-1])
    return _push(client, props, model.id)


def _create_or_adopt(client: BasetenClient, props: dict[str, Any]) -> CreatedModelDeployment:
    """A new model, or the one of this name a run of this stack made without recording it (a crash mid-create)."""
    from components.providers.baseten.client import BasetenApiError

    existing = client.find_model(props["name"])
    if existing is not None:
        return _adopt(client, props, existing)
    try:
        return _push(client, props, None)
    except BasetenApiError as exc:
        existing = client.find_model(props["name"]) if exc.status == 409 else None
        if existing is None:
            raise
        return _adopt(client, props, existing)  # made meanwhile: ours only if it carries our label


def _live(id_: str, props: dict[str, Any]) -> bool | None:
    """Whether the model still exists on Baseten; None when the API cannot tell us now.

    A preview that cannot reach the API (a pull request's runner) still diffs the config; it only misses drift.
    """
    from components.providers.baseten.client import BasetenApiError

    if not isinstance(props.get("api_key"), str) or not id_:
        return None
    try:
        with _client(props, max_attempts=2) as client:
            return client.get_model(id_) is not None
    except BasetenApiError:
        return None


def _go_live(client: BasetenClient, props: dict[str, Any], model_id: str, deployment_id: str) -> Deployment:
    """Wait for ACTIVE, apply autoscaling, promote to production."""
    api = props["api"]
    client.wait_active(model_id, deployment_id, float(api["deploy_timeout_s"]), float(api.get("poll_s") or 5.0))
    client.update_autoscaling(model_id, deployment_id, _autoscaling(props))
    return client.promote(model_id, deployment_id)


class BasetenModelProvider(ResourceProvider):
    """CRUD of one Baseten model (the id is Baseten's model id)."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        from components.providers.baseten import secret
        from components.providers.baseten.client import BasetenApiError

        props = _typed(props)
        with _client(props) as client:
            # Recorded so that destroy deletes the workspace secret only if this stack made it.
            props["hf_secret_created"] = secret.is_new(client, props.get("hf_token"))
            created = _create_or_adopt(client, props)
            model_id = created.model.id
            try:
                deployment = _go_live(client, props, model_id, created.deployment.id)
            except BasetenApiError as exc:
                # Nothing half-made stays behind unannounced: the failed model goes, or the message names it.
                try:
                    client.delete_model(model_id)
                    left = f"model {model_id} ({props['name']}) was deleted"
                    secret.release(client, props["hf_secret_created"], model_id)
                except BasetenApiError as cleanup:
                    left = f"model {model_id} ({props['name']}) is LEFT on Baseten ({cleanup}): delete it there"
                raise exc.amended(left) from None
            return CreateResult(id_=model_id, outs=_outputs(props, model_id, deployment))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        with _client(props) as client:
            model = client.get_model(id_)
            if model is None:
                return ReadResult(id_="", outs={})  # deleted out of band: refresh drops it
            deployment_id = model.production_deployment_id or props.get("deployment_id") or ""
            deployment = client.get_deployment(id_, deployment_id) if deployment_id else None
        if deployment is None:
            return ReadResult(id_=id_, outs={**props, "status": "NO_PRODUCTION_DEPLOYMENT"})
        outs = _outputs(props, id_, deployment)
        scaling = deployment.autoscaling_settings
        if scaling is not None:  # drift made in the Baseten UI shows as a diff on the next update
            outs["autoscaling"] = {**props["autoscaling"], "min_replica": scaling.min_replica,
                                   "max_replica": scaling.max_replica,
                                   "concurrency_target": scaling.concurrency_target}
        return ReadResult(id_=id_, outs=outs)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [k for k in REPLACE_KEYS if olds.get(k) != news.get(k)]
        replaces += [f"api.{k}" for k in REPLACE_API_KEYS
                     if (olds.get("api") or {}).get(k) != (news.get("api") or {}).get(k)]
        olds, news = _typed(olds), _typed(news)
        changes = [k for k in ("truss", "autoscaling", "api", "api_key") if olds.get(k) != news.get(k)]
        if olds.get("hf_token_digest") != digest(news.get("hf_token") or ""):
            changes.append("hf_token")
        if not replaces and _live(id_, news) is False:
            # Deleted out of band, seen live (with or without --refresh): up makes it again, and the smoke test,
            # which follows the new deployment, proves it.
            replaces.append("model_id")
        return DiffResult(changes=bool(changes or replaces), replaces=replaces,
                          delete_before_replace=True)  # a model name is unique in a workspace

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from components.providers.baseten import secret
        from components.providers.baseten.client import BasetenApiError

        news = {**_typed(news), "hf_secret_created": bool(olds.get("hf_secret_created"))}
        new_deployment = olds.get("truss_digest") != digest(news["truss"]) or \
            olds.get("hf_token_digest") != digest(news.get("hf_token") or "")
        with _client(news) as client:
            if not new_deployment:
                deployment_id = olds["deployment_id"]
                if olds.get("autoscaling") != news["autoscaling"]:
                    client.update_autoscaling(id_, deployment_id, _autoscaling(news))
                deployment = client.get_deployment(id_, deployment_id)
                if deployment is None:
                    raise BasetenApiError("get_deployment", 404, f"production deployment {deployment_id} of model "
                                                                 f"{id_} is gone: run `pulumi refresh`")
                return UpdateResult(outs=_outputs(news, id_, deployment))
            news["hf_secret_created"] = news["hf_secret_created"] or secret.is_new(client, news.get("hf_token"))
            created = _push(client, news, id_)
            try:
                deployment = _go_live(client, news, id_, created.deployment.id)
            except BasetenApiError as exc:
                raise exc.amended(f"deployment {olds['deployment_id']} still serves production") from None
            if olds.get("deployment_id") and olds["deployment_id"] != deployment.id:
                client.deactivate(id_, olds["deployment_id"])
            return UpdateResult(outs=_outputs(news, id_, deployment))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        from components import http
        from components.providers.baseten import secret
        from components.providers.baseten.client import BasetenApiError

        # Destroy reports success only once Baseten no longer has the model: a refused or failed delete fails it
        # with Baseten's reason (the model would go on billing).
        with _client(props) as client:
            http.delete_and_wait(lambda: client.delete_model(id_), lambda: client.get_model(id_) is None,
                                 lambda: BasetenApiError("delete_model", 200, f"model {id_} ({props.get('name')}) "
                                                         f"still exists {http.DELETE_WAIT_S:.0f} s after it was "
                                                         f"deleted: delete it on Baseten, it bills while it serves"))
            secret.release(client, bool(props.get("hf_secret_created")), id_)


class BasetenModel(Resource):
    """A Baseten model serving the truss; outputs: model/deployment ids, status, predict and OpenAI URLs."""

    model_id: pulumi.Output[str]
    deployment_id: pulumi.Output[str]
    status: pulumi.Output[str]
    host: pulumi.Output[str]
    predict_url: pulumi.Output[str]
    deployment_predict_url: pulumi.Output[str]
    openai_base_url: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        model_name: str,
        api: dict[str, Any],
        api_key: pulumi.Input[str],
        truss: dict[str, Any],
        autoscaling: dict[str, Any],
        hf_token: pulumi.Input[str | None],
        owner: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # Pulumi drops a mapping's null values on the way to the provider, so the truss's `secrets` (names whose
        # values are null: references to Baseten secrets) would arrive empty and Baseten would mount none: the
        # names travel beside it and _typed puts them back.
        props = {"name": model_name, "api": api, "api_key": api_key, "truss": truss, "autoscaling": autoscaling,
                 "truss_secrets": sorted(truss.get("secrets") or {}), "hf_token": hf_token, "owner": owner,
                 **dict.fromkeys(OUTPUT_KEYS)}
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS))
        super().__init__(BasetenModelProvider(), name, props, opts)
