"""`postureflow dashboard --lake DIR [--port N]`: the findings dashboard without Airflow.

Serves the same app the Airflow plugin mounts, with uvicorn on 127.0.0.1 only:
there is no authentication here, so it never listens on another interface, and
requests naming another host (DNS rebinding) are refused.
"""

from __future__ import annotations

import argparse

from postureflow.cli._common import add_lake_option, lake_from

HOST = "127.0.0.1"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "dashboard", help="serve the findings dashboard on 127.0.0.1 (the Airflow plugin's app, without Airflow)"
    )
    add_lake_option(parser)
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765; 0 picks a free one)")
    parser.add_argument("--ttl", type=float, default=10.0,
                        help="seconds before the lake's partitions are listed again (default 10)")
    parser.set_defaults(func=run_dashboard)


def run_dashboard(args: argparse.Namespace) -> int:
    import uvicorn

    from postureflow.dashboard import create_app

    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port must be 0-65535, got {args.port}")
    lake = lake_from(args)
    if lake.is_local:
        import os

        if not os.path.isdir(lake.root):
            raise ValueError(f"no lake at {lake.root}: run a scan first or pass --lake DIR")
    app = create_app(lake, auth="none", ttl=args.ttl)
    config = uvicorn.Config(app, host=HOST, port=args.port, log_level="info", access_log=False)
    server = uvicorn.Server(config)
    print(f"postureflow dashboard on http://{HOST}:{args.port or '<free port>'}/ (lake {lake.location()}); "
          "Ctrl-C stops it", flush=True)
    server.run()
    return 0
