# Generated from TGI's router spec (docs/openapi.json, 3.3.6-dev0) by scripts/gen-tgi-models.sh.
# Do not edit: regenerate. tests/contract/test_generated_models.py checks it is current.

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, RootModel


class ChatCompletionTopLogprob(BaseModel):
    logprob: float
    token: str


class CompletionComplete(BaseModel):
    finish_reason: str
    index: Annotated[int, Field(ge=0)]
    logprobs: list[float] | None = None
    text: str


class ErrorResponse(BaseModel):
    error: str
    error_type: str


class Function(BaseModel):
    arguments: str
    name: str | None = None


class FunctionDefinition(BaseModel):
    arguments: Any
    description: str | None = None
    name: str


class FunctionName(BaseModel):
    name: str


class GrammarType1(BaseModel):
    type: Literal['json']
    value: Annotated[
        Any,
        Field(
            description='A string that represents a [JSON Schema](https://json-schema.org/).\n\nJSON Schema is a declarative language that allows to annotate JSON documents\nwith types and descriptions.'
        ),
    ]


class GrammarType2(BaseModel):
    type: Literal['regex']
    value: str


class Info(BaseModel):
    docker_label: Annotated[str | None, Field(examples=['null'])] = None
    max_best_of: Annotated[int, Field(examples=['2'], ge=0)]
    max_client_batch_size: Annotated[int, Field(examples=['32'], ge=0)]
    max_concurrent_requests: Annotated[
        int, Field(description='Router Parameters', examples=['128'], ge=0)
    ]
    max_input_tokens: Annotated[int, Field(examples=['1024'], ge=0)]
    max_stop_sequences: Annotated[int, Field(examples=['4'], ge=0)]
    max_total_tokens: Annotated[int, Field(examples=['2048'], ge=0)]
    model_id: Annotated[
        str, Field(description='Model info', examples=['bigscience/blomm-560m'])
    ]
    model_pipeline_tag: Annotated[str | None, Field(examples=['text-generation'])] = (
        None
    )
    model_sha: Annotated[
        str | None, Field(examples=['e985a63cdc139290c5f700ff1929f0b5942cced2'])
    ] = None
    router: Annotated[
        str, Field(description='Router Info', examples=['text-generation-router'])
    ]
    sha: Annotated[str | None, Field(examples=['null'])] = None
    validation_workers: Annotated[int, Field(examples=['2'], ge=0)]
    version: Annotated[str, Field(examples=['0.5.0'])]


class JsonSchemaConfig(BaseModel):
    name: Annotated[
        str | None, Field(description='Optional name identifier for the schema')
    ] = None
    schema_: Annotated[
        Any, Field(alias='schema', description='The actual JSON schema definition')
    ]


class Message3(BaseModel):
    name: Annotated[str | None, Field(examples=['"David"'])] = None
    role: Annotated[str, Field(examples=['user'])]


class MessageChunk1(BaseModel):
    text: str
    type: Literal['text']


class ModelInfo(BaseModel):
    created: Annotated[int, Field(examples=[1686935002], ge=0)]
    id: Annotated[str, Field(examples=['gpt2'])]
    object: Annotated[str, Field(examples=['model'])]
    owned_by: Annotated[str, Field(examples=['openai'])]


class PrefillToken(BaseModel):
    id: Annotated[int, Field(examples=[0], ge=0)]
    logprob: Annotated[float | None, Field(examples=[-0.34])]
    text: Annotated[str, Field(examples=['test'])]


class SimpleToken(BaseModel):
    id: Annotated[int, Field(examples=[0], ge=0)]
    start: Annotated[int, Field(examples=[0], ge=0)]
    stop: Annotated[int, Field(examples=[2], ge=0)]
    text: Annotated[str, Field(examples=['test'])]


class StreamDetails(BaseModel):
    finish_reason: Annotated[
        Literal['length', 'eos_token', 'stop_sequence'], Field(examples=['Length'])
    ]
    generated_tokens: Annotated[int, Field(examples=[1], ge=0)]
    input_length: Annotated[int, Field(examples=[1], ge=0)]
    seed: Annotated[int | None, Field(examples=[42], ge=0)] = None


