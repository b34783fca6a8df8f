"""The baseline for downloads: a bare Flask app with one "hello" route, served like the app."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello"
