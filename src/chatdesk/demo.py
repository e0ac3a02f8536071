"""`chatdesk demo`: the whole product in one process on SQLite, wired to the sandbox.

First run seeds a workspace "Demo Shop" with an owner, an API token and three channels (a
WhatsApp number, a Messenger page, an Instagram account) whose Graph API is the in-process
sandbox, with simulated customers writing on all three; later runs reuse them (kept in the data dir's
``demo.json``, readable by this user only, because a demo must print its login again).
"""
from __future__ import annotations

import asyncio
import json
import secrets
import signal
import socket
from pathlib import Path
from typing import Any

import uvicorn
from rich.console import Console
from sqlalchemy import select

from .core.settings import Settings
from .sandbox.faults import FaultModes

PHONE_NUMBER_ID = "109876543210987"
DISPLAY = "+1 555 000 1111"
WABA_ID = "102938475610293"
OWNER = "owner@demo.shop"
# the demo's Facebook page and Instagram account (the sandbox's defaults, SPEC §4)
PAGE_ID = "104729384756102"
INSTAGRAM_ID = "17841400000000001"
SOCIAL = {"messenger": ("page_id", PAGE_ID, "Demo Shop"), "instagram": ("account_id", INSTAGRAM_ID, "demo.shop")}
OWNER_NAME = "Sam Owner"  # replies and notes are signed with it


class PortUnavailable(Exception):
    """A port the demo needs cannot be bound; the message is one line for the user."""


