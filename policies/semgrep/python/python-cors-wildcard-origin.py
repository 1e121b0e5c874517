from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from flask import Flask
from flask_cors import CORS, cross_origin

app = Flask(__name__)
# ruleid: python-cors-wildcard-origin
CORS(app, origins="*", supports_credentials=True)

# ruleid: python-cors-wildcard-origin
CORS(app, resources={r"/api/*": {"origins": "*"}})

# ok: python-cors-wildcard-origin
CORS(app, origins=["https://app.example.com", "https://admin.example.com"])

# ok: python-cors-wildcard-origin
CORS(app, resources={r"/api/*": {"origins": ["https://app.example.com"]}})


@app.route("/public")
# ruleid: python-cors-wildcard-origin
@cross_origin(origins="*")
def public():
    return {"ok": True}


api = FastAPI()
# ruleid: python-cors-wildcard-origin
api.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
    allow_methods=["*"],
)

# ok: python-cors-wildcard-origin
api.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com"],
    allow_credentials=True,
    allow_methods=["GET", "POST"],
)