class StreamOptions(BaseModel):
    include_usage: Annotated[
        bool | None,
        Field(
            description='If set, an additional chunk will be streamed before the data: [DONE] message. The usage field on this chunk shows the token usage statistics for the entire request, and the choices field will always be an empty array. All other chunks will also include a usage field, but with a null value.',
            examples=['true'],
        ),
    ] = None


class TextMessage(BaseModel):
    content: Annotated[str, Field(examples=['My name is David and I'])]
    role: Annotated[str, Field(examples=['user'])]
    tool_call_id: str | None = None


class Token(BaseModel):
    id: Annotated[int, Field(examples=[0], ge=0)]
    logprob: Annotated[float | None, Field(examples=[-0.34])]
    special: Annotated[bool, Field(examples=['false'])]
    text: Annotated[str, Field(examples=['test'])]


class Tool(BaseModel):
    function: FunctionDefinition
    type: Annotated[str, Field(examples=['function'])]


class ToolCall(BaseModel):
    function: FunctionDefinition
    id: str
    type: str


class ToolCallMessage(BaseModel):
    role: Annotated[str, Field(examples=['assistant'])]
    tool_calls: list[ToolCall]


class ToolChoice1(BaseModel):
    function: FunctionName


class Url(BaseModel):
    url: str


class Usage(BaseModel):
    completion_tokens: Annotated[int, Field(ge=0)]
    prompt_tokens: Annotated[int, Field(ge=0)]
    total_tokens: Annotated[int, Field(ge=0)]


class BestOfSequence(BaseModel):
    finish_reason: Annotated[
        Literal['length', 'eos_token', 'stop_sequence'], Field(examples=['Length'])
    ]
    generated_text: Annotated[str, Field(examples=['test'])]
    generated_tokens: Annotated[int, Field(examples=[1], ge=0)]
    prefill: list[PrefillToken]
    seed: Annotated[int | None, Field(examples=[42], ge=0)] = None
    tokens: list[Token]
    top_tokens: list[list[Token]] | None = None


class ChatCompletionLogprob(BaseModel):
    logprob: float
    token: str
    top_logprobs: list[ChatCompletionTopLogprob]


class ChatCompletionLogprobs(BaseModel):
    content: list[ChatCompletionLogprob]


class ChatTokenizeResponse(BaseModel):
    templated_text: str
    tokenize_response: list[SimpleToken]


class Chunk(BaseModel):
    choices: list[CompletionComplete]
    created: Annotated[int, Field(ge=0)]
    id: str
    model: str
    system_fingerprint: str


class Completion1(Chunk):
    object: Literal['text_completion']


class CompletionFinal(BaseModel):
    choices: list[CompletionComplete]
    created: Annotated[int, Field(examples=['1706270835'], ge=0)]
    id: str
    model: Annotated[str, Field(examples=['mistralai/Mistral-7B-Instruct-v0.2'])]
    system_fingerprint: str
    usage: Usage


class CompletionRequest(BaseModel):
    frequency_penalty: Annotated[
        float | None,
        Field(
            description="Number between -2.0 and 2.0. Positive values penalize new tokens based on their existing frequency in the text so far,\ndecreasing the model's likelihood to repeat the same line verbatim.",
            examples=['1.0'],
        ),
    ] = None
    max_tokens: Annotated[
        int | None,
        Field(
            description='The maximum number of tokens that can be generated in the chat completion.',
            examples=['32'],
            ge=0,
        ),
    ] = 1024
    model: Annotated[
        str | None,
        Field(
            description='UNUSED\nID of the model to use. See the model endpoint compatibility table for details on which models work with the Chat API.',
            examples=['mistralai/Mistral-7B-Instruct-v0.2'],
        ),
    ] = None
    prompt: list[str]
    repetition_penalty: float | None = None
    seed: Annotated[int | None, Field(examples=[42], ge=0)] = None
    stop: Annotated[
        list[str] | None,
        Field(
            description='Up to 4 sequences where the API will stop generating further tokens.',
            examples=['null'],
        ),
    ] = None
    stream: bool | None = None
    suffix: Annotated[
        str | None,
        Field(
            description="The text to append to the prompt. This is useful for completing sentences or generating a paragraph of text.\nplease see the completion_template field in the model's tokenizer_config.json file for completion template."
        ),
    ] = None
    temperature: Annotated[
        float | None,
        Field(
            description='What sampling temperature to use, between 0 and 2. Higher values like 0.8 will make the output more random, while\nlower values like 0.2 will make it more focused and deterministic. We generally recommend altering this or `top_p` but not both.',
            examples=[1.0],
        ),
    ] = None
    top_p: Annotated[
        float | None,
        Field(
            description='An alternative to sampling with temperature, called nucleus sampling, where the model considers the results of the\ntokens with top_p probability mass. So 0.1 means only the tokens comprising the top 10% probability mass are considered.',
            examples=[0.95],
        ),
    ] = None


