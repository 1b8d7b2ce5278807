"""``holdtrack server``: the clinic server (API and therapists' dashboard) on a library."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from holdtrack.commands.base import EXIT_OK, CliError

log = logging.getLogger("holdtrack")

DESCRIPTION = (
    "Run the clinic server on a session library: the HTTP API that patients' machines link to "
    "and upload to, and the therapists' dashboard (login required; each therapist sees only "
    "their patients). Create the administrator first with 'holdtrack clinic setup'. Listens on "
    "127.0.0.1 unless told otherwise; elsewhere it needs TLS, or --insecure-http behind a TLS "
    "proxy."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``server``."""
    p.add_argument("--library", type=Path, required=True, help="the clinic's library folder")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8600, help="API port (default 8600)")
    p.add_argument("--dashboard-port", type=int, default=8601, help="dashboard port (8601)")
    p.add_argument("--name", default="the clinic", help="the clinic's name, shown to patients")
    p.add_argument("--tls-cert", type=Path, help="TLS certificate (PEM)")
    p.add_argument("--tls-key", type=Path, help="TLS private key (PEM)")
    p.add_argument(
        "--insecure-http",
        action="store_true",
        help="allow plain HTTP on a non-loopback address (only behind a TLS reverse proxy)",
    )
    p.add_argument("--no-dashboard", action="store_true", help="run the API alone")


def run(args: argparse.Namespace) -> int:
    """Serve until stopped."""
    from holdtrack.server.run import ServeError, ServeOptions, checked, serve

    opts = ServeOptions(
        library=args.library, host=args.host, port=args.port,
        dashboard_port=args.dashboard_port, name=args.name, tls_cert=args.tls_cert,
        tls_key=args.tls_key, insecure_http=args.insecure_http, dashboard=not args.no_dashboard,
    )  # fmt: skip
    try:
        checked(opts)
    except ServeError as exc:
        raise CliError(f"server: {exc}") from exc
    log.info("holdtrack clinic server: API %s://%s:%d%s", opts.scheme, opts.host, opts.port,
             "" if args.no_dashboard else
             f", dashboard {opts.scheme}://{opts.host}:{opts.dashboard_port}")  # fmt: skip
    serve(opts)
    return EXIT_OK
