"""Where media may be downloaded from, and with which credentials (issue 12, defect 3: SSRF).

A media URL comes from the provider's answer, so it is checked like any outside input:

- the channel's Graph host (operator configuration: ``CHATDESK_GRAPH_URL`` or the CLI's
  ``--graph-url``) is trusted as configured, loopback included (the sandbox runs there), and
  gets the access token;
- Meta's documented media hosts: ``lookaside.fbsbx.com`` (WhatsApp downloads; SPEC §2.5: "with
  the same Authorization: Bearer header", so it gets the token) and ``*.fbcdn.net`` (Messenger and
  Instagram attachments: signed CDN links, no token);
- hosts the operator adds (``CHATDESK_MEDIA_HOSTS``), which never get the token;
- anything else is refused. A permitted host other than the Graph host must be https and resolve
  only to public addresses, and the request goes to the address that was checked (DNS cannot
  change its answer between the check and the connection). Redirects are not followed.
"""
from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import httpx

from ..base import PermanentChannelError

TOKEN_HOSTS = frozenset({"lookaside.fbsbx.com"})
CDN_SUFFIXES = (".fbcdn.net",)

Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class MediaRefused(PermanentChannelError):
    """A media URL outside the allowed hosts or addresses (the detail says which, for logs)."""

    def __init__(self, detail: str):
        super().__init__("media URL refused", detail=detail)


@dataclass(frozen=True)
class MediaRequest:
    """One checked download: where to connect, what to send."""

    url: httpx.URL
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, str] = field(default_factory=dict)


def public_address(text: str) -> bool:
    """Reachable on the internet: not private, loopback, link-local, shared, reserved or multicast."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


class MediaPolicy:
    def __init__(self, extra_hosts: Iterable[str] = (), resolve: Resolver = system_resolve):
        self.extra_hosts = frozenset(h.strip().lower().rstrip(".") for h in extra_hosts if h.strip())
        self.resolve = resolve

    async def request(self, url: str, graph_url: str, token: str) -> MediaRequest:
        """How to download ``url`` for a channel whose Graph API is at ``graph_url``; raises
        ``MediaRefused`` when it may not be downloaded at all."""
        try:
            target, graph = httpx.URL(url), httpx.URL(graph_url)
        except httpx.InvalidURL:
            raise MediaRefused("not a URL") from None
        bearer = {"Authorization": f"Bearer {token}"}
        if (target.scheme, target.host, target.port) == (graph.scheme, graph.host, graph.port):
            return MediaRequest(target, bearer)
        host = target.host.lower().rstrip(".")
        if target.scheme != "https":
            raise MediaRefused(f"{target.scheme}:// to {host}")
        with_token = host in TOKEN_HOSTS
        if not (with_token or host.endswith(CDN_SUFFIXES) or host in self.extra_hosts):
            raise MediaRefused(f"host {host} is not a media host")
        address = await self._public_address(host, target.port or 443)
        pinned = target.copy_with(host=address)
        headers = {"Host": target.netloc.decode("ascii"), **(bearer if with_token else {})}
        return MediaRequest(pinned, headers, {"sni_hostname": host})

    async def _public_address(self, host: str, port: int) -> str:
        try:
            addresses = await self.resolve(host, port)
        except OSError:
            raise MediaRefused(f"{host} does not resolve") from None
        if not addresses or not all(public_address(a) for a in addresses):
            raise MediaRefused(f"{host} resolves to a non-public address")
        return addresses[0].split("%", 1)[0]
