"""The ``chatdesk`` command. Thin: parse arguments, call a service, print one result.

Errors a user can fix print one line on stderr and exit with code 2, never a traceback.
"""
from __future__ import annotations

import asyncio
import inspect
import sys
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

from .core.errors import Problem
from .core.settings import Settings

T = TypeVar("T")
app = typer.Typer(help="chatdesk: customer conversations on WhatsApp and more.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
workspace_app = typer.Typer(help="Workspaces (businesses).", no_args_is_help=True)
user_app = typer.Typer(help="Users (agents, admins, owners).", no_args_is_help=True)
token_app = typer.Typer(help="REST API tokens.", no_args_is_help=True)
channel_app = typer.Typer(help="Messaging channels.", no_args_is_help=True)
events_app = typer.Typer(help="Stored webhook events.", no_args_is_help=True)
templates_app = typer.Typer(help="Message templates (WhatsApp).", no_args_is_help=True)
costs_app = typer.Typer(help="Messaging costs: budget and own rates.", no_args_is_help=True)
for sub, name in ((db_app, "db"), (workspace_app, "workspace"), (user_app, "user"), (token_app, "token"),
                  (channel_app, "channel"), (events_app, "events"), (templates_app, "templates"), (costs_app, "costs")):
    app.add_typer(sub, name=name)


Port = Annotated[int, typer.Option(min=1, max=65535, help="TCP port to listen on")]


def fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def run(fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine; turn the errors a user can act on into one line and exit code 2."""
    from sqlalchemy.exc import DBAPIError, IntegrityError

    try:
        return asyncio.run(fn())
    except Problem as exc:
        fail(exc.detail or exc.title)
    except IntegrityError as exc:
        fail(f"that conflicts with existing data ({exc.orig})")
    except DBAPIError as exc:
        fail(f"database error: {exc.orig}. Is the database reachable and migrated ('chatdesk db upgrade')?")
    except (ValueError, OSError) as exc:
        fail(str(exc))
    raise AssertionError("unreachable")


def settings() -> Settings:
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:  # a bad CHATDESK_* variable
        first = exc.errors()[0]
        name = "CHATDESK_" + "_".join(str(p) for p in first["loc"]).upper()
        fail(f"bad configuration: {name}: {first['msg'].removeprefix('Value error, ')}")
        raise


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version."""
    from .core.migrate import upgrade_and_report

    s = settings()
    s.ensure_data_dir()
    try:
        done = upgrade_and_report(s.db_url)
    except Exception as exc:
        fail(f"migration failed: {exc}")
    typer.echo(done)


@workspace_app.command("create")
def workspace_create(name: str, timezone: Annotated[str, typer.Option(
        help="IANA time zone the inbox shows times in, e.g. Europe/Amsterdam")] = "UTC") -> None:
    """Create a workspace; prints its slug."""
    from . import admin

    typer.echo(run(lambda: admin.create_workspace(settings(), name, timezone=timezone)))


@user_app.command("create")
def user_create(email: str, workspace: Annotated[str, typer.Option(help="workspace slug")],
                role: Annotated[str, typer.Option(help="owner, admin or agent")] = "agent",
                password: Annotated[str | None, typer.Option(
                    help="sign-in password (replaces an existing user's)")] = None) -> None:
    """Create a user (or add an existing one) in a workspace with a role."""
    from . import admin

    typer.echo(run(lambda: admin.create_user(settings(), email, workspace, role, password)))


@token_app.command("create")
def token_create(workspace: Annotated[str, typer.Option(help="workspace slug")],
                 name: Annotated[str, typer.Option(help="what the token is for")] = "") -> None:
    """Create a REST API token; prints it (it is shown only once)."""
    from . import admin

    typer.echo(run(lambda: admin.create_token(settings(), workspace, name)))


class _KindGroup(TyperGroup):
    """``chatdesk channel add KIND``: one subcommand per registered kind; an unknown kind is a
    usage error naming the kinds there are."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and not args[0].startswith("-") and self.get_command(ctx, args[0]) is None:
            ctx.fail(f"unknown channel kind {args[0]!r}; supported: {', '.join(self.list_commands(ctx))}")
        return super().resolve_command(ctx, args)


channel_add_app = typer.Typer(cls=_KindGroup, no_args_is_help=True,
                              help="Connect a channel to a workspace (one subcommand per kind).")
channel_app.add_typer(channel_add_app, name="add")


def _channel_add_command(kind: str) -> Callable[..., None]:
    """A ``channel add KIND`` command whose options are the kind's settings model's fields."""
    from .channels.base import InvalidSettings
    from .channels.registry import adapter_class

    adapter = adapter_class(kind)
    model = adapter.settings_model
    required = {name for name, f in model.model_fields.items() if f.is_required() or model.flag(name, "cli_required")}
    params = [inspect.Parameter("workspace", inspect.Parameter.KEYWORD_ONLY,
                                annotation=Annotated[str, typer.Option(help="workspace slug")])]
    for name, field in model.model_fields.items():
        kind_of: Any = field.annotation if field.annotation in (int, float, list[str]) else str
        default = inspect.Parameter.empty if name in required else field.get_default(call_default_factory=False)
        default = None if field.default_factory is not None and name not in required else default  # made on use
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[
            kind_of if default is not None else kind_of | None, typer.Option(help=field.description or field.title)]))

    def add(workspace: str, **values: Any) -> None:
        from . import admin

        for name in required:
            if not str(values[name]).strip():
                fail(f"--{name.replace('_', '-')} must not be empty")
        values = {k: v for k, v in values.items() if v is not None}
        try:
            adapter.validate(values)
        except InvalidSettings as exc:
            fail(f"--{exc.field.replace('_', '-')} {exc.message}")
        typer.echo(run(lambda: admin.add_channel(settings(), kind, workspace, values)))

    add.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    add.__annotations__ = {}
    add.__doc__ = f"Connect a {adapter.title} channel to a workspace."
    return add


@channel_app.command("reauth")
def channel_reauth(channel_id: Annotated[int, typer.Argument(help="the channel's id")],
                   workspace: Annotated[str, typer.Option(help="workspace slug")],
                   access_token: Annotated[str, typer.Option(help="the new access token")]) -> None:
    """Replace a channel's access token (after the provider refused it); waiting sends go out."""
    from . import admin

    if not access_token.strip():
        fail("--access-token must not be empty")
    typer.echo(run(lambda: admin.reauthorise_channel(settings(), workspace, channel_id,
                                                     {"access_token": access_token.strip()})))


@channel_app.command("limits")
def channel_limits(channel: Annotated[int, typer.Option(help="the channel's id")],
                   workspace: Annotated[str, typer.Option(help="workspace slug")],
                   tier: Annotated[str | None, typer.Option(
                       help="TIER_250, TIER_2K, TIER_10K, TIER_100K or TIER_UNLIMITED")] = None,
                   quality: Annotated[str | None, typer.Option(help="GREEN, YELLOW or RED")] = None) -> None:
    """Set a WhatsApp number's messaging limit tier and quality rating (Meta's webhooks keep them too)."""
    from . import admin

    if tier is None and quality is None:
        fail("give --tier and/or --quality")
    typer.echo(run(lambda: admin.set_channel_limits(settings(), workspace, channel, tier and tier.upper(),
                                                    quality and quality.upper())))


@costs_app.command("budget")
def costs_budget(workspace: Annotated[str, typer.Option(help="workspace slug")],
                 amount: Annotated[str | None, typer.Option(help="per month, in the rate card's currency")] = None,
                 clear: Annotated[bool, typer.Option("--clear", help="remove the budget")] = False) -> None:
    """Set the monthly budget: alerts at 80 % and 100 % (inbox banner and event)."""
    from . import admin

    if (amount is None) == (not clear):
        fail("give --amount or --clear")
    typer.echo(run(lambda: admin.set_cost_settings(settings(), workspace, budget=amount, clear_budget=clear)))


@costs_app.command("rate")
def costs_rate(workspace: Annotated[str, typer.Option(help="workspace slug")],
               market: Annotated[str, typer.Option(help="two-letter country code, or * for the rest")],
               category: Annotated[str, typer.Option(help="marketing, utility, authentication or service")],
               price: Annotated[str, typer.Option(help="per message, in the rate card's currency")],
               valid_from: Annotated[str, typer.Option("--from", help="first day it holds (YYYY-MM-DD)")]) -> None:
    """Set the workspace's own rate, over the shipped rate card."""
    from datetime import date

    from . import admin

    try:
        day = date.fromisoformat(valid_from)
    except ValueError:
        fail("--from is a date (YYYY-MM-DD)")
    typer.echo(run(lambda: admin.set_cost_settings(settings(), workspace, rate=(market, category, price, day))))


def _register_channel_kinds() -> None:
    from .channels.registry import kinds

    for kind in kinds():
        channel_add_app.command(kind)(_channel_add_command(kind))


_register_channel_kinds()


@events_app.command("replay")
def events_replay(
        since: Annotated[str, typer.Option(help="ISO 8601 time (UTC unless an offset is given) or 90m, 24h, 7d ago")],
        until: Annotated[str | None, typer.Option(help="same forms; default: now")] = None,
        workspace: Annotated[str | None, typer.Option(help="only this workspace's channels (slug)")] = None,
        now: Annotated[bool, typer.Option("--now", help="process them in this command, not by a worker")] = False
        ) -> None:
    """Process the webhook bodies received in a time range again (idempotent: nothing is doubled)."""
    from . import admin
    from .core.clock import SystemClock, parse_moment

    moment = SystemClock().now()
    try:
        start, end = parse_moment(since, moment), parse_moment(until, moment) if until else moment
    except ValueError as exc:
        fail(str(exc))
    if start >= end:
        fail("--since must be before --until (or before now)")
    typer.echo(run(lambda: admin.replay_events(settings(), start, end, workspace, run_now=now)))


sending_app = typer.Typer(help="Outbound sending: pause or resume it for every process.", no_args_is_help=True)
app.add_typer(sending_app, name="sending")


def _operator() -> str:
    """Who ran the command, as `chatdesk sending status` shows it."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container)
        import os
        user = f"uid {os.getuid()}"
    return f"{user}@{socket.gethostname()}"


@sending_app.command("pause")
def sending_pause(reason: Annotated[str | None, typer.Option(help="why (shown by `sending status`)")] = None) -> None:
    """Pause sending to customers: every process holds its send jobs within seconds (nothing is lost)."""
    from . import admin

    typer.echo(run(lambda: admin.sending(settings(), "pause", by=_operator(), reason=(reason or "").strip() or None)))


@sending_app.command("resume")
def sending_resume() -> None:
    """Resume sending: the waiting messages go out, each once."""
    from . import admin

    s = settings()
    typer.echo(run(lambda: admin.sending(s, "resume", by=_operator())))
    if s.sending_paused:
        typer.echo("note: CHATDESK_SENDING_PAUSED is set here; processes started with it pause sending again: "
                   "remove it from their environment", err=True)


@sending_app.command("status")
def sending_status() -> None:
    """Whether sending is paused, since when, by whom and why, and how many messages wait."""
    from . import admin

    typer.echo(run(lambda: admin.sending(settings(), "status", by=_operator())))


@templates_app.command("sync")
def templates_sync(workspace: Annotated[str, typer.Option(help="the workspace (slug)")]) -> None:
    """Fetch the workspace's message templates from the provider now; prints the counts."""
    from . import admin

    typer.echo(run(lambda: admin.sync_templates(settings(), workspace)))


contacts_app = typer.Typer(help="Contacts: CSV import and export.", no_args_is_help=True)
app.add_typer(contacts_app, name="contacts")


@contacts_app.command("import")
def contacts_import(file: Annotated[str, typer.Argument(help="a CSV file: name, phone, email, labels, language, "
                                                               "attribute keys")],
                    workspace: Annotated[str, typer.Option(help="workspace slug")],
                    report: Annotated[str | None, typer.Option(help="write rejected rows here (CSV: line,reason); "
                                                                    "default: stderr")] = None) -> None:
    """Import contacts from CSV, matching existing ones by phone then email; prints a summary."""
    from . import contacts_cli

    typer.echo(run(lambda: contacts_cli.import_file(settings(), workspace, file, report)))


@contacts_app.command("export")
def contacts_export(workspace: Annotated[str, typer.Option(help="workspace slug")],
                    out: Annotated[str | None, typer.Option(help="the CSV file to write; default: stdout")] = None
                    ) -> None:
    """Export the workspace's contacts as CSV."""
    from . import contacts_cli

    message = run(lambda: contacts_cli.export_file(settings(), workspace, out))
    if message:
        typer.echo(message, err=True)


@app.command()
def serve(host: str = "127.0.0.1", port: Port = 8000,
          no_worker: Annotated[bool, typer.Option("--no-worker", help="web only; run `chatdesk worker` apart")] = False
          ) -> None:
    """Run the web app (REST API, webhooks) with the job worker unless --no-worker."""
    from . import server
    from .core.crypto import BadSecretKey
    from .core.migrate import DatabaseNotReady

    try:
        server.serve(settings(), host, port, run_worker=not no_worker)
    except (DatabaseNotReady, BadSecretKey) as exc:
        fail(str(exc))


@app.command()
def worker(concurrency: Annotated[int, typer.Option(help="jobs run at once")] = 0,
           metrics_port: Annotated[int, typer.Option(help="serve Prometheus /metrics on this port (0: off)")] = 0,
           metrics_host: str = "127.0.0.1") -> None:
    """Run a job worker alone (scale-out: start as many as you need)."""
    from . import server

    if concurrency < 0:
        fail("--concurrency must be 0 (the setting's value) or more")
    if not 0 <= metrics_port < 65536:
        fail("--metrics-port must be a port number (or 0 for none)")
    from .core.crypto import BadSecretKey
    from .core.migrate import DatabaseNotReady

    try:
        server.run_worker(settings(), concurrency or None,
                          metrics=(metrics_host, metrics_port) if metrics_port else None)
    except (DatabaseNotReady, BadSecretKey) as exc:
        fail(str(exc))


ErrorRate = Annotated[float, typer.Option(min=0, max=1, help="fault mode: fraction of sends answering 131000")]
Latency = Annotated[float, typer.Option(min=0, max=120, help="fault mode: seconds added to every send")]
TimeoutRate = Annotated[float, typer.Option(min=0, max=1, help="fault mode: fraction of sends answered too late")]
Unreachable = Annotated[bool, typer.Option(help="fault mode: webhook deliveries fail and are retried")]


def _fault_modes(error_rate: float, latency: float, timeout_rate: float, webhook_unreachable: bool) -> Any:
    """The sandbox's standing fault modes from the command line (POST /_sandbox/fault-modes changes them)."""
    from .sandbox.faults import FaultModes

    return FaultModes(error_rate=error_rate, latency=latency, timeout_rate=timeout_rate,
                      webhook_unreachable=webhook_unreachable)


@app.command()
def sandbox(app_secret: Annotated[str, typer.Option(help="signs the webhooks")],
            webhook_url: Annotated[str | None, typer.Option(help="where to POST WhatsApp webhooks")] = None,
            chatdesk_url: Annotated[str | None, typer.Option(
                help="chatdesk's base URL: webhooks go to /webhooks/whatsapp, /messenger and /instagram")] = None,
            page_id: Annotated[str, typer.Option(help="the Messenger Page hosted")] = "104729384756102",
            page_token: Annotated[str | None, typer.Option(help="the Page's token; else bound on first use")] = None,
            instagram_id: Annotated[str, typer.Option(help="the Instagram account hosted")] = "17841400000000001",
            instagram_token: Annotated[str | None, typer.Option(help="else bound on first use")] = None,
            host: str = "127.0.0.1", port: Port = 8100,
            customers: Annotated[int, typer.Option(help="simulated customers writing in")] = 0,
            phone_number_id: Annotated[str | None, typer.Option(help="a business number to host")] = None,
            display_phone_number: str = "15550001111", waba_id: str = "102938475610293",
            access_token: Annotated[str | None, typer.Option(help="else bound on first use")] = None,
            rate_limit: Annotated[float, typer.Option(help="the number's messages/second (130429 above)")] = 80.0,
            verify_token: Annotated[str | None, typer.Option(help="for the verify handshake on start")] = None,
            deliver_unverified: Annotated[bool, typer.Option(help="deliver even if the handshake failed")] = False,
            error_rate: ErrorRate = 0.0, latency: Latency = 0.0, timeout_rate: TimeoutRate = 0.0,
            webhook_unreachable: Unreachable = False) -> None:
    """Run the Graph API sandbox alone: Meta's endpoints and webhooks, with simulated customers."""
    from . import server
    from .sandbox.config import SocialAccount, webhook_urls, whatsapp_webhook_url

    if webhook_url is None and chatdesk_url is None:
        fail("give --chatdesk-url (all three platforms) or --webhook-url (WhatsApp alone)")
    for url in (webhook_url, chatdesk_url):
        if url is not None and not url.startswith(("http://", "https://")):
            fail("--webhook-url and --chatdesk-url must be http(s) URLs")
    urls = webhook_urls(chatdesk_url) if chatdesk_url else {}
    social = {"messenger_webhook_url": urls.get("messenger"), "instagram_webhook_url": urls.get("instagram"),
              "public_url": f"http://{host}:{port}",
              "social_accounts": [SocialAccount("messenger", page_id, access_token=page_token),
                                  SocialAccount("instagram", instagram_id, access_token=instagram_token,
                                                username="sandbox.shop")]}
    if customers < 0:
        fail("--customers must be 0 or more")
    if rate_limit <= 0:
        fail("--rate-limit must be above zero")
    if phone_number_id is None and rate_limit != 80.0:
        fail("--rate-limit needs --phone-number-id (the number it applies to)")
    main_url = webhook_url or whatsapp_webhook_url(chatdesk_url or "")
    server.run_sandbox(host, port, main_url, app_secret, customers=customers,
                       phone_number_id=phone_number_id, social=social,
                       display_phone_number=display_phone_number, waba_id=waba_id, access_token=access_token,
                       rate_limit=rate_limit, verify_token=verify_token, deliver_unverified=deliver_unverified,
                       faults=_fault_modes(error_rate, latency, timeout_rate, webhook_unreachable))


@app.command()
def demo(host: str = "127.0.0.1", port: Port = 8000,
         sandbox_port: Annotated[int, typer.Option(min=0, max=65535,
                                              help="default: --port + 1, or a free port if that is taken")] = 0,
         customers: Annotated[int, typer.Option(help="simulated customers")] = 5,
         error_rate: ErrorRate = 0.0, latency: Latency = 0.0, timeout_rate: TimeoutRate = 0.0,
         webhook_unreachable: Unreachable = False) -> None:
    """The whole product on this machine: SQLite, the worker, the sandbox and simulated customers."""
    from . import demo as demo_mod

    if not sandbox_port and port == 65535:
        fail("--port 65535 leaves no port for the sandbox; pass --sandbox-port")
    if customers < 0:
        fail("--customers must be 0 or more")
    from .core.crypto import BadSecretKey

    try:
        demo_mod.run(settings(), host, port, sandbox_port or None, customers,
                     _fault_modes(error_rate, latency, timeout_rate, webhook_unreachable))
    except (BadSecretKey, demo_mod.PortUnavailable) as exc:
        fail(str(exc))


def main() -> None:
    try:
        code = app(standalone_mode=False)
    except KeyboardInterrupt:
        sys.exit(130)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except typer.TyperException as exc:  # the command line itself is wrong: say what, in one line
        if type(exc).__name__ == "NoArgsIsHelpError":  # a bare group: its help (printed) is the answer
            sys.exit(2)
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else "chatdesk"
        message = " ".join(exc.format_message().split())
        typer.echo(f"error: {message} (see '{where} --help')", err=True)
        sys.exit(getattr(exc, "exit_code", 2))
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
