"""The AI gateway end to end with the official `openai` Python client (pinned in requirements.txt) against
`serve --sandbox`, whose gateway calls the in-process fake OpenAI upstream: the SDK only gets the base URL
`/ai/v1` and the user's access token as its API key."""
import io
import struct
import time

import httpx
import openai
import pytest
from openai import OpenAI

from conftest import remember, serve
from test_members import openapi  # noqa: F401  (fixture)

ADMIN = "e2e-admin-token-for-ai-limits"


@pytest.fixture(scope="module")
def ai_server(store):
    remember(ADMIN)
    yield from serve({"SCRITORIO_ADMIN_TOKEN": ADMIN}, store)


@pytest.fixture
def ai(make_kit, ai_server):
    return make_kit(ai_server)


def sdk(kit, acc, **kw) -> OpenAI:
    return OpenAI(base_url=f"{kit.url}/ai/v1", api_key=acc.session.access_token, **kw)


def usage(kit, acc) -> dict:
    r = kit.http.get("/v1/me/usage", headers={"Authorization": f"Bearer {acc.session.access_token}"})
    assert r.status_code == 200, r.text
    return r.json()


def set_limits(kit, user_id: str, **limits) -> dict:
    r = kit.http.put(f"/admin/v1/users/{user_id}/ai-limits", json=limits, headers={"Authorization": f"Bearer {ADMIN}"})
    assert r.status_code == 200, r.text
    return r.json()


def wav(seconds: int, rate: int = 16000) -> bytes:
    data = b"\0" * (rate * 2 * seconds)
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + b"data" + struct.pack("<I", len(data)) + data


def make_pro(kit, acc, seconds: float = 15) -> None:
    """Pro the way a buyer gets it: checkout, pay in the Paddle fake, webhooks applied."""
    auth = {"Authorization": f"Bearer {acc.session.access_token}"}
    txn = kit.http.post("/v1/checkout", json={"plan": "pro_monthly"}, headers=auth).json()["transactionId"]
    assert kit.http.post(f"/sandbox/paddle/transactions/{txn}/complete").status_code == 200
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if usage(kit, acc)["plan"] == "pro":
            return
        time.sleep(0.2)
    pytest.fail("the user did not become Pro")


def test_completion_stream_and_usage(ai, openapi):
    acc = ai.signed_in()
    client = sdk(ai, acc)
    done = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hello"}])
    assert done.choices[0].message.content == "The sandbox answers every prompt with the same words so tests can"
    assert done.usage.completion_tokens == 12
    assert done._request_id and done._request_id.startswith("req_")

    chunks = list(client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Stream #sandbox:tokens=4"}], stream=True,
        stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "The sandbox answers every"
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 4

    # Without include_usage the client gets no usage chunk, but the gateway still meters the stream.
    plain = list(client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "again"}], stream=True))
    assert all(c.choices for c in plain)

    me = usage(ai, acc)
    openapi.validate("/v1/me/usage", "get", 200, me)
    expected = done.usage.total_tokens + chunks[-1].usage.total_tokens
    assert me["day"]["tokens_used"] > expected  # plus the third, unseen usage
    assert me["day"]["tokens_reserved"] == 0 and me["day"]["requests"] == 3
    assert me["counters"]["tokens_total"] == me["day"]["tokens_used"]
    member = acc.client.functions.invoke("member-get", {"responseType": "json"})["member"]
    assert member["tokensToday"] == me["day"]["tokens_used"]


def test_responses_embeddings_models(ai):
    acc = ai.signed_in()
    client = sdk(ai, acc)
    response = client.responses.create(model="gpt-4.1-mini", input="Write a haiku")
    assert response.output_text.startswith("The sandbox answers")
    assert response.usage.output_tokens == 12
    events = list(client.responses.create(model="gpt-4.1-mini", input="Write a haiku", stream=True))
    assert events[-1].type == "response.completed"
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == response.output_text
    emb = client.embeddings.create(model="text-embedding-3-small", input=["one", "two"])
    assert len(emb.data) == 2 and len(emb.data[0].embedding) == 16
    assert emb.usage.prompt_tokens > 0
    assert [m.id for m in client.models.list()] == ["gpt-4o-mini", "gpt-4.1-mini", "text-embedding-3-small"]
    assert usage(ai, acc)["day"]["requests"] == 3  # models costs nothing


