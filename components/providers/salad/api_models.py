# Generated from SaladCloud's public API spec (salad-cloud.yaml, 0.9.0-alpha.17) by scripts/gen-salad-models.sh.
# Do not edit: regenerate. tests/contract/test_generated_models.py checks it is current.

from __future__ import annotations

from ipaddress import IPv4Address
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, RootModel
from typing_extensions import TypeAliasType


class CommandItem(RootModel[str]):
    root: Annotated[str, Field(max_length=2048, min_length=1, pattern='^.*$')]


EnvironmentVariablesAdditionalProperty = TypeAliasType(
    "EnvironmentVariablesAdditionalProperty",
    Annotated[
        str,
        Field(
            description='Key-value pairs of environment variables to set in the container.',
            max_length=2048,
            min_length=0,
            pattern='^.*$',
        ),
    ],
)


class ContainerGroupInstancePatch(BaseModel):
    """
    Represents a request to update a container group instance
    """

    model_config = ConfigDict(
        extra='forbid',
    )
    deletion_cost: Annotated[
        int | None,
        Field(
            description='The cost of deleting the container group instance',
            ge=0,
            le=100000,
        ),
    ] = None


class ContainerGroupInstanceStatusCount(BaseModel):
    """
    A summary of container group instances categorized by their current lifecycle status
    """

    allocating_count: Annotated[
        int,
        Field(
            description='The number of container instances that are currently being allocated resources',
            ge=0,
            le=2147483647,
        ),
    ]
    creating_count: Annotated[
        int,
        Field(
            description='The number of container instances that are in the process of being created',
            ge=0,
            le=2147483647,
        ),
    ]
    running_count: Annotated[
        int,
        Field(
            description='The number of container instances that are currently running and operational',
            ge=0,
            le=2147483647,
        ),
    ]
    stopping_count: Annotated[
        int,
        Field(
            description='The number of container instances that are in the process of stopping',
            ge=0,
            le=2147483647,
        ),
    ]


class CommandItem1(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description='Individual component of the command to be run.',
            max_length=2048,
            min_length=1,
            pattern='^.*$',
        ),
    ]


class ContainerGroupProbeExec(BaseModel):
    """
    Defines the exec action for a probe in a container group. This is used to execute a command inside a container for health checks.
    """

    command: Annotated[
        list[CommandItem1],
        Field(
            description='The command to execute inside the container. Exit status of 0 is considered successful, any other exit status is considered failure.',
            max_length=100,
            min_length=1,
        ),
    ]


class ContainerGroupProbeGrpc(BaseModel):
    """
    Configuration for gRPC-based health probes in container groups, used to determine container health status.
    """

    port: Annotated[
        int,
        Field(
            description='The port number on which the gRPC health check service is exposed.',
            ge=0,
            le=65536,
        ),
    ]
    service: Annotated[
        str,
        Field(
            description='The name of the gRPC service that implements the health check protocol.',
            max_length=1024,
            min_length=0,
            pattern='^.*$',
        ),
    ]


