"""The one settings class. Nothing else in the project reads ``os.environ``.

Every value comes from an environment variable prefixed ``CADENCE_`` (or a ``.env``
file); tests override them by clearing the ``get_settings`` cache.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CADENCE_", env_file=".env", extra="ignore")

    home: Path = Field(Path("./var"), description="Data folder: SQLite file, Chroma index, caches.")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite in CADENCE_HOME.")
    secret_key: str | None = Field(None, description="Signs session cookies; generated into HOME if unset.")
    cookie_secure: bool = Field(False, description="Send the session cookie over HTTPS only (set behind TLS).")
    public_url: str = Field("http://127.0.0.1:8000", description="Base URL printed in sign-in links.")

    # Retrieval
    chroma_url: str | None = Field(None, description="Chroma server URL; unset = embedded client in HOME.")
    knowledge_dir: Path = Field(PROJECT_ROOT / "knowledge", description="Playbook and KPI catalog.")
    extra_knowledge_dir: Path | None = Field(None, description="A team's own playbook markdown files.")
    embeddings_base_url: str | None = Field(None, description="OpenAI-compatible embeddings endpoint.")
    embeddings_model: str = "text-embedding-3-small"
    indexer: Literal["thread", "off"] = Field(
        "thread", description="thread: the server drains the outbox itself; off: run `cadence indexer`."
    )

    # LLM
    llm: Literal["offline", "openai", "langchain", "local"] | None = Field(
        None, description="Provider; default openai when a base URL or key is set, else offline."
    )
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: str | None = Field(
        None, validation_alias=AliasChoices("CADENCE_LLM_API_KEY", "OPENAI_API_KEY")
    )
    llm_timeout: float = Field(60.0, gt=0, description="Seconds per LLM call.")
    llm_max_retries: int = Field(2, ge=0, le=5, description="Retries per LLM call (SDK's own).")
    llm_max_tokens: int = Field(1200, gt=0, le=16000)
    llm_structured: Literal["auto", "json_schema", "json_mode", "tools"] = "auto"
    local_port: int = 8088
    prompt_budget: int = Field(3000, ge=500, le=100000, description="Max prompt tokens per draft.")

    today: date | None = Field(None, description="Pin today's date (evals, demos, tests); unset = the clock.")

    # Limits
    draft_rate_limit: int = Field(30, ge=1, description="Draft requests per user per minute.")
    redis_url: str | None = Field(None, description="Shared store for rate limits across workers.")
    report_max_mb: int = Field(100, ge=1, le=2000, description="Largest seller-report upload, in MB (413 past it).")
    max_body_bytes: int = Field(5 * 1024 * 1024, ge=1024, description="Largest request body outside the "
                                "seller-report upload, in bytes (413 before the rest is read).")
    session_idle_hours: float = Field(12, gt=0, le=24 * 90, description="A web session ends after this long unused.")
    session_max_days: float = Field(7, gt=0, le=365, description="A web session ends this long after sign-in.")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'cadence.db').resolve()}"

    @property
    def llm_provider(self) -> str:
        if self.llm:
            return self.llm
        return "openai" if (self.llm_base_url or self.llm_api_key) else "offline"


@lru_cache
def get_settings() -> Settings:
    return Settings()

