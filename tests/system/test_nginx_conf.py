"""The shipped nginx config (deploy/nginx/chatdesk.conf) passes `nginx -t`, and docs/deploy.md
shows it verbatim."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "deploy" / "nginx" / "chatdesk.conf"


def test_docs_show_the_shipped_file() -> None:
    assert CONF.read_text() in (ROOT / "docs" / "deploy.md").read_text()


def test_config_covers_the_issue_points() -> None:
    text = CONF.read_text()
    assert "client_max_body_size 160m;" in text  # above CHATDESK_MAX_UPLOAD_BODY_BYTES (150 MiB)
    assert re.search(r"location ~ .*/w/\[\^/\]\+/events", text)
    assert "return 301 https://" in text and "http2 on;" in text
    assert not re.search(r"listen[^;]*http2", text)
    assert "proxy_set_header X-Request-ID $request_id;" in text
    assert re.search(r"log_format chatdesk [^;]*\$request_id", text)
    assert "worker_shutdown_timeout" in text


def _nginx_version(nginx: str) -> tuple[int, ...]:
    out = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr
    found = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", out)
    assert found, out
    return tuple(int(g) for g in found.groups())


def _adapt(text: str, tmp: Path, version: tuple[int, ...]) -> str:
    text = (text.replace("/etc/ssl/certs/chatdesk.crt", str(tmp / "cert.pem"))
            .replace("/etc/ssl/private/chatdesk.key", str(tmp / "key.pem"))
            .replace("/var/log/nginx/", f"{tmp}/"))
    if version < (1, 25, 1):  # docs/deploy.md's note for older nginx (Debian 12 has 1.22)
        text = text.replace("    http2 on;\n", "").replace("listen 443 ssl;", "listen 443 ssl http2;")
    return text


def test_nginx_accepts_the_shipped_file(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if nginx is None or shutil.which("openssl") is None:
        pytest.skip("nginx or openssl is not installed (.ci/run installs nginx)")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=support.example.com", "-keyout", str(tmp_path / "key.pem"),
                    "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True)
    site = tmp_path / "chatdesk.conf"
    site.write_text(_adapt(CONF.read_text(), tmp_path, _nginx_version(nginx)))
    temp = "".join(f"{name}_temp_path {tmp_path}/{name};\n"
                   for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = tmp_path / "nginx.conf"
    main.write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nworker_shutdown_timeout 30s;\n"
                    f"events {{}}\nhttp {{\n{temp}access_log {tmp_path}/access.log;\ninclude {site};\n}}\n")
    done = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
