"""Fixtures for the auth integration tests: an RS256 JWT issuer (keys made with the
`openssl` command line, published as a JWKS file esim verifies against) and an OAuth 2.0
client-credentials token endpoint that can be down or answer garbage on command."""
import base64
import http.server
import json
import os
import socket
import subprocess
import threading
import time
import urllib.parse


def b64url(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class JwtIssuer:
    """Signs RS256 JWTs with a fresh 2048-bit key; `jwks_path` holds its public half."""

    def __init__(self, workdir, audience="https://es.skiff.test", issuer="https://idp.skiff.test"):
        self.audience, self.issuer = audience, issuer
        self.key_path = os.path.join(workdir, "jwt-signing.key")
        subprocess.run(["openssl", "genrsa", "-out", self.key_path, "2048"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out = subprocess.run(["openssl", "rsa", "-in", self.key_path, "-noout", "-modulus"],
                             check=True, capture_output=True, text=True).stdout
        modulus = bytes.fromhex(out.strip().split("=", 1)[1])
        self.jwks_path = os.path.join(workdir, "jwks.json")
        with open(self.jwks_path, "w") as f:
            json.dump({"keys": [{"kty": "RSA", "kid": "skiff-test", "alg": "RS256", "use": "sig",
                                 "n": b64url(modulus), "e": b64url(b"\x01\x00\x01")}]}, f)
        self.issued = 0

    def esim_args(self, allowed_clock_skew_s=0):
        return ("--auth", "bearer-jwt", "--jwks", self.jwks_path, "--audience", self.audience,
                "--issuer", self.issuer, "--allowed-clock-skew-s", str(allowed_clock_skew_s))

    def token(self, lifetime_s, subject="system:serviceaccount:logging:skiff"):
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "kid": "skiff-test"}
        claims = {"iss": self.issuer, "sub": subject, "aud": [self.audience], "iat": now,
                  "nbf": now, "exp": now + lifetime_s}
        signing_input = b64url(json.dumps(header)) + "." + b64url(json.dumps(claims))
        signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key_path],
                                   input=signing_input.encode(), check=True,
                                   capture_output=True).stdout
        self.issued += 1
        return signing_input + "." + b64url(signature)

    def write_token_file(self, path, lifetime_s):
        """Replaces `path` atomically, as the kubelet does, with a new token."""
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(self.token(lifetime_s))
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)


def free_port():
    """A loopback port nobody listens on (for an endpoint that is down at start)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TokenEndpoint:
    """RFC 6749 client-credentials token endpoint on 127.0.0.1 issuing JWTs from `issuer`.

    `mode` (settable at any time): "ok", or garbage for the client to survive: "html" (a 200
    with an HTML page), "truncated" (a 200 with half a JSON object), "no_token" (a 200 JSON
    object without access_token), "huge" (a 200 with a 64 MiB body), "error_503"."""

    def __init__(self, issuer, client_id, client_secret, lifetime_s=30, port=0, tls=None):
        """`tls`: an ssl.SSLContext to serve https with; plain http without."""
        self.issuer, self.client_id, self.client_secret = issuer, client_id, client_secret
        self.lifetime_s = lifetime_s
        self.mode = "ok"
        self.requests = 0
        self.tokens_issued = 0
        self.lock = threading.Lock()
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body, content_type="application/json"):
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                with endpoint.lock:
                    endpoint.requests += 1
                    mode = endpoint.mode
                if self.path != "/oauth2/token":
                    return self.reply(404, '{"error":"not_found"}')
                if mode == "error_503":
                    return self.reply(503, '{"error":"temporarily_unavailable"}')
                if mode == "html":
                    return self.reply(200, "<html><body><h1>Sign in</h1></body></html>", "text/html")
                if mode == "truncated":
                    return self.reply(200, '{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJz')
                if mode == "no_token":
                    return self.reply(200, '{"token_type":"Bearer","expires_in":30}')
                if mode == "huge":
                    return self.reply(200, b'{"padding":"' + b"x" * (64 << 20) + b'"}')
                expected = "Basic " + base64.b64encode(
                    f"{endpoint.client_id}:{endpoint.client_secret}".encode()).decode()
                if form.get("grant_type") != ["client_credentials"]:
                    return self.reply(400, '{"error":"unsupported_grant_type"}')
                if self.headers.get("Authorization") != expected:
                    return self.reply(401, '{"error":"invalid_client"}')
                token = endpoint.issuer.token(endpoint.lifetime_s)
                with endpoint.lock:
                    endpoint.tokens_issued += 1
                self.reply(200, json.dumps({"access_token": token, "token_type": "Bearer",
                                            "expires_in": endpoint.lifetime_s}))

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}/oauth2/token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def set_mode(self, mode):
        with self.lock:
            self.mode = mode
            self.requests = 0

    def request_count(self):
        with self.lock:
            return self.requests

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