class DeltaToolCall(BaseModel):
    function: Function
    id: str
    index: Annotated[int, Field(ge=0)]
    type: str


class Details(BaseModel):
    best_of_sequences: list[BestOfSequence] | None = None
    finish_reason: Annotated[
        Literal['length', 'eos_token', 'stop_sequence'], Field(examples=['Length'])
    ]
    generated_tokens: Annotated[int, Field(examples=[1], ge=0)]
    prefill: list[PrefillToken]
    seed: Annotated[int | None, Field(examples=[42], ge=0)] = None
    tokens: list[Token]
    top_tokens: list[list[Token]] | None = None


class GenerateResponse(BaseModel):
    details: Details | None = None
    generated_text: Annotated[str, Field(examples=['test'])]


class GrammarType3(BaseModel):
    type: Literal['json_schema']
    value: JsonSchemaConfig


class Message2(BaseModel):
    tool_calls: list[ToolCall]


class Message5(Message2, Message3):
    pass


class MessageBody2(BaseModel):
    tool_calls: list[ToolCall]


class MessageChunk2(BaseModel):
    image_url: Url
    type: Literal['image_url']


class StreamResponse(BaseModel):
    details: Annotated[StreamDetails | None, Field(validate_default=True)] = None
    generated_text: Annotated[str | None, Field(examples=['test'])] = None
    index: Annotated[int, Field(ge=0)]
    token: Token
    top_tokens: list[Token] | None = None


class ToolCallDelta(BaseModel):
    role: Annotated[str, Field(examples=['assistant'])]
    tool_calls: list[DeltaToolCall]


class ChatCompletionComplete(BaseModel):
    finish_reason: str
    index: Annotated[int, Field(ge=0)]
    logprobs: ChatCompletionLogprobs | None = None
    message: TextMessage | ToolCallMessage


class Completion2(CompletionFinal):
    object: Literal['text_completion']


class Completion(RootModel[Completion1 | Completion2]):
    root: Completion1 | Completion2


class GenerateParameters(BaseModel):
    adapter_id: Annotated[
        str | None, Field(description='Lora adapter id', examples=['null'])
    ] = None
    best_of: Annotated[
        int | None,
        Field(
            description='Generate best_of sequences and return the one if the highest token logprobs.',
            examples=[1],
            ge=0,
            gt=0,
        ),
    ] = None
    decoder_input_details: Annotated[
        bool,
        Field(description='Whether to return decoder input token logprobs and ids.'),
    ] = False
    details: Annotated[
        bool, Field(description='Whether to return generation details.')
    ] = True
    do_sample: Annotated[
        bool, Field(description='Activate logits sampling.', examples=[True])
    ] = False
    frequency_penalty: Annotated[
        float | None,
        Field(
            description="The parameter for frequency penalty. 1.0 means no penalty\nPenalize new tokens based on their existing frequency in the text so far,\ndecreasing the model's likelihood to repeat the same line verbatim.",
            examples=[0.1],
            gt=-2.0,
        ),
    ] = None
    grammar: Annotated[
        GrammarType1 | GrammarType2 | GrammarType3 | None,
        Field(discriminator='type', validate_default=True),
    ] = None
    max_new_tokens: Annotated[
        int | None,
        Field(
            description='Maximum number of tokens to generate.', examples=['20'], ge=0
        ),
    ] = 1024
    repetition_penalty: Annotated[
        float | None,
        Field(
            description='The parameter for repetition penalty. 1.0 means no penalty.\nSee [this paper](https://arxiv.org/pdf/1909.05858.pdf) for more details.',
            examples=[1.03],
            gt=0.0,
        ),
    ] = None
    return_full_text: Annotated[
        bool | None,
        Field(
            description='Whether to prepend the prompt to the generated text',
            examples=[False],
        ),
    ] = None
    seed: Annotated[
        int | None,
        Field(description='Random sampling seed.', examples=['null'], ge=0, gt=0),
    ] = None
    stop: Annotated[
        list[str] | None,
        Field(
            description='Stop generating tokens if a member of `stop` is generated.',
            examples=[['photographer']],
            max_length=4,
        ),
    ] = None
    temperature: Annotated[
        float | None,
        Field(
            description='The value used to module the logits distribution.',
            examples=[0.5],
            gt=0.0,
        ),
    ] = None
    top_k: Annotated[
        int | None,
        Field(
            description='The number of highest probability vocabulary tokens to keep for top-k-filtering.',
            examples=[10],
            gt=0,
        ),
    ] = None
    top_n_tokens: Annotated[
        int | None,
        Field(
            description='The number of highest probability vocabulary tokens to keep for top-n-filtering.',
            examples=[5],
            ge=0,
            gt=0,
        ),
    ] = None
    top_p: Annotated[
        float | None,
        Field(
            description='Top-p value for nucleus sampling.',
            examples=[0.95],
            gt=0.0,
            le=1.0,
        ),
    ] = None
    truncate: Annotated[
        int | None,
        Field(
            description='Truncate inputs tokens to the given size.',
            examples=['null'],
            ge=0,
        ),
    ] = None
    typical_p: Annotated[
        float | None,
        Field(
            description='Typical Decoding mass\nSee [Typical Decoding for Natural Language Generation](https://arxiv.org/abs/2202.00666) for more information.',
            examples=[0.95],
            gt=0.0,
            le=1.0,
        ),
    ] = None
    watermark: Annotated[
        bool,
        Field(
            description='Watermarking with [A Watermark for Large Language Models](https://arxiv.org/abs/2301.10226).',
            examples=[True],
        ),
    ] = False