class ContainerGroupProbeHttpHeader(BaseModel):
    name: Annotated[
        str,
        Field(
            description='The name of the HTTP header',
            max_length=256,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    value: Annotated[
        str,
        Field(
            description='The value associated with the HTTP header',
            max_length=1024,
            min_length=1,
            pattern='^.*$',
        ),
    ]


class ContainerGroupProbeTcp(BaseModel):
    """
    Configuration for a TCP probe used to check container health via network connectivity.
    """

    port: Annotated[
        int,
        Field(
            description='The TCP port number that the probe should connect to. Must be a valid port number between 0 and 65535.',
            ge=0,
            le=65535,
        ),
    ]


class ContainerGroupQueueAutoscaler(BaseModel):
    """
    Defines configuration for automatically scaling container instances based on queue length. The autoscaler monitors a queue and adjusts the number of running replicas to maintain the desired queue length.
    """

    desired_queue_length: Annotated[
        int,
        Field(
            description='The target number of items in the queue that the autoscaler attempts to maintain by scaling the containers up or down',
            ge=1,
            le=100,
        ),
    ]
    max_downscale_per_minute: Annotated[
        int | None,
        Field(
            description='The maximum number of instances that can be removed per minute to prevent rapid downscaling',
            ge=1,
            le=100,
        ),
    ] = None
    max_replicas: Annotated[
        int,
        Field(
            description='The maximum number of instances the container can scale up to',
            ge=1,
            le=500,
        ),
    ]
    max_upscale_per_minute: Annotated[
        int | None,
        Field(
            description='The maximum number of instances that can be added per minute to prevent rapid upscaling',
            ge=1,
            le=100,
        ),
    ] = None
    min_replicas: Annotated[
        int,
        Field(
            description='The minimum number of instances the container can scale down to, ensuring baseline availability',
            ge=0,
            le=100,
        ),
    ]
    polling_period: Annotated[
        int | None,
        Field(
            description='The period (in seconds) in which the autoscaler checks the queue length and applies the scaling formula',
            ge=15,
            le=1800,
        ),
    ] = None


class ContainerGroupQueueConnection(BaseModel):
    """
    Configuration for connecting a container group to a message queue system, enabling asynchronous communication between services.
    """

    path: Annotated[
        str,
        Field(
            description='The endpoint path for accessing the queue service, relative to the base URL of the queue server.',
            max_length=1024,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    port: Annotated[
        int,
        Field(
            description='The network port number used to connect to the queue service. Must be a valid TCP/IP port between 1 and 65535.',
            ge=1,
            le=65535,
        ),
    ]
    queue_name: Annotated[
        str,
        Field(
            description='Unique identifier for the queue. Must start with a lowercase letter, can contain lowercase letters, numbers, and hyphens, and must end with a letter or number.',
            max_length=63,
            min_length=2,
            pattern='^[a-z][a-z0-9-]{0,61}[a-z0-9]$',
        ),
    ]


class ContainerGroupScalingAction(BaseModel):
    """
    Represents a scaling action configuration for a container group
    """

    replicas: Annotated[
        int,
        Field(
            description='The number of replicas to scale to during the scheduled period',
            ge=0,
            le=500,
        ),
    ]
    schedule: Annotated[
        str,
        Field(
            description='The cron-style schedule string defining when the scaling should occur',
            pattern='^([0-9A-Za-z*/,-]+)([\\t ]+[0-9A-Za-z*/,-]+){4}$',
        ),
    ]


class ContainerGroupsQuotas(BaseModel):
    """
    Represents the organization quotas for container groups
    """

    container_replicas_quota: Annotated[
        int,
        Field(
            description='The maximum number of replicas that can be created for a container group',
            examples=[500],
            ge=0,
            le=2147483647,
        ),
    ]
    container_replicas_used: Annotated[
        int,
        Field(
            description='The number of replicas that are currently in use',
            examples=[10],
            ge=0,
            le=2147483647,
        ),
    ]
    max_container_group_reallocations_per_minute: Annotated[
        int | None,
        Field(
            description='The maximum number of container group reallocations per minute',
            examples=[10],
            ge=0,
            le=2147483647,
        ),
    ] = None
    max_container_group_recreates_per_minute: Annotated[
        int | None,
        Field(
            description='The maximum number of container group recreates per minute',
            examples=[10],
            ge=0,
            le=2147483647,
        ),
    ] = None
    max_container_group_restarts_per_minute: Annotated[
        int | None,
        Field(
            description='The maximum number of container group restarts per minute',
            examples=[10],
            ge=0,
            le=2147483647,
        ),
    ] = None


class ContainerLoggingAxiom(BaseModel):
    """
    Configuration settings for integrating container logs with the Axiom logging service. When specified, container logs will be forwarded to the Axiom instance defined by these parameters.
    """

    api_token: Annotated[
        str,
        Field(
            description='Authentication token for the Axiom API with appropriate write permissions',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    dataset: Annotated[
        str,
        Field(
            description='Name of the Axiom dataset where the container logs will be stored and indexed',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    host: Annotated[
        str,
        Field(
            description='The Axiom host URL where logs will be sent (e.g. logs.axiom.co)',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ]


class ContainerLoggingDatadogTag(BaseModel):
    """
    Represents a Datadog tag used for container logging metadata.
    """

    name: Annotated[
        str,
        Field(
            description='The name of the metadata tag.',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    value: Annotated[
        str,
        Field(
            description='The value of the metadata tag.',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ]


class ContainerLoggingHttpHeader(BaseModel):
    """
    Represents an HTTP header used for container logging configuration.
    """

    name: Annotated[
        str,
        Field(
            description='The name of the HTTP header',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    value: Annotated[
        str,
        Field(
            description='The value of the HTTP header',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ]


class ContainerLoggingNewRelic(BaseModel):
    """
    Configuration for sending container logs to New Relic's log management platform.
    """

    host: Annotated[
        str,
        Field(
            description='The New Relic endpoint host for log ingestion (e.g., log-api.newrelic.com).',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    ingestion_key: Annotated[
        str,
        Field(
            description='The New Relic license or ingestion key used for authentication and data routing.',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ]


class ContainerLoggingSplunk(BaseModel):
    """
    Configuration settings for forwarding container logs to a Splunk instance.
    """

    host: Annotated[
        str,
        Field(
            description='The URL of the Splunk HTTP Event Collector (HEC) endpoint.',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    token: Annotated[
        str,
        Field(
            description='The authentication token required to send data to the Splunk HEC endpoint.',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ]


class ContainerLoggingTcp(BaseModel):
    """
    Configuration for forwarding container logs to a remote TCP endpoint
    """

    host: Annotated[
        str,
        Field(
            description='The hostname or IP address of the remote TCP logging endpoint',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    port: Annotated[
        int,
        Field(
            description='The port number on which the TCP logging endpoint is listening',
            ge=1,
            le=65535,
        ),
    ]


class ContainerRegistryAuthenticationAwsEcr(BaseModel):
    """
    Authentication details for AWS Elastic Container Registry (ECR)
    """

    access_key_id: Annotated[
        str,
        Field(
            description='AWS access key ID used for ECR authentication',
            max_length=10000,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    secret_access_key: Annotated[
        str,
        Field(
            description='AWS secret access key used for ECR authentication',
            max_length=10000,
            min_length=1,
            pattern='^.*$',
        ),
    ]


class ContainerRegistryAuthenticationBasic(BaseModel):
    """
    Basic username and password authentication for generic container registries
    """

    password: Annotated[
        str,
        Field(
            description='Password for registry authentication',
            max_length=10000,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    username: Annotated[
        str,
        Field(
            description='Username for registry authentication',
            max_length=10000,
            min_length=1,
            pattern='^.*$',
        ),
    ]


class ContainerRegistryAuthenticationDockerHub(BaseModel):
    """
    Authentication details for Docker Hub registry
    """

    personal_access_token: Annotated[
        str,
        Field(
            description='Docker Hub personal access token (PAT)',
            max_length=10000,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    username: Annotated[
        str,
        Field(
            description='Docker Hub username',
            max_length=10000,
            min_length=1,
            pattern='^.*$',
        ),
    ]


class ContainerRegistryAuthenticationGcpGar(BaseModel):
    """
    Authentication details for Google Artifact Registry (GAR)
    """

    service_key: Annotated[
        str,
        Field(
            description='GCP service account key in JSON format for GAR authentication',
            max_length=10000,
            min_length=1,
        ),
    ]


class ContainerRegistryAuthenticationGcpGcr(BaseModel):
    """
    Authentication details for Google Container Registry (GCR)
    """

    service_key: Annotated[
        str,
        Field(
            description='GCP service account key in JSON format for GCR authentication',
            max_length=10000,
            min_length=1,
        ),
    ]


class ContainerResourceRequirements(BaseModel):
    """
    Specifies the resource requirements for a container.
    """

    cpu: Annotated[
        int,
        Field(
            description='The number of CPU cores required by the container. Must be between 1 and 16.',
            ge=1,
            le=1024,
        ),
    ]
    gpu_classes: Annotated[
        list[UUID],
        Field(
            description='A list of GPU class UUIDs required by the container. Can be null if no GPU is required.',
            max_length=100,
            min_length=0,
        ),
    ]
    memory: Annotated[
        int,
        Field(
            description='The amount of memory (in MB) required by the container. Must be between 1024 MB and 61440 MB.',
            ge=1024,
            le=1073741824,
        ),
    ]
    shm_size: Annotated[
        int | None,
        Field(
            description='The size of the shared memory (/dev/shm) in MB. If not specified, defaults to 1024MB.',
            ge=64,
            le=1073741824,
        ),
    ] = 64
    storage_amount: Annotated[
        int | None,
        Field(
            description='The amount of storage (in bytes) required by the container. Must be between 1 GB (1073741824 bytes) and 250 GB (268435456000 bytes).',
            ge=1073741824,
            le=1125899906842624,
        ),
    ] = None


class CpuAvailability(BaseModel):
    available_cpu_batch: Annotated[
        int | None,
        Field(description='The number of available CPU cores', examples=[1234]),
    ] = None
    on_call_cpu: Annotated[
        int | None, Field(description='The amount of on-call CPU', examples=[10245])
    ] = None


class CpuAvailabilityPrototype(BaseModel):
    country_codes: Annotated[
        list[
            Literal[
                'af',
                'al',
                'dz',
                'as',
                'ad',
                'ao',
                'ai',
                'aq',
                'ag',
                'ar',
                'am',
                'aw',
                'au',
                'at',
                'az',
                'bs',
                'bh',
                'bd',
                'bb',
                'by',
                'be',
                'bz',
                'bj',
                'bm',
                'bt',
                'bo',
                'bq',
                'ba',
                'bw',
                'bv',
                'br',
                'io',
                'bn',
                'bg',
                'bf',
                'bi',
                'cv',
                'kh',
                'cm',
                'ca',
                'ky',
                'cf',
                'td',
                'cl',
                'cn',
                'cx',
                'cc',
                'co',
                'km',
                'cd',
                'cg',
                'ck',
                'cr',
                'hr',
                'cu',
                'cw',
                'cy',
                'cz',
                'ci',
                'dk',
                'dj',
                'dm',
                'do',
                'ec',
                'eg',
                'sv',
                'gq',
                'er',
                'ee',
                'sz',
                'et',
                'fk',
                'fo',
                'fj',
                'fi',
                'fr',
                'gf',
                'pf',
                'tf',
                'ga',
                'gm',
                'ge',
                'de',
                'gh',
                'gi',
                'gr',
                'gl',
                'gd',
                'gp',
                'gu',
                'gt',
                'gg',
                'gn',
                'gw',
                'gy',
                'ht',
                'hm',
                'va',
                'hn',
                'hk',
                'hu',
                'is',
                'in',
                'id',
                'ir',
                'iq',
                'ie',
                'im',
                'il',
                'it',
                'jm',
                'jp',
                'je',
                'jo',
                'kz',
                'ke',
                'ki',
                'kp',
                'kr',
                'kw',
                'kg',
                'la',
                'lv',
                'lb',
                'ls',
                'lr',
                'ly',
                'li',
                'lt',
                'lu',
                'mo',
                'mg',
                'mw',
                'my',
                'mv',
                'ml',
                'mt',
                'mh',
                'mq',
                'mr',
                'mu',
                'yt',
                'mx',
                'fm',
                'md',
                'mc',
                'mn',
                'me',
                'ms',
                'ma',
                'mz',
                'mm',
                'na',
                'nr',
                'np',
                'nl',
                'nc',
                'nz',
                'ni',
                'ne',
                'ng',
                'nu',
                'nf',
                'mp',
                'no',
                'om',
                'pk',
                'pw',
                'ps',
                'pa',
                'pg',
                'py',
                'pe',
                'ph',
                'pn',
                'pl',
                'pt',
                'pr',
                'qa',
                'mk',
                'ro',
                'ru',
                'rw',
                're',
                'bl',
                'sh',
                'kn',
                'lc',
                'mf',
                'pm',
                'vc',
                'ws',
                'sm',
                'st',
                'sa',
                'sn',
                'rs',
                'sc',
                'sl',
                'sg',
                'sx',
                'sk',
                'si',
                'sb',
                'so',
                'za',
                'gs',
                'ss',
                'es',
                'lk',
                'sd',
                'sr',
                'sj',
                'se',
                'ch',
                'sy',
                'tw',
                'tj',
                'tz',
                'th',
                'tl',
                'tg',
                'tk',
                'to',
                'tt',
                'tn',
                'tr',
                'tm',
                'tc',
                'tv',
                'ug',
                'ua',
                'ae',
                'gb',
                'um',
                'us',
                'uy',
                'uz',
                'vu',
                've',
                'vn',
                'vg',
                'vi',
                'wf',
                'eh',
                'ye',
                'zm',
                'zw',
                'ax',
            ]
        ]
        | None,
        Field(
            description='A list of country codes where the resources are available',
            examples=[['us', 'ca']],
        ),
    ] = None
    cpu: Annotated[
        int | None, Field(description='The number of available CPU cores', examples=[4])
    ] = None
    memory: Annotated[
        int | None,
        Field(description='The amount of available memory in MB', examples=[8192]),
    ] = None
    storage_amount: Annotated[
        int | None,
        Field(
            description='The amount of available storage in bytes',
            examples=[1000000000],
        ),
    ] = None


class CommandItem2(RootModel[str]):
    root: Annotated[str, Field(max_length=1000, min_length=1, pattern='^.*$')]


EnvironmentVariablesAdditionalProperty1 = TypeAliasType(
    "EnvironmentVariablesAdditionalProperty1",
    Annotated[str, Field(max_length=1000, min_length=1, pattern='^.*$')],
)


class CreateContainerGroupNetworking(BaseModel):
    """
    Network configuration for container groups specifying connectivity parameters, including authentication, protocol, and timeout settings
    """

    auth: Annotated[
        bool,
        Field(
            description='Determines whether authentication is required for network connections to the container group'
        ),
    ]
    client_request_timeout: Annotated[
        int | None,
        Field(
            description='The container group networking client request timeout.',
            examples=[100000],
            ge=1,
            le=100000,
            title='Container Group Networking Client Request Timeout',
        ),
    ] = 100000
    load_balancer: Annotated[
        Literal['round_robin', 'least_number_of_connections'] | None,
        Field(
            description='The container group networking load balancer.',
            title='The Container Group Networking Load Balancer',
        ),
    ] = 'round_robin'
    port: Annotated[
        int,
        Field(
            description='The container group networking port.',
            examples=[60000],
            ge=1,
            le=65535,
            title='Container Group Networking Port',
        ),
    ]
    protocol: Annotated[
        Literal['http'],
        Field(
            description='Defines the communication protocol used for network traffic between containers or external systems. Currently supports HTTP protocol for web-based communication.',
            title='Container Networking Protocol',
        ),
    ]
    server_response_timeout: Annotated[
        int | None,
        Field(
            description='The container group networking server response timeout.',
            examples=[100000],
            ge=1,
            le=100000,
            title='Container Group Networking Server Response Timeout',
        ),
    ] = 100000
    single_connection_limit: Annotated[
        bool | None,
        Field(
            description='The container group networking single connection limit flag.',
            examples=[False],
            title='Container Group Networking Single Connection Limit',
        ),
    ] = False


class CreateContainerLoggingHttp(BaseModel):
    """
    Configuration for sending container logs to an HTTP endpoint. Defines how logs are formatted, compressed, and transmitted.
    """

    compression: Annotated[
        Literal['none', 'gzip'],
        Field(
            description='The compression algorithm to apply to logs before transmission'
        ),
    ]
    format: Annotated[
        Literal['json', 'json_lines'],
        Field(description='The format in which logs will be delivered'),
    ]
    headers: Annotated[
        list[ContainerLoggingHttpHeader] | None,
        Field(
            description='Optional HTTP headers to include in log transmission requests',
            max_length=1000,
            min_length=0,
        ),
    ] = None
    host: Annotated[
        str,
        Field(
            description='The hostname or IP address of the HTTP logging endpoint',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    password: Annotated[
        str | None,
        Field(
            description='Optional password for HTTP authentication',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ] = None
    path: Annotated[
        str | None,
        Field(
            description='Optional URL path for the HTTP endpoint',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ] = None
    port: Annotated[
        int,
        Field(
            description='The port number of the HTTP logging endpoint (1-65535)',
            ge=1,
            le=65535,
        ),
    ]
    user: Annotated[
        str | None,
        Field(
            description='Optional username for HTTP authentication',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ] = None


class CreateContainerResourceRequirements(BaseModel):
    """
    Specifies the resource requirements for creating a container.
    """

    cpu: Annotated[
        int,
        Field(
            description='The number of CPU cores to allocate to the container (between 1 and 1024).',
            ge=1,
            le=1024,
        ),
    ]
    gpu_classes: Annotated[
        list[UUID] | None,
        Field(
            description='A list of GPU class UUIDs required by the container. Can be null if no GPU is required.',
            max_length=100,
            min_length=0,
        ),
    ] = None
    memory: Annotated[
        int,
        Field(
            description='The amount of memory to allocate to the container in megabytes (between 1024 and 1073741824).',
            ge=1024,
            le=1073741824,
        ),
    ]
    shm_size: Annotated[
        int | None,
        Field(
            description='The amount of shared memory to allocate to the container via `/dev/shm` in megabytes (between 64 and 1073741824). If not specified, defaults to 64 MB.',
            ge=64,
            le=1073741824,
        ),
    ] = 64
    storage_amount: Annotated[
        int | None,
        Field(
            description='The amount of storage to allocate to the container in bytes (between 1 GB and 1 PB).',
            ge=1073741824,
            le=1125899906842624,
        ),
    ] = None


class GpuAvailability(BaseModel):
    available_gpu_batch: Annotated[
        int | None,
        Field(description='The number of available GPU batches', examples=[2]),
    ] = None
    available_gpu_high: Annotated[
        int | None,
        Field(description='The number of available high-end GPUs', examples=[0]),
    ] = None
    available_gpu_low: Annotated[
        int | None,
        Field(description='The number of available low-end GPUs', examples=[1]),
    ] = None
    available_gpu_medium: Annotated[
        int | None,
        Field(description='The number of available medium-end GPUs', examples=[1]),
    ] = None
    on_call_gpu: Annotated[
        int | None,
        Field(description='The number of on-call GPUs available', examples=[1]),
    ] = None


class GpuAvailabilityPrototype(BaseModel):
    country_codes: Annotated[
        list[
            Literal[
                'af',
                'al',
                'dz',
                'as',
                'ad',
                'ao',
                'ai',
                'aq',
                'ag',
                'ar',
                'am',
                'aw',
                'au',
                'at',
                'az',
                'bs',
                'bh',
                'bd',
                'bb',
                'by',
                'be',
                'bz',
                'bj',
                'bm',
                'bt',
                'bo',
                'bq',
                'ba',
                'bw',
                'bv',
                'br',
                'io',
                'bn',
                'bg',
                'bf',
                'bi',
                'cv',
                'kh',
                'cm',
                'ca',
                'ky',
                'cf',
                'td',
                'cl',
                'cn',
                'cx',
                'cc',
                'co',
                'km',
                'cd',
                'cg',
                'ck',
                'cr',
                'hr',
                'cu',
                'cw',
                'cy',
                'cz',
                'ci',
                'dk',
                'dj',
                'dm',
                'do',
                'ec',
                'eg',
                'sv',
                'gq',
                'er',
                'ee',
                'sz',
                'et',
                'fk',
                'fo',
                'fj',
                'fi',
                'fr',
                'gf',
                'pf',
                'tf',
                'ga',
                'gm',
                'ge',
                'de',
                'gh',
                'gi',
                'gr',
                'gl',
                'gd',
                'gp',
                'gu',
                'gt',
                'gg',
                'gn',
                'gw',
                'gy',
                'ht',
                'hm',
                'va',
                'hn',
                'hk',
                'hu',
                'is',
                'in',
                'id',
                'ir',
                'iq',
                'ie',
                'im',
                'il',
                'it',
                'jm',
                'jp',
                'je',
                'jo',
                'kz',
                'ke',
                'ki',
                'kp',
                'kr',
                'kw',
                'kg',
                'la',
                'lv',
                'lb',
                'ls',
                'lr',
                'ly',
                'li',
                'lt',
                'lu',
                'mo',
                'mg',
                'mw',
                'my',
                'mv',
                'ml',
                'mt',
                'mh',
                'mq',
                'mr',
                'mu',
                'yt',
                'mx',
                'fm',
                'md',
                'mc',
                'mn',
                'me',
                'ms',
                'ma',
                'mz',
                'mm',
                'na',
                'nr',
                'np',
                'nl',
                'nc',
                'nz',
                'ni',
                'ne',
                'ng',
                'nu',
                'nf',
                'mp',
                'no',
                'om',
                'pk',
                'pw',
                'ps',
                'pa',
                'pg',
                'py',
                'pe',
                'ph',
                'pn',
                'pl',
                'pt',
                'pr',
                'qa',
                'mk',
                'ro',
                'ru',
                'rw',
                're',
                'bl',
                'sh',
                'kn',
                'lc',
                'mf',
                'pm',
                'vc',
                'ws',
                'sm',
                'st',
                'sa',
                'sn',
                'rs',
                'sc',
                'sl',
                'sg',
                'sx',
                'sk',
                'si',
                'sb',
                'so',
                'za',
                'gs',
                'ss',
                'es',
                'lk',
                'sd',
                'sr',
                'sj',
                'se',
                'ch',
                'sy',
                'tw',
                'tj',
                'tz',
                'th',
                'tl',
                'tg',
                'tk',
                'to',
                'tt',
                'tn',
                'tr',
                'tm',
                'tc',
                'tv',
                'ug',
                'ua',
                'ae',
                'gb',
                'um',
                'us',
                'uy',
                'uz',
                'vu',
                've',
                'vn',
                'vg',
                'vi',
                'wf',
                'eh',
                'ye',
                'zm',
                'zw',
                'ax',
            ]
        ]
        | None,
        Field(
            description='A list of country codes where the resources are available',
            examples=[['us', 'ca']],
        ),
    ] = None
    cpu: Annotated[
        int | None, Field(description='The number of available CPU cores', examples=[4])
    ] = None
    gpu_classes: Annotated[
        list[UUID],
        Field(
            description='A list of available GPU class names',
            examples=[
                [
                    '550e8400-e29b-41d4-a716-446655440000',
                    '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
                ]
            ],
            min_length=1,
        ),
    ]
    memory: Annotated[
        int | None,
        Field(description='The amount of available memory in MB', examples=[8192]),
    ] = None
    storage_amount: Annotated[
        int | None,
        Field(
            description='The amount of available storage in bytes',
            examples=[1000000000],
        ),
    ] = None


class GpuClassPrice(BaseModel):
    """
    Represents the price of a GPU class for a given container group priority
    """

    price: Annotated[
        str, Field(description='The price', max_length=20, min_length=1, pattern='^.*$')
    ]
    priority: Annotated[
        Literal['high', 'medium', 'low', 'batch'],
        Field(
            description='Specifies the priority level for container group execution, which determines resource allocation and scheduling precedence.',
            title='Container Group Priority',
        ),
    ]


class InferenceEndpointJobMetadata(RootModel[dict[str, Any]]):
    """
    The job metadata. May be any valid JSON.
    """

    root: Annotated[dict[str, Any], Field(max_length=20)]


class InferenceEndpointJobPrototype(BaseModel):
    """
    Represents a request to create a inference endpoint job
    """

    input: Annotated[
        Any, Field(description='The job input. May be any valid JSON.', title='Input')
    ]
    metadata: InferenceEndpointJobMetadata | None = None
    webhook: Annotated[
        str | None,
        Field(
            deprecated=True,
            description='The webhook URL to which the job results will be POSTed.',
            max_length=2048,
            min_length=1,
        ),
    ] = None
    webhook_url: Annotated[
        str | None,
        Field(
            description='The webhook URL to which the job results will be POSTed.',
            examples=['https://webhook.example.com/events'],
            max_length=2048,
            min_length=1,
        ),
    ] = None


LabelsAdditionalProperty = TypeAliasType(
    "LabelsAdditionalProperty", Annotated[str, Field(max_length=1000, min_length=1)]
)


class LogEntryResource(BaseModel):
    """
    The resource associated with the log entry
    """

    model_config = ConfigDict(
        extra='forbid',
    )
    labels: Annotated[
        dict[str, LabelsAdditionalProperty],
        Field(
            description='The labels associated with the resource',
            max_length=100,
            min_length=0,
        ),
    ]
    type: Annotated[
        str,
        Field(description='The type of the resource', max_length=1000, min_length=1),
    ]


class ProblemDetails(BaseModel):
    """
    Represents an API error
    """

    detail: Annotated[
        str | None,
        Field(
            description='The human-readable explanation specific to this occurrence of the error.',
            examples=['The container group could not be found.'],
            max_length=2000,
            min_length=1,
        ),
    ] = None
    instance: Annotated[
        str | None,
        Field(
            description='The URI reference that identifies the specific occurrence of the error.',
            examples=['https://example.com/error-instances/12345'],
            max_length=2048,
            min_length=1,
        ),
    ] = None
    status: Annotated[
        int | None,
        Field(
            description='The HTTP status code generated by the origin server for this occurrence of the error.',
            examples=[404],
            ge=100,
            le=599,
        ),
    ] = None
    title: Annotated[
        str | None,
        Field(
            description='The short, human-readable summary of the error type.',
            examples=['Not Found'],
            max_length=2000,
            min_length=1,
        ),
    ] = None
    type: Annotated[
        str | None,
        Field(
            description='The URI reference that identifies the error type.',
            examples=['https://example.com/errors/invalid-request'],
            max_length=2048,
            min_length=1,
        ),
    ] = 'about:blank'


class QueueJobEvent(BaseModel):
    """
    Represents an event for queue job
    """

    action: Annotated[
        Literal['created', 'started', 'succeeded', 'cancelled', 'failed'],
        Field(description='The action that was taken on the queue job'),
    ]
    time: Annotated[
        AwareDatetime,
        Field(description='The time the action was taken on the queue job'),
    ]


class QueueJobMetadata(RootModel[dict[str, Any]]):
    """
    Additional metadata for the job
    """

    root: Annotated[dict[str, Any], Field(max_length=20)]


class QueueJobPrototype(BaseModel):
    """
    Represents a request to create a queue job
    """

    input: Annotated[Any, Field(description='The job input. May be any valid JSON.')]
    metadata: QueueJobMetadata | None = None
    webhook: Annotated[
        str | None,
        Field(
            description='The webhook to call when the job completes',
            max_length=2048,
            min_length=1,
            pattern='^.*$',
        ),
    ] = None


class QueuePatch(BaseModel):
    """
    Represents a request to update an existing queue.
    """

    description: Annotated[
        str | None,
        Field(
            description='The description. This may be used as a space for notes or other information about the queue.',
            max_length=500,
            min_length=0,
            pattern='^.*$',
        ),
    ] = None
    display_name: Annotated[
        str | None,
        Field(
            description='The display name. This may be used as a more human-readable name.',
            max_length=63,
            min_length=2,
            pattern='^[ ,-.0-9A-Za-z]+$',
        ),
    ] = None


class QueuePrototype(BaseModel):
    """
    Represents a request to create a new queue.
    """

    description: Annotated[
        str | None,
        Field(
            description='The description. This may be used as a space for notes or other information about the queue.',
            max_length=500,
            min_length=0,
            pattern='^.*$',
        ),
    ] = None
    display_name: Annotated[
        str | None,
        Field(
            description='The display name. This may be used as a more human-readable name.',
            max_length=63,
            min_length=2,
            pattern='^[ ,-.0-9A-Za-z]+$',
        ),
    ] = None
    name: Annotated[
        str,
        Field(
            description='The queue name. This must be unique within the project.',
            max_length=63,
            min_length=2,
            pattern='^[a-z][a-z0-9-]{0,61}[a-z0-9]$',
        ),
    ]


class Quotas(BaseModel):
    """
    Represents the organization quotas
    """

    container_groups_quotas: ContainerGroupsQuotas
    create_time: Annotated[
        AwareDatetime | None, Field(description='The time the resource was created')
    ] = None
    update_time: Annotated[
        AwareDatetime | None,
        Field(description='The time the resource was last updated'),
    ] = None


class SystemLog(BaseModel):
    """
    Represents a system log
    """

    event_name: Annotated[
        str,
        Field(
            description='The name of the event',
            max_length=255,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    event_time: Annotated[
        AwareDatetime,
        Field(description='The UTC date & time when the log item was created'),
    ]
    instance_id: Annotated[
        UUID | None,
        Field(
            description='The container group instance identifier.',
            examples=['db3a4591-efc3-46c0-b06a-3d820c0ec100'],
            title='Container Group Instance ID',
        ),
    ] = None
    machine_id: Annotated[
        UUID | None,
        Field(
            description='The container group machine identifier.',
            examples=['eb3a4591-efc3-46c0-b06a-3d820c0ec100'],
            title='Container Group Machine ID',
        ),
    ] = None
    resource_cpu: Annotated[
        int | None, Field(description='The number of CPUs', ge=1, le=16)
    ]
    resource_gpu_class: Annotated[str, Field(description='The GPU class name')]
    resource_memory: Annotated[
        int | None, Field(description='The memory amount in MB', ge=1024, le=61440)
    ]
    resource_storage_amount: Annotated[
        int | None,
        Field(
            description='The storage amount in bytes', ge=1073741824, le=268435456000
        ),
    ]
    version: Annotated[str, Field(description='The version instance ID')]


class SystemLogList(BaseModel):
    """
    Represents a list of system logs
    """

    items: Annotated[
        list[SystemLog],
        Field(description='A list of system logs', max_length=50, min_length=0),
    ]


class CommandItem3(RootModel[str]):
    root: Annotated[str, Field(max_length=1024, min_length=1, pattern='^.*$')]


class UpdateContainerGroupNetworking(BaseModel):
    """
    Represents update container group networking parameters
    """

    port: Annotated[
        int | None,
        Field(
            description='The port number to expose on the container group',
            ge=1,
            le=65535,
        ),
    ] = None


class UpdateContainerResources(BaseModel):
    """
    Defines the resource specifications that can be modified for a container group, including CPU, memory, GPU classes, and storage allocations.
    """

    cpu: Annotated[
        int | None,
        Field(
            description='The number of CPU cores to allocate to the container (between 1 and 1024).',
            ge=1,
            le=1024,
        ),
    ] = None
    gpu_classes: Annotated[
        list[UUID] | None,
        Field(
            description='List of GPU class identifiers that the container can use, specified as UUIDs.',
            max_length=100,
            min_length=0,
        ),
    ] = None
    memory: Annotated[
        int | None,
        Field(
            description='The amount of memory to allocate to the container in megabytes (between 1024 and 1073741824).',
            ge=1024,
            le=1073741824,
        ),
    ] = None
    shm_size: Annotated[
        int | None,
        Field(
            description='The amount of shared memory to allocate to the container via `/dev/shm` in megabytes (between 64 and 1073741824). If not specified, defaults to 64 MB.',
            ge=64,
            le=1073741824,
        ),
    ] = 64
    storage_amount: Annotated[
        int | None,
        Field(
            description='The amount of storage to allocate to the container in bytes (between 1 GB and 1 PB).',
            ge=1073741824,
            le=1125899906842624,
        ),
    ] = None


class WebhookSecretKey(BaseModel):
    """
    Represents a webhook secret key
    """

    secret_key: Annotated[
        str,
        Field(
            description='The webhook secret key',
            max_length=172,
            min_length=44,
            pattern='^[+/=0-9A-Za-z]{44,172}$',
        ),
    ]


class ContainerGroupInstance(BaseModel):
    """
    A Container Group Instance represents a running instance of a container group on a specific machine. It provides information about the execution state, readiness, and version of the deployed container group.
    """

    cpu_percent: Annotated[
        float | None,
        Field(
            description='The percentage of CPU used by this container group instance. This is updated every minute.',
            ge=0.0,
        ),
    ] = None
    cpu_usage: Annotated[
        int | None,
        Field(
            description='The total CPU usage in seconds for this container group instance. This is updated every minute.',
            ge=0,
        ),
    ] = None
    cpu_usage_total: Annotated[
        int | None,
        Field(
            description='The total CPU usage in seconds for this container group instance since it was started. This is updated every minute.',
            ge=0,
        ),
    ] = None
    deletion_cost: Annotated[
        int | None,
        Field(
            description='The cost of deleting the container group instance',
            ge=0,
            le=100000,
        ),
    ] = 0
    id: Annotated[
        UUID,
        Field(
            description='The container group instance identifier.',
            examples=['db3a4591-efc3-46c0-b06a-3d820c0ec100'],
            title='Container Group Instance ID',
        ),
    ]
    machine_id: Annotated[
        UUID,
        Field(
            description='The container group machine identifier.',
            examples=['eb3a4591-efc3-46c0-b06a-3d820c0ec100'],
            title='Container Group Machine ID',
        ),
    ]
    memory_usage_mb: Annotated[
        float | None,
        Field(
            description='The memory usage in MB for this container group instance. This is updated every minute.',
            ge=0.0,
        ),
    ] = None
    memory_usage_percent: Annotated[
        float | None,
        Field(
            description='The percentage of memory used by this container group instance. This is updated every minute.',
            ge=0.0,
        ),
    ] = None
    pulling_progress: Annotated[
        float | None,
        Field(
            description="The progress percentage of pulling the container image. This is only relevant when the instance state is 'downloading'.",
            ge=0.0,
            le=100.0,
        ),
    ] = None
    ready: Annotated[
        bool | None,
        Field(
            description='Indicates whether the container group instance is currently passing its readiness checks and is able to receive traffic or perform its intended function. If no readiness probe is defined, this will be true once the instance is fully started.'
        ),
    ] = None
    ssh_host_key_fingerprint: Annotated[
        str | None,
        Field(
            description='The SSH host key fingerprint of the container group instance',
            examples=['SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8'],
            max_length=256,
            min_length=1,
        ),
    ] = None
    ssh_ip: Annotated[
        IPv4Address | None,
        Field(
            description='The SSH IP address of the container group instance',
            examples=['192.168.1.100'],
        ),
    ] = None
    ssh_port: Annotated[
        int | None,
        Field(
            description='The SSH port of the container group instance', ge=1, le=65535
        ),
    ] = 22
    started: Annotated[
        bool | None,
        Field(
            description='Indicates whether the container group instance has successfully completed its startup sequence and passed any configured startup probes. This will always be true when no startup probe is defined for the container group.'
        ),
    ] = None
    state: Annotated[
        Literal['allocating', 'downloading', 'creating', 'running', 'stopping'],
        Field(
            description='The state of the container group instance',
            title='The Container Group Instance State',
        ),
    ]
    update_time: Annotated[
        AwareDatetime,
        Field(
            description='The UTC timestamp when the container group instance last changed its state. This helps track the lifecycle and state transitions of the instance.'
        ),
    ]
    version: Annotated[
        int,
        Field(
            description='The version of the container group definition currently running on this instance. Used to track deployment and update progress across the container group fleet.',
            ge=1,
            le=2147483647,
        ),
    ]


class ContainerGroupInstanceCollection(BaseModel):
    """
    A collection of container group instances returned as part of a paginated response or batch operation result.
    """

    instances: Annotated[
        list[ContainerGroupInstance],
        Field(
            description='An array of container group instances, each representing a deployed container group with its current state and configuration information.',
            max_length=1000,
            min_length=0,
        ),
    ]


class ContainerGroupNetworking(BaseModel):
    """
    Network configuration for container groups that defines connectivity, routing, and access control settings
    """

    auth: Annotated[
        bool,
        Field(
            description='Whether authentication is required for network access to the container group'
        ),
    ]
    client_request_timeout: Annotated[
        int | None,
        Field(
            description='The container group networking client request timeout.',
            examples=[100000],
            ge=1,
            le=100000,
            title='Container Group Networking Client Request Timeout',
        ),
    ] = 100000
    dns: Annotated[
        str,
        Field(
            description="Domain name or URL endpoint for the container group's network interface",
            max_length=253,
            min_length=1,
            pattern='^([a-z][a-z0-9-]{0,61}[a-z0-9]\\.)*[a-z][a-z0-9-]{0,61}[a-z0-9]$',
        ),
    ]
    load_balancer: Annotated[
        Literal['round_robin', 'least_number_of_connections'],
        Field(
            description='The container group networking load balancer.',
            title='The Container Group Networking Load Balancer',
        ),
    ]
    port: Annotated[
        int,
        Field(
            description='The container group networking port.',
            examples=[60000],
            ge=1,
            le=65535,
            title='Container Group Networking Port',
        ),
    ]
    protocol: Annotated[
        Literal['http'],
        Field(
            description='Defines the communication protocol used for network traffic between containers or external systems. Currently supports HTTP protocol for web-based communication.',
            title='Container Networking Protocol',
        ),
    ]
    server_response_timeout: Annotated[
        int | None,
        Field(
            description='The container group networking server response timeout.',
            examples=[100000],
            ge=1,
            le=100000,
            title='Container Group Networking Server Response Timeout',
        ),
    ] = 100000
    single_connection_limit: Annotated[
        bool | None,
        Field(
            description='The container group networking single connection limit flag.',
            examples=[False],
            title='Container Group Networking Single Connection Limit',
        ),
    ] = False


class ContainerGroupProbeHttp(BaseModel):
    """
    Defines HTTP probe configuration for container health checks within a container group.
    """

    headers: Annotated[
        list[ContainerGroupProbeHttpHeader],
        Field(
            description='A collection of HTTP header name-value pairs used for configuring requests and responses in container group endpoints. Each header consists of a name and its corresponding value.',
            max_length=50,
            min_length=0,
            title='HTTP Headers',
        ),
    ]
    path: Annotated[
        str,
        Field(
            description='The HTTP path that will be probed to check container health.',
            max_length=2048,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    port: Annotated[
        int,
        Field(
            description='The TCP port number to which the HTTP request will be sent.',
            ge=0,
            le=65536,
        ),
    ]
    scheme: Annotated[
        Literal['http', 'https'],
        Field(
            description='The protocol scheme used for HTTP probe requests in container health checks.',
            title='HTTP Scheme',
        ),
    ]


class ContainerGroupReadinessProbe(BaseModel):
    """
    Defines how to check if a container is ready to serve traffic. The readiness probe determines whether the container's application is ready to accept traffic. If the readiness probe fails, the container is considered not ready and traffic will not be sent to it.
    """

    exec: ContainerGroupProbeExec | None = None
    failure_threshold: Annotated[
        int,
        Field(
            description='The number of consecutive failures required to consider the probe failed. After this many consecutive failures, the container is marked as not ready.',
            ge=1,
            le=20,
        ),
    ]
    grpc: ContainerGroupProbeGrpc | None = None
    http: ContainerGroupProbeHttp | None = None
    initial_delay_seconds: Annotated[
        int,
        Field(
            description='The time in seconds to wait after the container starts before initiating the first probe. This allows time for the application to initialize before being tested.',
            ge=0,
            le=1200,
        ),
    ]
    period_seconds: Annotated[
        int,
        Field(
            description="How frequently (in seconds) the probe should be executed during the container's lifetime. Specifies the interval between consecutive probe executions.",
            ge=1,
            le=120,
        ),
    ]
    success_threshold: Annotated[
        int,
        Field(
            description='The minimum consecutive successes required to consider the probe successful after it has failed. Defines how many successful probe results are needed to transition from failure to success.',
            ge=1,
            le=10,
        ),
    ]
    tcp: ContainerGroupProbeTcp | None = None
    timeout_seconds: Annotated[
        int,
        Field(
            description="The maximum time in seconds that the probe has to complete. If the probe doesn't return a result before the timeout, it's considered failed.",
            ge=1,
            le=60,
        ),
    ]


class ContainerGroupStartupProbe(BaseModel):
    """
    Defines a probe that checks if a container application has started successfully. Startup probes help prevent applications from being prematurely marked as unhealthy during initialization. The probe can use HTTP requests, TCP connections, gRPC calls, or shell commands to determine startup status.
    """

    exec: ContainerGroupProbeExec | None = None
    failure_threshold: Annotated[
        int,
        Field(
            description='Number of times the probe must fail before considering the container not started',
            ge=1,
            le=20,
        ),
    ]
    grpc: ContainerGroupProbeGrpc | None = None
    http: ContainerGroupProbeHttp | None = None
    initial_delay_seconds: Annotated[
        int,
        Field(
            description='Number of seconds to wait after container startup before the first probe is executed',
            ge=0,
            le=1200,
        ),
    ]
    period_seconds: Annotated[
        int,
        Field(
            description='How frequently (in seconds) to perform the probe', ge=1, le=120
        ),
    ]
    success_threshold: Annotated[
        int,
        Field(
            description='Minimum consecutive successes required for the probe to be considered successful',
            ge=1,
            le=10,
        ),
    ]
    tcp: ContainerGroupProbeTcp | None = None
    timeout_seconds: Annotated[
        int,
        Field(
            description='Maximum time (in seconds) to wait for a probe response before considering it failed',
            ge=1,
            le=60,
        ),
    ]


class ContainerGroupState(BaseModel):
    """
    Represents the operational state of a container group during its lifecycle, including timing information, status, and instance distribution metrics. This state captures the current execution status, start and finish times, and provides visibility into the operational health across instances.
    """

    description: Annotated[
        str | None,
        Field(
            description='Optional textual description or notes about the current state of the container group',
            max_length=1000,
            min_length=0,
            pattern='^.*$',
        ),
    ] = None
    finish_time: Annotated[
        AwareDatetime,
        Field(
            description='Timestamp when the container group execution finished or is expected to finish'
        ),
    ]
    instance_status_counts: ContainerGroupInstanceStatusCount
    start_time: Annotated[
        AwareDatetime,
        Field(description='Timestamp when the container group execution started'),
    ]
    status: Annotated[
        Literal['pending', 'running', 'stopped', 'succeeded', 'failed', 'deploying'],
        Field(
            description='Represents the current operational state of a container group within the Salad platform.',
            title='ContainerGroupStatus',
        ),
    ]


class ContainerLoggingDatadog(BaseModel):
    """
    Configuration for forwarding container logs to Datadog monitoring service.
    """

    api_key: Annotated[
        str,
        Field(
            description='The Datadog API key used for authentication when sending logs.',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    host: Annotated[
        str,
        Field(
            description='The Datadog intake server host URL where logs will be sent.',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    tags: Annotated[
        list[ContainerLoggingDatadogTag] | None,
        Field(
            description='Optional metadata tags to attach to logs for filtering and categorization in Datadog.',
            max_length=1000,
            min_length=0,
        ),
    ]


class ContainerLoggingHttp(BaseModel):
    """
    Configuration for sending container logs to an HTTP endpoint. Defines how logs are formatted, compressed, and transmitted.
    """

    compression: Annotated[
        Literal['none', 'gzip'],
        Field(
            description='The compression algorithm to apply to logs before transmission'
        ),
    ]
    format: Annotated[
        Literal['json', 'json_lines'],
        Field(description='The format in which logs will be delivered'),
    ]
    headers: Annotated[
        list[ContainerLoggingHttpHeader] | None,
        Field(
            description='Optional HTTP headers to include in log transmission requests',
            max_length=1000,
            min_length=0,
        ),
    ]
    host: Annotated[
        str,
        Field(
            description='The hostname or IP address of the HTTP logging endpoint',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    password: Annotated[
        str | None,
        Field(
            description='Optional password for HTTP authentication',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ] = None
    path: Annotated[
        str | None,
        Field(
            description='Optional URL path for the HTTP endpoint',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ] = None
    port: Annotated[
        int,
        Field(
            description='The port number of the HTTP logging endpoint (1-65535)',
            ge=1,
            le=65535,
        ),
    ]
    user: Annotated[
        str | None,
        Field(
            description='Optional username for HTTP authentication',
            max_length=1000,
            min_length=1,
            pattern='^.*$',
        ),
    ] = None


class ContainerRegistryAuthentication(BaseModel):
    """
    Authentication configuration for various container registry types, including AWS ECR, Docker Hub, GCP GAR, GCP GCR, and basic authentication.
    """

    aws_ecr: ContainerRegistryAuthenticationAwsEcr | None = None
    basic: ContainerRegistryAuthenticationBasic | None = None
    docker_hub: ContainerRegistryAuthenticationDockerHub | None = None
    gcp_gar: ContainerRegistryAuthenticationGcpGar | None = None
    gcp_gcr: ContainerRegistryAuthenticationGcpGcr | None = None


class CreateContainerLogging(BaseModel):
    """
    Configuration options for directing container logs to a logging provider. This schema enables you to specify a single logging destination for container output, supporting monitoring, debugging, and analytics use cases. Each provider has its own configuration parameters defined in the referenced schemas. Only one logging provider can be selected at a time.
    """

    axiom: ContainerLoggingAxiom | None = None
    datadog: ContainerLoggingDatadog | None = None
    http: CreateContainerLoggingHttp | None = None
    new_relic: ContainerLoggingNewRelic | None = None
    splunk: ContainerLoggingSplunk | None = None
    tcp: ContainerLoggingTcp | None = None


class GpuClass(BaseModel):
    """
    Represents a GPU Class
    """

    gpu_class_type: Annotated[
        Literal['community', 'secure'] | None,
        Field(description='The type of GPU class'),
    ] = None
    gpu_count: Annotated[
        int | None, Field(description='The number of GPUs in the cluster', ge=1, le=512)
    ] = None
    id: Annotated[UUID, Field(description='The unique identifier')]
    is_high_demand: Annotated[
        bool | None, Field(description='Whether the GPU class is in high demand')
    ] = None
    max_ram: Annotated[
        int | None, Field(description='The maximum RAM amount in MB', ge=0)
    ] = None
    max_storage: Annotated[
        int | None, Field(description='The maximum storage amount in bytes', ge=0)
    ] = None
    max_vcpu: Annotated[
        int | None, Field(description='The maximum vCPU count', ge=0)
    ] = None
    min_ram: Annotated[
        int | None, Field(description='The minimum RAM amount in MB', ge=0)
    ] = None
    min_storage: Annotated[
        int | None, Field(description='The minimum storage amount in bytes', ge=0)
    ] = None
    min_vcpu: Annotated[
        int | None, Field(description='The minimum vCPU count', ge=0)
    ] = None
    name: Annotated[
        str,
        Field(
            description='The GPU class name',
            max_length=63,
            min_length=2,
            pattern='^[ -~]{2,63}$',
        ),
    ]
    prices: Annotated[
        list[GpuClassPrice],
        Field(
            description='The list of prices for each container group priority',
            max_length=100,
            min_length=1,
        ),
    ]


class GpuClassesList(BaseModel):
    """
    Represents a list of GPU classes
    """

    items: Annotated[
        list[GpuClass],
        Field(description='The list of GPU classes', max_length=100, min_length=0),
    ]


class InferenceEndpoint(BaseModel):
    """
    Represents an inference endpoint
    """

    description: Annotated[
        str,
        Field(
            description='The detailed description of the resource.',
            examples=[''],
            max_length=1000,
            min_length=0,
            pattern='^.*$',
        ),
    ]
    display_name: Annotated[
        str,
        Field(
            description='The display-friendly name of the resource.',
            examples=['Name'],
            max_length=63,
            min_length=2,
            pattern='^[ ,-.0-9A-Za-z]+$',
        ),
    ]
    icon_url: Annotated[
        str,
        Field(
            description='The URL of the icon image',
            max_length=2048,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    id: Annotated[
        UUID,
        Field(
            description='The inference endpoint identifier.',
            examples=['cb3a4591-efc3-46c0-b06a-3d820c0ec100'],
            title='Inference Endpoint ID',
        ),
    ]
    input_schema: Annotated[
        str,
        Field(
            description='The input schema',
            max_length=100000,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    name: Annotated[
        str,
        Field(
            description='The inference endpoint name.',
            examples=['transcribe'],
            max_length=63,
            min_length=2,
            pattern='^[a-z][a-z0-9-]{0,61}[a-z0-9]$',
            title='Inference Endpoint Name',
        ),
    ]
    organization_name: Annotated[
        str,
        Field(
            description='The organization name.',
            examples=['acme-corp'],
            max_length=63,
            min_length=2,
            pattern='^[a-z][a-z0-9-]{0,61}[a-z0-9]$',
            title='Organization Name',
        ),
    ]
    output_schema: Annotated[
        str,
        Field(
            description='The output schema',
            max_length=100000,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    price_description: Annotated[
        str,
        Field(
            description='A description of the price',
            max_length=100,
            min_length=1,
            pattern='^.*$',
        ),
    ]
    readme: Annotated[
        str,
        Field(
            description='A markdown file containing a detailed description of the inference endpoint',
            max_length=100000,
            min_length=1,
            pattern='^.*$',
        ),
    ]


class InferenceEndpointCollection(BaseModel):
    """
    Represents a page from the collection of inference endpoints.
    """

    items: Annotated[
        list[InferenceEndpoint],
        Field(
            description='The list of inference endpoints.', max_length=100, min_length=0
        ),
    ]
    page: Annotated[
        int, Field(description='The page number.', examples=[1], ge=1, le=2147483647)
    ]
    page_size: Annotated[
        int,
        Field(
            description='The maximum number of items per page.',
            examples=[1],
            ge=1,
            le=100,
        ),
    ]
    total_size: Annotated[
        int,
        Field(
            description='The total number of items in the collection.',
            examples=[100],
            ge=0,
            le=2147483647,
        ),
    ]


class InferenceEndpointJobEvent(BaseModel):
    """
    Represents an event for inference endpoint job
    """

    action: Annotated[
        Literal['created', 'started', 'succeeded', 'cancelled', 'failed'],
        Field(description='The action that was taken on the inference endpoint job.'),
    ]
    time: Annotated[AwareDatetime, Field(description='The time the event occurred.')]


class LogEntry(BaseModel):
    json_log: Annotated[
        dict[str, Any] | None, Field(description='The log message in JSON format.')
    ] = None
    parent_span_id: Annotated[
        str | None,
        Field(
            description='The parent span ID of the log entry',
            max_length=1000,
            min_length=1,
        ),
    ] = None
    receive_time: Annotated[
        AwareDatetime, Field(description='The time when the log entry was received')
    ]
    resource: LogEntryResource
    severity: Annotated[
        Literal[
            'default',
            'debug',
            'info',
            'notice',
            'warning',
            'error',
            'critical',
            'alert',
            'emergency',
        ],
        Field(description='The severity level of the log entry'),
    ]
    span_Id: Annotated[
        str | None,
        Field(
            description='The span ID of the log entry', max_length=1000, min_length=1
        ),
    ] = None
    text_log: Annotated[
        str | None,
        Field(
            description='The log message in text format.',
            max_length=10000,
            min_length=0,
        ),
    ] = None
    time: Annotated[AwareDatetime, Field(description='The timestamp of the log entry')]
    trace_Id: Annotated[
        str | None,
        Field(
            description='The trace ID of the log entry', max_length=1000, min_length=1
        ),
    ] = None


class LogEntryCollection(BaseModel):
    """
    Represents a page of organization logs
    """

    items: Annotated[
        list[LogEntry],
        Field(
            description='A collection of log entries', max_length=10000, min_length=0
        ),
    ]
    organization_name: Annotated[
        str,
        Field(
            description='The organization name.',
            examples=['acme-corp'],
            max_length=63,
            min_length=2,
            pattern='^[a-z][a-z0-9-]{0,61}[a-z0-9]$',
            title='Organization Name',
        ),
    ]
    page_max_time: Annotated[
        AwareDatetime,
        Field(
            description='The maximum time page boundary. This may be used when getting paginated results.'
        ),
    ]
    page_min_time: Annotated[
        AwareDatetime,
        Field(
            description='The minimum time page boundary. This may be used when getting paginated results.'
        ),
    ]


class LogEntryQuery(BaseModel):
    """
    Represents a query for logs
    """

    end_time: Annotated[
        AwareDatetime, Field(description='The end time of the time range')
    ]
    page_size: Annotated[
        int | None,
        Field(
            description='The maximum number of items per page.',
            examples=[1],
            ge=1,
            le=100,
        ),
    ] = None
    query: Annotated[
        str,
        Field(
            description='The query string for filtering logs',
            max_length=20000,
            min_length=0,
        ),
    ]
    sort_order: Annotated[
        Literal['desc', 'asc'] | None,
        Field(
            description='The sort order of the log entries. `asc` will sort the log entries in chronological order. `desc` will sort the log entries in reverse chronological order.'
        ),
    ] = 'desc'
    start_time: Annotated[
        AwareDatetime, Field(description='The start time of the time range')
    ]


class QueueJob(BaseModel):
    """
    Represents a queue job
    """

    create_time: Annotated[AwareDatetime, Field(description='The job creation time')]
    events: Annotated[
        list[QueueJobEvent],
        Field(description='The job events', max_length=1000, min_length=0),
    ]
    id: Annotated[UUID, Field(description='The job identifier')]
    input: Annotated[Any, Field(description='The job input. May be any valid JSON.')]
    metadata: QueueJobMetadata | None = None
    output: Annotated[
        Any | None, Field(description='The job output. May be any valid JSON.')
    ] = None
    status: Annotated[
        Literal['pending', 'running', 'succeeded', 'cancelled', 'failed'],
        Field(description='The job status'),
    ]
    update_time: Annotated[AwareDatetime, Field(description='The job update time')]
    webhook: Annotated[
        str | None,
        Field(
            description='The webhook URL to notify when the job completes',
            max_length=27,
            min_length=20,
            pattern='^\\\\d{4}-\\\\d{2}-\\\\d{2}T\\\\d{2}:\\\\d{2}:\\\\d{2}(\\\\.\\\\d+)?(Z|[+-]\\\\d{2}:\\\\d{2})$',
        ),
    ] = None


class QueueJobCollection(BaseModel):
    """
    Represents a Queue Job Collection
    """

    items: Annotated[
        list[QueueJob],
        Field(description='The list of queue jobs', max_length=100, min_length=0),
    ]


class UpdateContainerLogging(BaseModel):
    """
    Configuration options for directing container logs to a logging provider. This schema enables you to specify a single logging destination for container output, supporting monitoring, debugging, and analytics use cases. Each provider has its own configuration parameters defined in the referenced schemas. Only one logging provider can be selected at a time.
    """

    axiom: ContainerLoggingAxiom | None = None
    datadog: ContainerLoggingDatadog | None = None
    http: ContainerLoggingHttp | None = None
    new_relic: ContainerLoggingNewRelic | None = None
    splunk: ContainerLoggingSplunk | None = None
    tcp: ContainerLoggingTcp | None = None


class ContainerGroupLivenessProbe(BaseModel):
    """
    Defines a liveness probe for container groups that determines when to restart a container if it becomes unhealthy
    """

    exec: ContainerGroupProbeExec | None = None
    failure_threshold: Annotated[
        int,
        Field(
            description='Number of consecutive failures required to consider the probe as failed',
            ge=1,
            le=20,
        ),
    ]
    grpc: ContainerGroupProbeGrpc | None = None
    http: ContainerGroupProbeHttp | None = None
    initial_delay_seconds: Annotated[
        int,
        Field(
            description='Number of seconds to wait after container start before initiating liveness probes',
            ge=0,
            le=1200,
        ),
    ]
    period_seconds: Annotated[
        int,
        Field(
            description='Frequency in seconds at which the probe should be executed',
            ge=1,
            le=120,
        ),
    ]
    success_threshold: Annotated[
        int,
        Field(
            description='Number of consecutive successes required to consider the probe successful',
            ge=1,
            le=10,
        ),
    ]
    tcp: ContainerGroupProbeTcp | None = None
    timeout_seconds: Annotated[
        int,
        Field(
            description='Number of seconds after which the probe times out if no response is received',
            ge=1,
            le=60,
        ),
    ]


class ContainerLogging(BaseModel):
    """
    Configuration options for directing container logs to a logging provider. This schema enables you to specify a single logging destination for container output, supporting monitoring, debugging, and analytics use cases. Each provider has its own configuration parameters defined in the referenced schemas. Only one logging provider can be selected at a time.
    """

    axiom: ContainerLoggingAxiom | None = None
    datadog: ContainerLoggingDatadog | None = None
    http: ContainerLoggingHttp | None = None
    new_relic: ContainerLoggingNewRelic | None = None
    splunk: ContainerLoggingSplunk | None = None
    tcp: ContainerLoggingTcp | None = None


class CreateContainer(BaseModel):
    """
    Configuration for creating a container within a container group. Defines the container image, resource requirements, environment variables, and other settings needed to deploy and run the container.
    """

    command: Annotated[
        list[CommandItem2] | None,
        Field(
            description='Pass a command (and optional arguments) to override the ENTRYPOINT and CMD of a container image. Each element in the array represents a command segment or argument.',
            max_length=100,
            min_length=0,
        ),
    ] = None
    environment_variables: Annotated[
        dict[str, EnvironmentVariablesAdditionalProperty1] | None,
        Field(
            description='Key-value pairs of environment variables to set within the container. These variables will be available to processes running inside the container.'
        ),
    ] = None
    image: Annotated[
        str,
        Field(
            description='The container image.',
            examples=['acme/:latest'],
            max_length=2048,
            min_length=1,
            pattern='^.*$',
            title='Container Image',
        ),
    ]
    image_caching: Annotated[
        bool | None,
        Field(
            description='The container image caching.',
            examples=[True],
            title='Container Image Caching',
        ),
    ] = None
    logging: CreateContainerLogging | None = None
    priority: Annotated[
        Literal['high', 'medium', 'low', 'batch'] | None,
        Field(
            description='Specifies the priority level for container group execution, which determines resource allocation and scheduling precedence.',
            title='Container Group Priority',
        ),
    ] = None
    registry_authentication: ContainerRegistryAuthentication | None = None
    resources: CreateContainerResourceRequirements


class InferenceEndpointJob(BaseModel):
    """
    Represents a inference endpoint job
    """

    create_time: Annotated[
        AwareDatetime,
        Field(description='The time the job was created.', title='Create Time'),
    ]
    events: Annotated[
        list[InferenceEndpointJobEvent],
        Field(
            description='The list of events.',
            max_length=1000,
            min_length=0,
            title='Events',
        ),
    ]
    id: Annotated[
        UUID,
        Field(
            description='The inference endpoint job identifier.',
            examples=['2fc459a1-1c09-4a34-ade7-54d03fc51d6a'],
            title='Inference Endpoint Job ID',
        ),
    ]
    inference_endpoint_name: Annotated[
        str,
        Field(
            description='The inference endpoint name.',
            examples=['transcribe'],
            max_length=63,
            min_length=2,
            pattern='^[a-z][a-z0-9-]{0,61}[a-z0-9]$',
            title='Inference Endpoint Name',
        ),
    ]
    input: Annotated[
        Any, Field(description='The job input. May be any valid JSON.', title='Input')
    ]
    metadata: InferenceEndpointJobMetadata | None = None
    organization_name: Annotated[
        str,
        Field(
            description='The organization name.',
            examples=['acme-corp'],
            max_length=63,
            min_length=2,
            pattern='^[a-z][a-z0-9-]{0,61}[a-z0-9]$',
            title='Organization Name',
        ),
    ]
    output: Annotated[
        Any | None,
        Field(description='The job output. May be any valid JSON.', title='Output'),
    ] = None
    status: Annotated[
        Literal['pending', 'running', 'succeeded', 'cancelled', 'failed'],
        Field(description='The current status.', title='Status'),
    ]
    update_time: Annotated[
        AwareDatetime,
        Field(description='The time the job was last updated.', title='Update Time'),
    ]
    webhook: Annotated[
        str | None,
        Field(
            deprecated=True,
            description='The webhook URL called when the job completes.',
            max_length=2048,
            min_length=1,
            title='Webhook',
        ),
    ] = None
    webhook_url: Annotated[
        str | None,
        Field(
            description='The webhook URL called when the job completes.',
            max_length=2048,
            min_length=1,
            title='Webhook',
        ),
    ] = None


class InferenceEndpointJobCollection(BaseModel):
    """
    Represents a collection of inference endpoint jobs
    """

    items: Annotated[
        list[InferenceEndpointJob],
        Field(
            description='The list of inference endpoint jobs.',
            max_length=100,
            min_length=0,
        ),
    ]
    page: Annotated[
        int, Field(description='The page number.', examples=[1], ge=1, le=2147483647)
    ]
    page_size: Annotated[
        int,
        Field(
            description='The maximum number of items per page.',
            examples=[1],
            ge=1,
            le=100,
        ),
    ]
    total_size: Annotated[
        int,
        Field(
            description='The total number of items in the collection.',
            examples=[100],
            ge=0,
            le=2147483647,
        ),
    ]


class UpdateContainer(BaseModel):
    """
    Represents an update container object
    """

    command: Annotated[
        list[CommandItem3] | None,
        Field(
            description='Pass a command (and optional arguments) to override the ENTRYPOINT and CMD of a container image.',
            max_length=100,
            min_length=0,
        ),
    ] = None
    environment_variables: Annotated[
        dict[str, EnvironmentVariablesAdditionalProperty1] | None,
        Field(description='Environment variables to set in the container.'),
    ] = None
    image: Annotated[
        str | None,
        Field(
            description='The container image to use.',
            max_length=1024,
            min_length=1,
            pattern='^.*$',
        ),
    ] = None
    image_caching: Annotated[
        bool | None,
        Field(
            description='The container image caching.',
            examples=[True],
            title='Container Image Caching',
        ),
    ] = None
    logging: UpdateContainerLogging | None = None
    priority: Annotated[
        Literal['high', 'medium', 'low', 'batch'] | None,
        Field(
            description='Specifies the priority level for container group execution, which determines resource allocation and scheduling precedence.',
            title='Container Group Priority',
        ),
    ] = None
    registry_authentication: ContainerRegistryAuthentication | None = None
    resources: UpdateContainerResources | None = None


class Container(BaseModel):
    """
    Represents a container with its configuration and resource requirements.
    """

    command: Annotated[
        list[CommandItem] | None,
        Field(
            description='List of commands to run inside the container. Each command is a string representing a command-line instruction.',
            max_length=100,
            min_length=0,
        ),
    ]
    environment_variables: Annotated[
        dict[str, EnvironmentVariablesAdditionalProperty] | None,
        Field(description='Environment variables to set in the container.'),
    ] = None
    hash: Annotated[
        str | None,
        Field(
            description='SHA-256 hash (64-character hexadecimal string)',
            max_length=135,
            min_length=47,
            pattern='^sha\\d{1,3}:[a-fA-F0-9]{40,135}$',
        ),
    ] = None
    image: Annotated[
        str,
        Field(
            description='The container image.',
            examples=['acme/:latest'],
            max_length=2048,
            min_length=1,
            pattern='^.*$',
            title='Container Image',
        ),
    ]
    image_caching: Annotated[
        bool | None,
        Field(
            description='The container image caching.',
            examples=[True],
            title='Container Image Caching',
        ),
    ] = None
    logging: ContainerLogging | None = None
    resources: ContainerResourceRequirements
    size: Annotated[
        int | None,
        Field(
            description='Size of the container in bytes.', ge=0, le=9223372036854775807
        ),
    ] = None


class ContainerGroup(BaseModel):
    """
    A container group definition that represents a scalable set of identical containers running as a distributed service
    """

    autostart_policy: Annotated[
        bool,
        Field(
            description='Defines whether containers in this group should automatically start when deployed (true) or require manual starting (false)'
        ),
    ]
    container: Container
    country_codes: Annotated[
        list[
            Literal[
                'af',
                'al',
                'dz',
                'as',
                'ad',
                'ao',
                'ai',
                'aq',
                'ag',
                'ar',
                'am',
                'aw',
                'au',
                'at',
                'az',
                'bs',
                'bh',
                'bd',
                'bb',
                'by',
                'be',
                'bz',
                'bj',
                'bm',
                'bt',
                'bo',
                'bq',
                'ba',
                'bw',
                'bv',
                'br',
                'io',
                'bn',
                'bg',
                'bf',
                'bi',
                'cv',
                'kh',
                'cm',
                'ca',
                'ky',
                'cf',
                'td',
                'cl',
                'cn',
                'cx',
                'cc',
                'co',
                'km',
                'cd',
                'cg',
                'ck',
                'cr',
                'hr',
                'cu',
                'cw',
                'cy',
                'cz',
                'ci',
                'dk',
                'dj',
                'dm',
                'do',
                'ec',
                'eg',
                'sv',
                'gq',
                'er',
                'ee',
                'sz',
                'et',
                'fk',
                'fo',
                'fj',
                'fi',
                'fr',
                'gf',
                'pf',
                'tf',
                'ga',
                'gm',
                'ge',
                'de',
                'gh',
                'gi',
                'gr',
                'gl',
                'gd',
                'gp',
                'gu',
                'gt',
                'gg',
                'gn',
                'gw',
                'gy',
                'ht',
                'hm',
                'va',
                'hn',
                'hk',
                'hu',
                'is',
                'in',
                'id',
                'ir',
                'iq',
                'ie',
                'im',
                'il',
                'it',
                'jm',
                'jp',
                'je',
                'jo',
                'kz',
                'ke',
                'ki',
                'kp',
                'kr',
                'kw',
                'kg',
                'la',
                'lv',
                'lb',
                'ls',
                'lr',
                'ly',
                'li',
                'lt',
                'lu',
                'mo',
                'mg',
                'mw',
                'my',
                'mv',
                'ml',
                'mt',
                'mh',
                'mq',
                'mr',
                'mu',
                'yt',
                'mx',
                'fm',
                'md',
                'mc',
                'mn',
                'me',
                'ms',
                'ma',
                'mz',
                'mm',
                'na',
                'nr',
                'np',
                'nl',
                'nc',
                'nz',
                'ni',
                'ne',
                'ng',
                'nu',
                'nf',
                'mp',
                'no',
                'om',
                'pk',
                'pw',
                'ps',
                'pa',
                'pg',
                'py',
                'pe',
                'ph',
                'pn',
                'pl',
                'pt',
                'pr',
                'qa',
                'mk',
                'ro',
                'ru',
                'rw',
                're',
                'bl',
                'sh',
                'kn',
                'lc',
                'mf',
                'pm',
                'vc',
                'ws',
                'sm',
                'st',
                'sa',
                'sn',
                'rs',
                'sc',
                'sl',
                'sg',
                'sx',
                'sk',
                'si',
                'sb',
                'so',
                'za',
                'gs',
                'ss',
                'es',
                'lk',
                'sd',
                'sr',
                'sj',
                'se',
                'ch',
                'sy',
                'tw',
                'tj',
                'tz',
                'th',
                'tl',
                'tg',
                'tk',
                'to',
                'tt',
                'tn',
                'tr',
                'tm',
                'tc',
                'tv',
                'ug',
                'ua',
                'ae',
                'gb',
                'um',
                'us',
                'uy',
                'uz',
                'vu',
                've',
                'vn',
                'vg',
                'vi',
                'wf',
                'eh',
                'ye',
                'zm',
                'zw',
                'ax',
            ]
        ],
        Field(
            description='List of country codes where container instances are permitted to run. When not specified or empty, containers may run in any available region.',
            max_length=500,
            min_length=0,
        ),
    ]
    create_time: Annotated[
        AwareDatetime,
        Field(
            description='ISO 8601 timestamp when this container group was initially created'
        ),
    ]
    current_state: ContainerGroupState
    display_name: Annotated[
        str,
        Field(
            description='The display-friendly name of the resource.',
            examples=['Name'],
            max_length=63,
            min_length=2,
            pattern='^[ ,-.0-9A-Za-z]+$',
        ),
    ]
    id: Annotated[
        UUID,
        Field(
            description='The container group identifier.',
            examples=['ab3a4591-efc3-46c0-b06a-3d820c0ec100'],
            title='Container Group ID',
        ),
    ]
    liveness_probe: ContainerGroupLivenessProbe | None = None
    name: Annotated[
        str,
        Field(
            description='The container group name.',
            examples=['mandlebrot'],
            max_length=63,
            min_length=2,
            pattern='^[a-z][a-z0-9-]{0,61}[a-z0-9]$',
            title='Container Group Name',
        ),
    ]
    networking: ContainerGroupNetworking | None = None
    organization_name: Annotated[
        str,
        Field(
            description='The organization name.',
            examples=['acme-corp'],
            max_length=63,
            min_length=2,
            pattern='^[a-z][a-z0-9-]{0,61}[a-z0-9]$',
            title='Organization Name',
        ),
    ]
    pending_change: Annotated[
        bool,
        Field(
            description='Indicates whether a configuration change has been requested but not yet applied to all containers in the group'
        ),
    ]
    priority: Annotated[
        Literal['high', 'medium', 'low', 'batch'],
        Field(
            description='Specifies the priority level for container group execution, which determines resource allocation and scheduling precedence.',
            title='Container Group Priority',
        ),
    ]
    project_name: Annotated[
        str,
        Field(
            description='The project name.',
            examples=['dev-env'],
            max_length=63,
            min_length=2,
            pattern='^[a-z][a-z0-9-]{0,61}[a-z0-9]$',
        ),
    ]
    queue_autoscaler: ContainerGroupQueueAutoscaler | None = None
    queue_connection: ContainerGroupQueueConnection | None = None
    readiness_probe: ContainerGroupReadinessProbe | None = None
    readme: Annotated[str | None, Field(max_length=65000, min_length=2)] = None
    replicas: Annotated[
        int,
        Field(
            description='The container group replicas.',
            examples=[50],
            ge=0,
            le=500,
            title='Container Group Replicas',
        ),
    ]
    restart_policy: Annotated[
        Literal['always', 'on_failure', 'never'],
        Field(
            description='Specifies the policy for restarting containers when they exit or fail.',
            title='Container Restart Policy',
        ),
    ]
    scaling_actions: Annotated[
        list[ContainerGroupScalingAction],
        Field(
            alias='scaling-actions',
            description='List of scaling actions configurations',
            max_length=100,
            min_length=0,
        ),
    ]
    scheduled_scaling_enabled: Annotated[
        bool,
        Field(
            alias='scheduled-scaling-enabled',
            description='Indicates if scheduled scaling is enabled',
        ),
    ]
    startup_probe: ContainerGroupStartupProbe | None = None
    update_time: Annotated[
        AwareDatetime,
        Field(
            description='ISO 8601 timestamp when this container group was last updated'
        ),
    ]
    version: Annotated[
        int,
        Field(
            description='Incremental version number that increases with each configuration change to the container group',
            ge=1,
            le=2147483647,
        ),
    ]


class ContainerGroupCollection(BaseModel):
    """
    A paginated collection of container groups that provides a structured way to access multiple container group resources in a single response.
    """

    items: Annotated[
        list[ContainerGroup],
        Field(
            description='An array containing container group objects. Each object represents a discrete container group with its own properties, configuration, and status.',
            max_length=100,
            min_length=0,
        ),
    ]


class ContainerGroupPatch(BaseModel):
    """
    Represents a request to update a container group
    """

    container: UpdateContainer | None = None
    country_codes: Annotated[
        list[
            Literal[
                'af',
                'al',
                'dz',
                'as',
                'ad',
                'ao',
                'ai',
                'aq',
                'ag',
                'ar',
                'am',
                'aw',
                'au',
                'at',
                'az',
                'bs',
                'bh',
                'bd',
                'bb',
                'by',
                'be',
                'bz',
                'bj',
                'bm',
                'bt',
                'bo',
                'bq',
                'ba',
                'bw',
                'bv',
                'br',
                'io',
                'bn',
                'bg',
                'bf',
                'bi',
                'cv',
                'kh',
                'cm',
                'ca',
                'ky',
                'cf',
                'td',
                'cl',
                'cn',
                'cx',
                'cc',
                'co',
                'km',
                'cd',
                'cg',
                'ck',
                'cr',
                'hr',
                'cu',
                'cw',
                'cy',
                'cz',
                'ci',
                'dk',
                'dj',
                'dm',
                'do',
                'ec',
                'eg',
                'sv',
                'gq',
                'er',
                'ee',
                'sz',
                'et',
                'fk',
                'fo',
                'fj',
                'fi',
                'fr',
                'gf',
                'pf',
                'tf',
                'ga',
                'gm',
                'ge',
                'de',
                'gh',
                'gi',
                'gr',
                'gl',
                'gd',
                'gp',
                'gu',
                'gt',
                'gg',
                'gn',
                'gw',
                'gy',
                'ht',
                'hm',
                'va',
                'hn',
                'hk',
                'hu',
                'is',
                'in',
                'id',
                'ir',
                'iq',
                'ie',
                'im',
                'il',
                'it',
                'jm',
                'jp',
                'je',
                'jo',
                'kz',
                'ke',
                'ki',
                'kp',
                'kr',
                'kw',
                'kg',
                'la',
                'lv',
                'lb',
                'ls',
                'lr',
                'ly',
                'li',
                'lt',
                'lu',
                'mo',
                'mg',
                'mw',
                'my',
                'mv',
                'ml',
                'mt',
                'mh',
                'mq',
                'mr',
                'mu',
                'yt',
                'mx',
                'fm',
                'md',
                'mc',
                'mn',
                'me',
                'ms',
                'ma',
                'mz',
                'mm',
                'na',
                'nr',
                'np',
                'nl',
                'nc',
                'nz',
                'ni',
                'ne',
                'ng',
                'nu',
                'nf',
                'mp',
                'no',
                'om',
                'pk',
                'pw',
                'ps',
                'pa',
                'pg',
                'py',
                'pe',
                'ph',
                'pn',
                'pl',
                'pt',
                'pr',
                'qa',
                'mk',
                'ro',
                'ru',
                'rw',
                're',
                'bl',
                'sh',
                'kn',
                'lc',
                'mf',
                'pm',
                'vc',
                'ws',
                'sm',
                'st',
                'sa',
                'sn',
                'rs',
                'sc',
                'sl',
                'sg',
                'sx',
                'sk',
                'si',
                'sb',
                'so',
                'za',
                'gs',
                'ss',
                'es',
                'lk',
                'sd',
                'sr',
                'sj',
                'se',
                'ch',
                'sy',
                'tw',
                'tj',
                'tz',
                'th',
                'tl',
                'tg',
                'tk',
                'to',
                'tt',
                'tn',
                'tr',
                'tm',
                'tc',
                'tv',
                'ug',
                'ua',
                'ae',
                'gb',
                'um',
                'us',
                'uy',
                'uz',
                'vu',
                've',
                'vn',
                'vg',
                'vi',
                'wf',
                'eh',
                'ye',
                'zm',
                'zw',
                'ax',
            ]
        ]
        | None,
        Field(
            description='List of countries nodes must be located in. Remove this field to permit nodes from any country.',
            max_length=500,
            min_length=1,
        ),
    ] = None
    display_name: Annotated[
        str | None,
        Field(
            description='The display name for the container group. If null is provided, the display name will be set to the container group name.',
            max_length=63,
            min_length=2,
            pattern='^[ ,-.0-9A-Za-z]+$',
        ),
    ] = None
    liveness_probe: ContainerGroupLivenessProbe | None = None
    networking: UpdateContainerGroupNetworking | None = None
    queue_autoscaler: ContainerGroupQueueAutoscaler | None = None
    readiness_probe: ContainerGroupReadinessProbe | None = None
    replicas: Annotated[
        int | None,
        Field(
            description='The desired number of instances for your container group deployment.',
            ge=0,
            le=500,
        ),
    ] = None
    scaling_actions: Annotated[
        list[ContainerGroupScalingAction] | None,
        Field(
            alias='scaling-actions',
            description='List of scaling actions configurations',
            max_length=100,
            min_length=0,
        ),
    ] = None
    scheduled_scaling_enabled: Annotated[
        bool | None,
        Field(
            alias='scheduled-scaling-enabled',
            description='Indicates if scheduled scaling is enabled',
        ),
    ] = None
    startup_probe: ContainerGroupStartupProbe | None = None


class ContainerGroupPrototype(BaseModel):
    """
    Represents a request to create a container group, which manages a collection of container instances with shared configuration and scaling policies
    """

    autostart_policy: Annotated[
        bool,
        Field(
            description='Determines whether the container group should start automatically when created (true) or remain stopped until manually started (false)'
        ),
    ]
    container: CreateContainer
    country_codes: Annotated[
        list[
            Literal[
                'af',
                'al',
                'dz',
                'as',
                'ad',
                'ao',
                'ai',
                'aq',
                'ag',
                'ar',
                'am',
                'aw',
                'au',
                'at',
                'az',
                'bs',
                'bh',
                'bd',
                'bb',
                'by',
                'be',
                'bz',
                'bj',
                'bm',
                'bt',
                'bo',
                'bq',
                'ba',
                'bw',
                'bv',
                'br',
                'io',
                'bn',
                'bg',
                'bf',
                'bi',
                'cv',
                'kh',
                'cm',
                'ca',
                'ky',
                'cf',
                'td',
                'cl',
                'cn',
                'cx',
                'cc',
                'co',
                'km',
                'cd',
                'cg',
                'ck',
                'cr',
                'hr',
                'cu',
                'cw',
                'cy',
                'cz',
                'ci',
                'dk',
                'dj',
                'dm',
                'do',
                'ec',
                'eg',
                'sv',
                'gq',
                'er',
                'ee',
                'sz',
                'et',
                'fk',
                'fo',
                'fj',
                'fi',
                'fr',
                'gf',
                'pf',
                'tf',
                'ga',
                'gm',
                'ge',
                'de',
                'gh',
                'gi',
                'gr',
                'gl',
                'gd',
                'gp',
                'gu',
                'gt',
                'gg',
                'gn',
                'gw',
                'gy',
                'ht',
                'hm',
                'va',
                'hn',
                'hk',
                'hu',
                'is',
                'in',
                'id',
                'ir',
                'iq',
                'ie',
                'im',
                'il',
                'it',
                'jm',
                'jp',
                'je',
                'jo',
                'kz',
                'ke',
                'ki',
                'kp',
                'kr',
                'kw',
                'kg',
                'la',
                'lv',
                'lb',
                'ls',
                'lr',
                'ly',
                'li',
                'lt',
                'lu',
                'mo',
                'mg',
                'mw',
                'my',
                'mv',
                'ml',
                'mt',
                'mh',
                'mq',
                'mr',
                'mu',
                'yt',
                'mx',
                'fm',
                'md',
                'mc',
                'mn',
                'me',
                'ms',
                'ma',
                'mz',
                'mm',
                'na',
                'nr',
                'np',
                'nl',
                'nc',
                'nz',
                'ni',
                'ne',
                'ng',
                'nu',
                'nf',
                'mp',
                'no',
                'om',
                'pk',
                'pw',
                'ps',
                'pa',
                'pg',
                'py',
                'pe',
                'ph',
                'pn',
                'pl',
                'pt',
                'pr',
                'qa',
                'mk',
                'ro',
                'ru',
                'rw',
                're',
                'bl',
                'sh',
                'kn',
                'lc',
                'mf',
                'pm',
                'vc',
                'ws',
                'sm',
                'st',
                'sa',
                'sn',
                'rs',
                'sc',
                'sl',
                'sg',
                'sx',
                'sk',
                'si',
                'sb',
                'so',
                'za',
                'gs',
                'ss',
                'es',
                'lk',
                'sd',
                'sr',
                'sj',
                'se',
                'ch',
                'sy',
                'tw',
                'tj',
                'tz',
                'th',
                'tl',
                'tg',
                'tk',
                'to',
                'tt',
                'tn',
                'tr',
                'tm',
                'tc',
                'tv',
                'ug',
                'ua',
                'ae',
                'gb',
                'um',
                'us',
                'uy',
                'uz',
                'vu',
                've',
                'vn',
                'vg',
                'vi',
                'wf',
                'eh',
                'ye',
                'zm',
                'zw',
                'ax',
            ]
        ]
        | None,
        Field(
            description='List of countries nodes must be located in. Remove this field to permit nodes from any country.',
            max_length=500,
            min_length=1,
        ),
    ] = None
    display_name: Annotated[
        str | None,
        Field(
            description='Human-readable name for the container group that can include spaces and special characters, used for display purposes',
            max_length=63,
            min_length=2,
            pattern='^[ ,-.0-9A-Za-z]+$',
        ),
    ] = None
    liveness_probe: ContainerGroupLivenessProbe | None = None
    name: Annotated[
        str,
        Field(
            description='Unique identifier for the container group that must follow DNS naming conventions (lowercase alphanumeric with hyphens)',
            max_length=63,
            min_length=2,
            pattern='^[a-z][a-z0-9-]{0,61}[a-z0-9]$',
        ),
    ]
    networking: CreateContainerGroupNetworking | None = None
    queue_autoscaler: ContainerGroupQueueAutoscaler | None = None
    queue_connection: ContainerGroupQueueConnection | None = None
    readiness_probe: ContainerGroupReadinessProbe | None = None
    replicas: Annotated[
        int,
        Field(
            description='Number of container instances to deploy and maintain for this container group',
            ge=0,
            le=500,
        ),
    ]
    restart_policy: Annotated[
        Literal['always', 'on_failure', 'never'],
        Field(
            description='Specifies the policy for restarting containers when they exit or fail.',
            title='Container Restart Policy',
        ),
    ]
    scaling_actions: Annotated[
        list[ContainerGroupScalingAction] | None,
        Field(
            alias='scaling-actions',
            description='List of scaling action configurations',
            max_length=100,
            min_length=0,
        ),
    ] = None
    scheduled_scaling_enabled: Annotated[
        bool | None,
        Field(
            alias='scheduled-scaling-enabled',
            description='Indicates if scheduled scaling is enabled',
        ),
    ] = None
    startup_probe: ContainerGroupStartupProbe | None = None


class Queue(BaseModel):
    """
    Represents a queue.
    """

    container_groups: Annotated[
        list[ContainerGroup],
        Field(
            description='The container groups that are part of this queue. Each container group represents a scalable set of identical containers running as a distributed service.',
            max_length=100,
            min_length=0,
        ),
    ]
    create_time: Annotated[
        AwareDatetime, Field(description='The date and time the queue was created.')
    ]
    current_queue_length: Annotated[
        int | None,
        Field(description='The current length of the queue', ge=0, le=2147483647),
    ] = None
    description: Annotated[
        str | None,
        Field(
            description='The description. This may be used as a space for notes or other information about the queue.',
            max_length=500,
            min_length=0,
            pattern='^.*$',
        ),
    ] = None
    display_name: Annotated[
        str,
        Field(
            description='The display name. This may be used as a more human-readable name.',
            max_length=63,
            min_length=2,
            pattern='^[ ,-.0-9A-Za-z]+$',
        ),
    ]
    id: Annotated[
        UUID,
        Field(
            description='The queue identifier. This is automatically generated and assigned when the queue is created.'
        ),
    ]
    name: Annotated[
        str,
        Field(
            description='The queue name. This must be unique within the project.',
            max_length=63,
            min_length=2,
            pattern='^[a-z][a-z0-9-]{0,61}[a-z0-9]$',
        ),
    ]
    update_time: Annotated[
        AwareDatetime,
        Field(description='The date and time the queue was last updated.'),
    ]


class QueueCollection(BaseModel):
    """
    Represents a Queue Collection
    """

    items: Annotated[
        list[Queue],
        Field(description='The list of queues.', max_length=100, min_length=0),
    ]
