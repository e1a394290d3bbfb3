"""The smallest Flask app: the ceiling the shop's pages are compared with."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def ok() -> str:
    return "ok"