class GenerateRequest(BaseModel):
    inputs: Annotated[str, Field(examples=['My name is Olivier and I'])]
    parameters: GenerateParameters | None = None


class Message1(BaseModel):
    content: (
        str
        | list[Annotated[MessageChunk1 | MessageChunk2, Field(discriminator='type')]]
    )


class Message4(Message1, Message3):
    pass


class MessageBody1(BaseModel):
    content: (
        str
        | list[Annotated[MessageChunk1 | MessageChunk2, Field(discriminator='type')]]
    )


class MessageBody(RootModel[MessageBody1 | MessageBody2]):
    root: MessageBody1 | MessageBody2


class ChatCompletion(BaseModel):
    choices: list[ChatCompletionComplete]
    created: Annotated[int, Field(examples=['1706270835'], ge=0)]
    id: str
    model: Annotated[str, Field(examples=['mistralai/Mistral-7B-Instruct-v0.2'])]
    system_fingerprint: str
    usage: Usage


class ChatCompletionChoice(BaseModel):
    delta: TextMessage | ToolCallDelta
    finish_reason: str | None = None
    index: Annotated[int, Field(ge=0)]
    logprobs: ChatCompletionLogprobs | None = None


class ChatCompletionChunk(BaseModel):
    choices: list[ChatCompletionChoice]
    created: Annotated[int, Field(examples=['1706270978'], ge=0)]
    id: str
    model: Annotated[str, Field(examples=['mistralai/Mistral-7B-Instruct-v0.2'])]
    system_fingerprint: str
    usage: Usage | None = None