def test_transcription_needs_pro(ai):
    acc = ai.signed_in()
    client = sdk(ai, acc)
    with pytest.raises(openai.PermissionDeniedError) as denied:
        client.audio.transcriptions.create(model="whisper-1", file=("a.wav", io.BytesIO(wav(2)), "audio/wav"))
    assert denied.value.code == "model_not_in_plan"
    make_pro(ai, acc)
    text = client.audio.transcriptions.create(model="whisper-1", file=("a.wav", io.BytesIO(wav(2)), "audio/wav"))
    assert text.text == "Sandbox transcription of 2 seconds of audio."
    month = usage(ai, acc)["month"]
    assert month["audio_seconds_used"] == 2 and month["audio_seconds_reserved"] == 0
    assert "whisper-1" in [m.id for m in client.models.list()]


def test_quota_exhausted_is_rate_limit_error_without_retries(ai):
    acc = ai.signed_in()
    client = sdk(ai, acc)
    set_limits(ai, acc.user_id, tokens_per_day=1100)
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}])
    before = usage(ai, acc)["day"]["requests"]
    started = time.monotonic()
    with pytest.raises(openai.RateLimitError) as limited:
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}])
    assert limited.value.code == "insufficient_quota"
    assert limited.value.response.headers["x-should-retry"] == "false"
    assert limited.value.request_id.startswith("req_")
    # x-should-retry: false means the client asked once, not three times.
    events = httpx.get(f"{ai.url}/v1/me/usage", headers={"Authorization": f"Bearer {acc.session.access_token}"}).json()
    assert events["day"]["requests"] == before
    assert time.monotonic() - started < 5
    # null gives the plan's allowance back.
    assert set_limits(ai, acc.user_id, tokens_per_day=None)["effective"]["tokens_per_day"] == 50000
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}])


def test_bad_token_is_authentication_error(ai):
    acc = ai.signed_in()
    bad = OpenAI(base_url=f"{ai.url}/ai/v1", api_key=acc.session.access_token[:-4] + "AAAA", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as denied:
        bad.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    assert denied.value.code == "invalid_api_key"
    with pytest.raises(openai.AuthenticationError):
        OpenAI(base_url=f"{ai.url}/ai/v1", api_key="sk-not-a-token", max_retries=0).models.list()


def test_upstream_errors_reach_the_client(ai):
    acc = ai.signed_in()
    client = sdk(ai, acc, max_retries=0)
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "x #sandbox:status=500"}])
    with pytest.raises(openai.APIError):
        list(client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "x #sandbox:fail_after=2"}], stream=True))
    assert usage(ai, acc)["day"]["tokens_reserved"] == 0


def test_what_the_bytes_do_not_bound(ai):
    """n choices, images and state kept upstream, as the official client sends them."""
    acc = ai.signed_in()
    client = sdk(ai, acc, max_retries=0)
    # Four choices of the sandbox's 12 tokens each are all counted.
    four = client.chat.completions.create(
        model="gpt-4o-mini", n=4, max_tokens=20, messages=[{"role": "user", "content": "hello"}])
    assert len(four.choices) == 4 and four.usage.completion_tokens == 48
    assert usage(ai, acc)["day"]["tokens_used"] == four.usage.total_tokens
    with pytest.raises(openai.BadRequestError) as too_many:
        client.chat.completions.create(model="gpt-4o-mini", n=129, messages=[{"role": "user", "content": "hello"}])
    assert too_many.value.param == "n"
    # One image on gpt-4o-mini may count for 48,200 tokens: not with 48,000 left for the day.
    set_limits(ai, acc.user_id, tokens_per_day=48000)
    picture = [{"role": "user", "content": [
        {"type": "text", "text": "What is on this screenshot?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/screenshot.png"}}]}]
    with pytest.raises(openai.RateLimitError) as limited:
        client.chat.completions.create(model="gpt-4o-mini", max_tokens=50, messages=picture)
    assert limited.value.code == "insufficient_quota"
    assert client.chat.completions.create(model="gpt-4.1-mini", max_tokens=50, messages=picture).choices
    # A stored response of anyone's, through the operator's key: refused before anything is spent.
    with pytest.raises(openai.BadRequestError) as stored:
        client.responses.create(model="gpt-4o-mini", input="and then?", previous_response_id="resp_of_someone_else")
    assert stored.value.code == "unsupported_parameter" and stored.value.param == "previous_response_id"
    with pytest.raises(openai.BadRequestError) as hosted:
        client.responses.create(model="gpt-4o-mini", input="news?", tools=[{"type": "web_search"}])
    assert hosted.value.code == "unsupported_parameter"
    assert usage(ai, acc)["day"]["tokens_reserved"] == 0
