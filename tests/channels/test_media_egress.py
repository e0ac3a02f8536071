"""Media downloads go only where they should, with the token only where it belongs (issue 12,
defect 3: SSRF through a channel's Graph URL and the media URLs it names)."""
from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from chatdesk.channels.base import Connection, PermanentChannelError
from chatdesk.channels.meta.media_egress import MediaPolicy, MediaRefused, public_address
from chatdesk.channels.setup import UNREACHABLE, check
from chatdesk.channels.whatsapp.adapter import WhatsAppAdapter
from tests.fakes.transport import HostRouter

GRAPH = "http://graph.test"
TOKEN = "the-channel-token"
META_IP = "157.240.1.1"  # an address of Meta's (public)


class FakeDns:
    """Answers from a table; a name it does not know does not resolve."""

    def __init__(self, table: dict[str, list[str]]):
        self.table, self.asked = table, []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.table:
            raise OSError(f"{host}: name not known")
        return self.table[host]


class Recorder:
    """An HTTP server that keeps the requests it got and answers with ``answer``."""

    def __init__(self, answer: Response | None = None):
        self.requests: list[dict[str, Any]] = []
        self.app = FastAPI()
        self.answer = answer or Response(b"secret internal data", media_type="image/jpeg")

        @self.app.get("/{path:path}")
        async def anything(request: Request, path: str) -> Response:
            self.requests.append({"path": path, "headers": dict(request.headers)})
            return self.answer


def graph_app(media_url: str) -> FastAPI:
    """A Graph API whose media lookup names ``media_url``; its own downloads are served too."""
    app = FastAPI()

    @app.get("/v23.0/{media_id}")
    async def info(media_id: str) -> dict[str, Any]:
        return {"messaging_product": "whatsapp", "url": media_url, "mime_type": "image/jpeg", "id": media_id}

    @app.get("/whatsapp_business/attachments/")
    async def download(request: Request) -> Response:
        assert request.headers.get("authorization") == f"Bearer {TOKEN}"
        return Response(b"graph-hosted media", media_type="image/jpeg")
    return app


@pytest.fixture
def net() -> HostRouter:
    return HostRouter()


async def fetch(net: HostRouter, media_url: str, dns: FakeDns, extra_hosts: tuple[str, ...] = ()) -> tuple[bytes, str]:
    net.mount("graph.test", graph_app(media_url))
    async with httpx.AsyncClient(transport=net) as http:
        adapter = WhatsAppAdapter(http, graph_url=GRAPH, graph_version="v23.0",
                                  media=MediaPolicy(extra_hosts, resolve=dns))
        conn = Connection("109876543210987", {}, {"access_token": TOKEN})
        return await adapter.fetch_media(conn, "1234", 10_000)


@pytest.mark.parametrize("url", ["http://internal.test/admin", "https://internal.test/admin",
                                 "http://127.0.0.1:6379/", "http://169.254.169.254/latest/meta-data/"])
async def test_media_from_a_host_that_is_not_a_media_host_is_refused_and_never_requested(net, url):
    internal = Recorder()
    for host in ("internal.test", "127.0.0.1", "169.254.169.254"):
        net.mount(host, internal.app)
    with pytest.raises(MediaRefused):
        await fetch(net, url, FakeDns({"internal.test": ["10.0.0.5"]}))
    assert internal.requests == []


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.10", "172.16.5.5", "169.254.169.254",
                                     "100.64.0.1", "::1", "fe80::1", "fc00::5", "::ffff:10.0.0.1", "0.0.0.0"])
async def test_a_meta_host_that_resolves_to_a_private_address_is_refused(net, address):
    inside = Recorder()
    net.mount(address, inside.app)
    with pytest.raises(MediaRefused):
        await fetch(net, "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1",
                    FakeDns({"lookaside.fbsbx.com": [META_IP, address]}))
    assert inside.requests == []


async def test_lookaside_gets_the_token_at_the_address_that_was_checked(net):
    meta = Recorder()
    net.mount(META_IP, meta.app)
    data, mime = await fetch(net, "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1",
                             FakeDns({"lookaside.fbsbx.com": [META_IP]}))
    assert (data, mime) == (b"secret internal data", "image/jpeg")
    (request,) = meta.requests
    assert request["headers"]["authorization"] == f"Bearer {TOKEN}"  # SPEC §2.5: Meta requires it there
    assert request["headers"]["host"] == "lookaside.fbsbx.com"


async def test_cdn_and_operator_hosts_never_get_the_token(net):
    cdn = Recorder()
    net.mount(META_IP, cdn.app)
    dns = FakeDns({"scontent.xx.fbcdn.net": [META_IP], "media.example.com": [META_IP]})
    await fetch(net, "https://scontent.xx.fbcdn.net/v/t1/photo.jpg", dns)
    await fetch(net, "https://media.example.com/file.jpg", dns, extra_hosts=("media.example.com",))
    assert [r["headers"].get("authorization") for r in cdn.requests] == [None, None]
    with pytest.raises(MediaRefused):  # not on the operator's list: not fetched at all
        await fetch(net, "https://media.example.com/file.jpg", dns)


async def test_the_operators_graph_host_is_trusted_even_on_loopback(net):
    data, _ = await fetch(net, f"{GRAPH}/whatsapp_business/attachments/?mid=1", FakeDns({}))
    assert data == b"graph-hosted media"
    policy = MediaPolicy(resolve=FakeDns({}))
    local = await policy.request("http://127.0.0.1:8090/whatsapp_business/x", "http://127.0.0.1:8090", TOKEN)
    assert local.headers == {"Authorization": f"Bearer {TOKEN}"}
    with pytest.raises(MediaRefused):  # same address, another port: not the Graph host
        await policy.request("http://127.0.0.1:6379/", "http://127.0.0.1:8090", TOKEN)


async def test_a_redirect_is_not_followed(net):
    inside = Recorder()
    net.mount("internal.test", inside.app)
    meta = Recorder(Response(status_code=302, headers={"location": "http://internal.test/admin"}))
    net.mount(META_IP, meta.app)
    with pytest.raises(PermanentChannelError):
        await fetch(net, "https://lookaside.fbsbx.com/x", FakeDns({"lookaside.fbsbx.com": [META_IP]}))
    assert len(meta.requests) == 1 and inside.requests == []


def test_public_addresses():
    assert public_address("157.240.1.1") and public_address("2a03:2880:f12f:83:face:b00c::25de")
    for private in ("127.0.0.1", "10.0.0.1", "::1", "::ffff:192.168.1.1", "224.0.0.1", "not an address"):
        assert not public_address(private)


async def test_a_failed_credential_check_says_nothing_of_what_answered(bare):
    """Whatever the network answered (a closed port, a service speaking another protocol), the
    admin reads one sentence; only the provider's own error envelope is shown as it is."""
    for conn_graph in ("http://nowhere.test", "http://chatdesk.test"):  # no server; a server that is not Graph
        conn = Connection("109876543210987", {"graph_url": conn_graph}, {"access_token": TOKEN})
        health = await check(bare.rt.registry, "whatsapp", conn, bare.clock.now())
        assert health["status"] == "error" and health["error"] == UNREACHABLE
