"""local.py: finding the GGUF without importing its package, the server command, readiness."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading

import pytest

from assistant.errors import ProviderUnavailable
from assistant.llm import local


@pytest.fixture
def model_package(tmp_path, monkeypatch):
    package = tmp_path / "fake_smollm_pkg"
    (package / "models").mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('the model package must not be imported')\n")
    (package / "models" / "SmolLM2-135M-Instruct.Q4_K_M.gguf").write_bytes(b"GGUF")
    monkeypatch.syspath_prepend(str(tmp_path))
    return package


def test_find_model_locates_the_gguf_without_importing_the_package(model_package):
    path = local.find_model("fake_smollm_pkg")
    assert path == model_package / "models" / "SmolLM2-135M-Instruct.Q4_K_M.gguf"
    assert "fake_smollm_pkg" not in sys.modules


def test_find_model_explains_a_missing_package():
    with pytest.raises(ProviderUnavailable, match=r"pip install 'cadence\[local\]'"):
        local.find_model("no_such_model_package_xyz")


def test_find_model_explains_a_package_without_a_model(model_package):
    (model_package / "models" / "SmolLM2-135M-Instruct.Q4_K_M.gguf").unlink()
    with pytest.raises(ProviderUnavailable, match="no .gguf model file"):
        local.find_model("fake_smollm_pkg")


def test_server_listens_on_loopback_only_with_a_big_enough_context(tmp_path):
    command = local.server_command(tmp_path / "m.gguf", 8123)
    assert command[:3] == [sys.executable, "-m", "llama_cpp.server"]
    args = dict(zip(command[3::2], command[4::2], strict=True))
    assert args["--host"] == "127.0.0.1"
    assert args["--port"] == "8123"
    assert args["--model"] == str(tmp_path / "m.gguf")
    assert int(args["--n_ctx"]) >= 4200  # prompt budget 3000 + max_tokens 1200


@pytest.fixture
def models_endpoint():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            self.send_response(200 if self.path == "/v1/models" else 404)
            self.end_headers()
            self.wfile.write(b'{"data": []}')

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_wait_until_ready_returns_once_models_answers(models_endpoint):
    assert local.wait_until_ready(models_endpoint, timeout=5) < 5


def test_wait_until_ready_gives_up_after_its_timeout():
    with pytest.raises(ProviderUnavailable, match="not ready after 0.5s"):
        local.wait_until_ready(9, timeout=0.5)


def test_wait_until_ready_notices_a_server_that_died():
    dead = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    dead.wait()
    with pytest.raises(ProviderUnavailable, match="exited with code 3"):
        local.wait_until_ready(9, timeout=5, process=dead)


def test_stop_server_terminates_a_running_process():
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    local.stop_server(sleeper, grace=5)
    assert sleeper.poll() is not None
