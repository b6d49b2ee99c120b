"""The offline embedder gives real vectors: related texts score above unrelated ones."""

from __future__ import annotations

import json

import httpx
import numpy as np
import pytest

from assistant.core import embeddings
from assistant.core.embeddings import OpenAIEmbedder, cosine, get_embedder


@pytest.fixture(scope="module")
def embedder():
    return embeddings.OnnxEmbedder()


def test_shape_and_norm(embedder):
    vecs = embedder.embed(["TACOS rose this week", "", "x" * 5000])
    assert len(vecs) == 3 and all(len(v) == 384 for v in vecs)
    for v in vecs:
        assert abs(float(np.linalg.norm(v)) - 1.0) < 1e-4
    assert embedder.embed([]) == []


@pytest.mark.parametrize(
    ("anchor", "related", "unrelated"),
    [
        ("Supplier delays held up the hero SKU restock",
         "Our vendor shipped late again so inventory ran short",
         "We launched three new ad creatives for the summer sale"),
        ("Customers keep contacting support twice about the same refund",
         "Repeat contacts are rising because tickets are closed before they are solved",
         "Organic rank on the priority keyword moved to page one"),
        ("How do I tell if a KPI is a vanity metric?",
         "Vanity metrics such as sessions and followers look good but guide no decision",
         "The warehouse received the pallet with damaged cartons"),
    ],
)
def test_related_texts_score_higher(embedder, anchor, related, unrelated):
    a, r, u = embedder.embed([anchor, related, unrelated])
    assert cosine(a, r) > cosine(a, u) + 0.1


def test_batching_does_not_change_vectors(embedder):
    texts = [f"check-in {i}: " + "supplier delay " * (i % 7) for i in range(70)]
    batched = np.array(embedder.embed(texts))
    single = np.array([embedder.embed([t])[0] for t in texts[:5]])
    assert np.allclose(batched[:5], single, atol=1e-4)


def test_get_embedder_is_cached_and_offline_by_default():
    assert get_embedder() is get_embedder()
    assert get_embedder().model_id == embeddings.ONNX_MODEL_ID


def test_openai_compatible_endpoint(monkeypatch):
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen["auth"] = request.headers.get("authorization")
        seen["url"] = str(request.url)
        data = [{"index": i, "embedding": [3.0, 4.0]} for i, _ in enumerate(body["input"])]
        return httpx.Response(200, json={"data": list(reversed(data))})

    emb = OpenAIEmbedder("http://127.0.0.1:9/v1", "m", "k", transport=httpx.MockTransport(handler))
    vecs = emb.embed(["a", "b", "c"])
    assert np.allclose(vecs, [[0.6, 0.8]] * 3)
    assert seen == {"auth": "Bearer k", "url": "http://127.0.0.1:9/v1/embeddings"}
    assert emb.dimension == 2 and emb.model_id == "openai-m"


def test_openai_endpoint_failure_is_typed():
    emb = OpenAIEmbedder("http://127.0.0.1:9/v1", "m", None,
                         transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    with pytest.raises(embeddings.EmbeddingUnavailable):
        emb.embed(["a"])


def test_settings_select_the_endpoint(monkeypatch):
    monkeypatch.setenv("CADENCE_EMBEDDINGS_BASE_URL", "http://127.0.0.1:9/v1")
    from assistant.settings import get_settings

    get_settings.cache_clear()
    get_embedder.cache_clear()
    try:
        assert isinstance(get_embedder(), OpenAIEmbedder)
    finally:
        get_embedder.cache_clear()


def test_each_distinct_text_is_run_once_in_batches_sorted_by_token_count(embedder, monkeypatch):
    widths: list[list[int]] = []
    real = embedder._run

    def spy(ids):
        widths.append(sorted(len(x) for x in ids))
        return real(ids)

    monkeypatch.setattr(embedder, "_run", spy)
    texts = ["supplier delay " * (i % 9 + 1) for i in range(100)]  # 9 distinct texts
    vecs = embedder.embed_array(texts)
    assert sum(len(w) for w in widths) == 9
    lengths = [n for w in widths for n in w]
    assert lengths == sorted(lengths)
    assert np.array_equal(vecs[0], vecs[9]) and not np.array_equal(vecs[0], vecs[1])


def test_workers_do_not_change_vectors(embedder):
    texts = [f"check-in {i}: " + "the factory is late " * (i % 5) for i in range(150)]
    one = embeddings.OnnxEmbedder(workers=1).embed_array(texts)
    assert np.allclose(one, embedder.embed_array(texts), atol=1e-5)
