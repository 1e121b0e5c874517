import os

from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "hello"


def create_app():
    application = Flask(__name__)
    # ruleid: python-flask-debug-enabled
    application.config["DEBUG"] = True
    return application


if __name__ == "__main__":
    # ruleid: python-flask-debug-enabled
    app.run(host="0.0.0.0", port=8000, debug=True)
    # ok: python-flask-debug-enabled
    app.run(host="127.0.0.1", port=8000)
    # ok: python-flask-debug-enabled
    app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
    # ruleid: python-flask-debug-enabled
    app.debug = True
    # ok: python-flask-debug-enabled
    app.debug = False


class Tokenizer:
    def enable_tracing(self):
        # ok: python-flask-debug-enabled
        self.debug = True
