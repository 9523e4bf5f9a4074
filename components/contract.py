"""The one shape the policy pack validates: TgiService's plain inputs, identical for every provider."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from components.catalog.models import ModelArch
from components.sizing.engines import EngineKnobs

SERVICE_TYPE = "tgi-fleet:index:TgiService"
CONTRACT_VERSION = 1


class ServiceContract(BaseModel):
    """Resolved plan as plain values (no Outputs), so nothing is unknown at preview."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    contract_version: int = CONTRACT_VERSION
    provider: str
    environment: str
    interruptible: bool
    name: str
    engine: str = "tgi"  # tgi-fleet:engine: the inference engine the replicas run
    # The engine's memory keys as launched (vLLM's gpu_memory_utilization, SGLang's mem_fraction_static, the KV
    # dtype, max_num_seqs): the pack recomputes the fit by the engine's rule (sizing.engines). Default: TGI's none.
    engine_knobs: EngineKnobs = EngineKnobs()
    model_id: str
    dtype: str
    quantize: str
    model_arch: ModelArch
    max_input_tokens: int
    max_total_tokens: int
    max_batch_prefill_tokens: int
    model_max_context: int
    num_shard: int
    gpu_class: str
    gpu_name: str
    gpu_vram_bytes: int
    gpu_count: int
    gpu_compute_capability: float
    min_vram_bytes: int
    replicas: int
    image: str
    gateway_enabled: bool
    gateway_auth: bool
    shm_bytes: int
    plain_env: dict[str, str]
    secret_env: list[str]
    hourly_cost: float | None = None
    allow_unfit: bool = False  # tgi-fleet:sizing.allow_unfit: the program deploys a plan that does not fit
    log_destination: str | None = None  # where the container's logs are shipped (None: nowhere beyond the node)
    # Where the platform schedules pods onto node types it documents (GKE): the node type and what the pod
    # requests besides its GPUs (None: no request), checked against that node's allocatable.
    node_type: str | None = None
    cpu_request_m: int | None = None
    memory_request_mib: int | None = None

    def props(self) -> dict[str, Any]:
        """The component inputs CrossGuard sees."""
        return self.model_dump(mode="json")
