"""Command-line tasks: ``flask --app wsgi seed-demo`` and friends. One commit per command."""

from __future__ import annotations

import time

import click
from flask import Flask, current_app

from shop.extensions import db
from shop.services import demo


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)


@click.command("seed-demo")
@click.option(
    "--synthetic",
    type=click.IntRange(min=0),
    default=0,
    help="Also make sure this many generated products exist (for scale work).",
)
def seed_demo_command(synthetic: int) -> None:
    """Load the demo cooperatives and products (safe to run again)."""
    if current_app.config["SHOP_CONFIG"] == "production":
        raise click.ClickException("seed-demo refuses to run with the production configuration.")
    started = time.perf_counter()
    count = demo.seed_demo()
    db.session.commit()
    click.echo(f"Demo catalog ready: {count} producers.")
    if synthetic:
        added = demo.seed_synthetic(synthetic)
        db.session.commit()
        click.echo(f"Synthetic products: {added} added, {synthetic} wanted.")
    click.echo(f"Done in {time.perf_counter() - started:.1f} s.")