def _bind(host: str, port: int, what: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortUnavailable(f"cannot listen on {host}:{port} for the {what}: {exc.strerror or exc}") from None
    return sock


def bind_ports(host: str, port: int, sandbox_port: int | None) -> tuple[socket.socket, socket.socket]:
    """Bind the inbox's port and the sandbox's before anything starts, so a taken port ends the demo
    at once with one line instead of leaving it half-started. Without ``sandbox_port`` the sandbox
    takes ``port + 1`` when that is free, else any free port (the banner says which)."""
    main = _bind(host, port, "inbox (--port)")
    try:
        if sandbox_port:
            return main, _bind(host, sandbox_port, "sandbox (--sandbox-port)")
        try:
            return main, _bind(host, port + 1, "sandbox")
        except PortUnavailable:
            return main, _bind(host, 0, "sandbox")
    except PortUnavailable:
        main.close()
        raise


def run(settings: Settings, host: str, port: int, sandbox_port: int | None, customers: int,
        faults: FaultModes | None = None) -> None:
    """Raises ``PortUnavailable`` (before touching the data dir) when a port cannot be bound."""
    from .channels.keycheck import check_secret_key
    from .core.logs import setup
    from .core.migrate import upgrade

    main_sock, sandbox_sock = bind_ports(host, port, sandbox_port)
    sandbox_port = sandbox_sock.getsockname()[1]
    setup(settings.log_level, settings.log_json)
    settings.ensure_data_dir()
    upgrade(settings.db_url)
    asyncio.run(check_secret_key(settings))  # a demo's data dir whose key is gone: say so, do not reseed
    sandbox_url = f"http://{host}:{sandbox_port}"
    seed = asyncio.run(_seed(settings, sandbox_url))
    _banner(host, port, sandbox_url, seed)
    asyncio.run(_serve(settings, host, port, (main_sock, sandbox_sock), customers, seed, faults or FaultModes()))


def _load(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.exists() else None


async def _seed(settings: Settings, sandbox_url: str) -> dict[str, Any]:
    """Create the demo's workspace, owner, token and channel once; point the channel at the sandbox."""
    from . import admin
    from .channels.models import Channel
    from .core.crypto import Cipher

    path = settings.data_dir / "demo.json"
    seed = _load(path)
    if seed is None:
        seed = {"password": secrets.token_hex(6), "access_token": secrets.token_urlsafe(24),
                "app_secret": secrets.token_hex(16), "verify_token": secrets.token_urlsafe(12)}
        seed["slug"] = await admin.create_workspace(settings, "Demo Shop", migrate=False)
        await admin.create_user(settings, OWNER, seed["slug"], "owner", seed["password"], migrate=False,
                                 name=OWNER_NAME)
        seed["api_token"] = await admin.create_token(settings, seed["slug"], "demo", migrate=False)
        await admin.add_channel(settings, "whatsapp", seed["slug"], {
            "phone_number_id": PHONE_NUMBER_ID, "display_phone_number": DISPLAY, "waba_id": WABA_ID,
            "access_token": seed["access_token"], "app_secret": seed["app_secret"],
            "verify_token": seed["verify_token"], "graph_url": sandbox_url}, migrate=False)
    for kind, (field, external_id, name) in SOCIAL.items():  # a demo made before them gets them too
        if kind not in seed.get("social", []):
            await admin.add_channel(settings, kind, seed["slug"], {
                field: external_id, "name": name, "access_token": seed["access_token"],
                "app_secret": seed["app_secret"], "verify_token": seed["verify_token"],
                "graph_url": sandbox_url}, migrate=False)
            seed["social"] = [*seed.get("social", []), kind]
    path.write_text(json.dumps(seed, indent=2))
    path.chmod(0o600)

    async def repoint(session) -> None:  # the sandbox port may differ from the last run
        ids = [PHONE_NUMBER_ID, PAGE_ID, INSTAGRAM_ID]
        for channel in (await session.execute(select(Channel).where(Channel.external_id.in_(ids)))).scalars():
            channel.config = {**channel.config, "graph_url": sandbox_url}
    await admin.in_transaction(settings, repoint, migrate=False)
    Cipher(settings.encryption_key())  # fail early if the key is gone
    return seed


def _banner(host: str, port: int, sandbox_url: str, seed: dict[str, Any]) -> None:
    base = f"http://{host}:{port}"
    console = Console(soft_wrap=True)
    console.rule("[bold green]chatdesk demo")
    console.print(f"Inbox            {base}/  (sign in as [bold]{OWNER}[/] / [bold]{seed['password']}[/])")
    console.print(f"API docs         {base}/docs")
    console.print(f"API token        {seed['api_token']}")
    console.print(f"Sandbox          {sandbox_url}   (the Graph API emulator)")
    console.print(f"Customer phone   {sandbox_url}/phone   (be a WhatsApp, Messenger or Instagram customer yourself)")
    console.print(f"Try              curl -H 'Authorization: Bearer {seed['api_token']}' {base}/api/v1/conversations")
    console.print("Ctrl-C stops the demo; running it again keeps the data.")


async def _serve(settings: Settings, host: str, port: int, sockets: tuple[socket.socket, socket.socket],
                 customers: int, seed: dict[str, Any], faults: FaultModes) -> None:
    from .app import create_app
    from .sandbox.app import create_app as create_sandbox
    from .sandbox.config import SandboxConfig, SandboxNumber, SocialAccount, webhook_urls
    from .server import QuietServer

    urls = webhook_urls(f"http://{host}:{port}")
    social = [SocialAccount("messenger", PAGE_ID, name=SOCIAL["messenger"][2], access_token=seed["access_token"]),
              SocialAccount("instagram", INSTAGRAM_ID, name=SOCIAL["instagram"][2], username=SOCIAL["instagram"][2],
                            access_token=seed["access_token"])]
    sandbox = create_sandbox(SandboxConfig(
        webhook_url=urls["whatsapp"], app_secret=seed["app_secret"],
        social_accounts=social, messenger_webhook_url=urls["messenger"], instagram_webhook_url=urls["instagram"],
        verify_token=seed["verify_token"],  # the sandbox's handshake against chatdesk on start
        numbers=[SandboxNumber(PHONE_NUMBER_ID, DISPLAY.replace(" ", "").lstrip("+"), WABA_ID,
                               seed["access_token"])],
        customers=customers, customer_interval=6.0, faults=faults))
    main_sock, sandbox_sock = sockets
    quiet = QuietServer(uvicorn.Config(sandbox, host=host, port=sandbox_sock.getsockname()[1],
                                       log_level="warning", access_log=False))
    main = QuietServer(uvicorn.Config(create_app(settings), host=host, port=port, log_level="warning",
                                         access_log=False))
    def stop() -> None:
        main.should_exit = quiet.should_exit = True
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    await asyncio.gather(main.serve(sockets=[main_sock]), quiet.serve(sockets=[sandbox_sock]))
    Console().print("chatdesk demo stopped; data kept in", str(settings.data_dir))