class ChatRequest(BaseModel):
    frequency_penalty: Annotated[
        float | None,
        Field(
            description="Number between -2.0 and 2.0. Positive values penalize new tokens based on their existing frequency in the text so far,\ndecreasing the model's likelihood to repeat the same line verbatim.",
            examples=['1.0'],
        ),
    ] = None
    logit_bias: Annotated[
        list[float] | None,
        Field(
            description='UNUSED\nModify the likelihood of specified tokens appearing in the completion. Accepts a JSON object that maps tokens\n(specified by their token ID in the tokenizer) to an associated bias value from -100 to 100. Mathematically,\nthe bias is added to the logits generated by the model prior to sampling. The exact effect will vary per model,\nbut values between -1 and 1 should decrease or increase likelihood of selection; values like -100 or 100 should\nresult in a ban or exclusive selection of the relevant token.'
        ),
    ] = None
    logprobs: Annotated[
        bool | None,
        Field(
            description='Whether to return log probabilities of the output tokens or not. If true, returns the log probabilities of each\noutput token returned in the content of message.',
            examples=['false'],
        ),
    ] = None
    max_tokens: Annotated[
        int | None,
        Field(
            description='The maximum number of tokens that can be generated in the chat completion.',
            examples=['32'],
            ge=0,
        ),
    ] = 1024
    messages: Annotated[
        list[Message4 | Message5],
        Field(
            description='A list of messages comprising the conversation so far.',
            examples=['[{"role": "user", "content": "What is Deep Learning?"}]'],
        ),
    ]
    model: Annotated[
        str | None,
        Field(
            description='[UNUSED] ID of the model to use. See the model endpoint compatibility table for details on which models work with the Chat API.',
            examples=['mistralai/Mistral-7B-Instruct-v0.2'],
        ),
    ] = None
    n: Annotated[
        int | None,
        Field(
            description='UNUSED\nHow many chat completion choices to generate for each input message. Note that you will be charged based on the\nnumber of generated tokens across all of the choices. Keep n as 1 to minimize costs.',
            examples=['2'],
            ge=0,
        ),
    ] = None
    presence_penalty: Annotated[
        float | None,
        Field(
            description="Number between -2.0 and 2.0. Positive values penalize new tokens based on whether they appear in the text so far,\nincreasing the model's likelihood to talk about new topics",
            examples=[0.1],
        ),
    ] = None
    response_format: Annotated[
        GrammarType1 | GrammarType2 | GrammarType3 | None,
        Field(discriminator='type', validate_default=True),
    ] = None
    seed: Annotated[int | None, Field(examples=[42], ge=0)] = None
    stop: Annotated[
        list[str] | None,
        Field(
            description='Up to 4 sequences where the API will stop generating further tokens.',
            examples=['null'],
        ),
    ] = None
    stream: bool | None = None
    stream_options: StreamOptions | None = None
    temperature: Annotated[
        float | None,
        Field(
            description='What sampling temperature to use, between 0 and 2. Higher values like 0.8 will make the output more random, while\nlower values like 0.2 will make it more focused and deterministic.\n\nWe generally recommend altering this or `top_p` but not both.',
            examples=[1.0],
        ),
    ] = None
    tool_choice: Annotated[
        Literal['auto'] | Literal['none'] | Literal['required'] | ToolChoice1 | None,
        Field(
            description='<https://platform.openai.com/docs/guides/function-calling/configuring-function-calling-behavior-using-the-tool_choice-parameter>',
            validate_default=True,
        ),
    ] = 'auto'
    tool_prompt: Annotated[
        str | None,
        Field(
            description='A prompt to be appended before the tools',
            examples=[
                'Given the functions available, please respond with a JSON for a function call with its proper arguments that best answers the given prompt. Respond in the format {name: function name, parameters: dictionary of argument name and its value}.Do not use variables.'
            ],
        ),
    ] = None
    tools: Annotated[
        list[Tool] | None,
        Field(
            description='A list of tools the model may call. Currently, only functions are supported as a tool. Use this to provide a list of\nfunctions the model may generate JSON inputs for.',
            examples=['null'],
        ),
    ] = None
    top_logprobs: Annotated[
        int | None,
        Field(
            description='An integer between 0 and 5 specifying the number of most likely tokens to return at each token position, each with\nan associated log probability. logprobs must be set to true if this parameter is used.',
            examples=['5'],
            ge=0,
        ),
    ] = None
    top_p: Annotated[
        float | None,
        Field(
            description='An alternative to sampling with temperature, called nucleus sampling, where the model considers the results of the\ntokens with top_p probability mass. So 0.1 means only the tokens comprising the top 10% probability mass are considered.',
            examples=[0.95],
        ),
    ] = None


class CompatGenerateRequest(BaseModel):
    inputs: Annotated[str, Field(examples=['My name is Olivier and I'])]
    parameters: GenerateParameters | None = None
    stream: bool = False


class SagemakerRequest(
    RootModel[CompatGenerateRequest | ChatRequest | CompletionRequest]
):
    root: CompatGenerateRequest | ChatRequest | CompletionRequest


class SagemakerResponse(RootModel[GenerateResponse | ChatCompletion | CompletionFinal]):
    root: GenerateResponse | ChatCompletion | CompletionFinal


class SagemakerStreamResponse(RootModel[StreamResponse | ChatCompletionChunk | Chunk]):
    root: StreamResponse | ChatCompletionChunk | Chunk
