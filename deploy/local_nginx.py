"""The deploy template of nginx, rendered to run on one machine without root.

Used by the cluster test and the servers benchmark: both start nginx from the very
template a deployment uses (``deploy/nginx/ocop-shop.conf.template``), with local ports,
a prefix folder for its pid, logs and temporary files, and ``daemon off``.
"""

from __future__ import annotations

import shutil
import string
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def config(folder: Path, port: int, app_ports: list[int]) -> Path:
    """Write nginx.conf (and the site) into ``folder``; returns the main file."""
    template = (ROOT / "deploy" / "nginx" / "ocop-shop.conf.template").read_text()
    site = string.Template(template).safe_substitute(
        SHOP_LISTEN=f"{HOST}:{port}",
        SHOP_SERVER_NAME=HOST,
        SHOP_STATIC_ROOT=str(ROOT / "static"),
        SHOP_APP_SERVERS=" ".join(f"server {HOST}:{p} max_fails=1;" for p in app_ports),
    )
    (folder / "site.conf").write_text(site)
    main = folder / "nginx.conf"
    main.write_text(
        f"""
        worker_processes 1;
        pid {folder}/nginx.pid;
        error_log {folder}/error.log warn;
        events {{ worker_connections 512; }}
        http {{
            include /etc/nginx/mime.types;
            access_log {folder}/access.log;
            client_body_temp_path {folder}/body;
            proxy_temp_path {folder}/proxy;
            fastcgi_temp_path {folder}/fastcgi;
            uwsgi_temp_path {folder}/uwsgi;
            scgi_temp_path {folder}/scgi;
            include {folder}/site.conf;
        }}
        """
    )
    return main


def command(folder: Path, main: Path) -> list[str]:
    """The command that runs nginx in the foreground with ``main``."""
    return [binary(), "-p", str(folder), "-c", str(main), "-g", "daemon off;"]


def binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not found:
        raise FileNotFoundError("nginx is not installed (apt-get install nginx; .ci/run does it)")
    return found
