"""Fixtures for the TLS and proxy integration tests: a throwaway PKI made with openssl
(tests/support/make_test_certs.sh), nginx as a TLS-terminating proxy in front of esim, and
tinyproxy as an HTTP proxy. All run as the current user on 127.0.0.1, with every file in
the test's temporary directory."""
import os
import shutil
import socket
import subprocess
import time

from harness import wait_for

NGINX = "/usr/sbin/nginx"
TINYPROXY = shutil.which("tinyproxy") or "/usr/bin/tinyproxy"
MAKE_CERTS = os.path.join(os.path.dirname(__file__), "..", "support", "make_test_certs.sh")


def missing_tools(*tools):
    """The tools of `tools` that are not installed (the tests skip with their names)."""
    paths = {"nginx": NGINX, "tinyproxy": TINYPROXY, "openssl": shutil.which("openssl") or ""}
    return [t for t in tools if not (paths[t] and os.access(paths[t], os.X_OK))]


def make_pki(directory):
    subprocess.run([MAKE_CERTS, directory], check=True)
    return directory


def free_port():
    """A port nothing listens on now (bound and released; the servers bind it right after)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, log_path, what):
    def up():
        if proc.poll() is not None:
            with open(log_path, "rb") as f:
                raise AssertionError(f"{what} exited with {proc.returncode}:\n"
                                     f"{f.read().decode('utf-8', 'replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            return False
    wait_for(up, 15, what=f"{what} to listen on {port}")


class Nginx:
    """nginx terminating TLS on 127.0.0.1 and proxying to `upstream` (esim's URL).

    `client_ca`: require client certificates signed by it (ssl_verify_client on).
    Every request comes on a new connection (keepalive_requests 1), so the access log's
    `reused=` field shows TLS session resumption."""

    def __init__(self, workdir, cert, key, upstream, client_ca=None, name="nginx"):
        self.dir = os.path.join(workdir, name)
        for sub in ("", "tmp"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        self.port = free_port()
        self.error_log = os.path.join(self.dir, "error.log")
        self.access_log = os.path.join(self.dir, "access.log")
        client = ""
        if client_ca:
            client = f"ssl_client_certificate {client_ca};\n    ssl_verify_client on;"
        tmp = os.path.join(self.dir, "tmp")
        conf = f"""
worker_processes 1;
error_log {self.error_log} info;
pid {self.dir}/nginx.pid;
events {{ worker_connections 64; }}
http {{
  log_format tls '$request $status reused=$ssl_session_reused proto=$ssl_protocol';
  access_log {self.access_log} tls;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  client_max_body_size 200m;
  # Bodies stay in memory: when the tests run as root, nginx's workers run as nobody and
  # cannot write into the test's private temporary directory.
  client_body_buffer_size 200m;
  proxy_buffering off;
  keepalive_requests 1;
  server {{
    listen 127.0.0.1:{self.port} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:skiff:1m;
    {client}
    location / {{
      proxy_pass {upstream};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }}
  }}
}}
"""
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        self.log = open(os.path.join(self.dir, "stdout.log"), "ab")
        self.proc = subprocess.Popen(
            [NGINX, "-c", self.conf, "-p", self.dir, "-e", self.error_log, "-g", "daemon off;"],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_listening(self.port, self.proc, self.error_log, "nginx")
        self.url = f"https://127.0.0.1:{self.port}"

    def access_lines(self):
        if not os.path.exists(self.access_log):
            return []
        with open(self.access_log) as f:
            return f.read().splitlines()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Tinyproxy:
    """tinyproxy on 127.0.0.1 allowing CONNECT to `connect_ports`; with `basic_auth`
    ("user", "password") it requires those proxy credentials."""

    def __init__(self, workdir, connect_ports=(), name="tinyproxy", basic_auth=None):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.log_path = os.path.join(self.dir, "tinyproxy.log")
        lines = [f"Port {self.port}", "Listen 127.0.0.1", "Timeout 60", "MaxClients 20",
                 "Allow 127.0.0.1", f"LogFile \"{self.log_path}\"", "LogLevel Info",
                 f"PidFile \"{self.dir}/tinyproxy.pid\"", "DisableViaHeader Yes"]
        lines += [f"ConnectPort {p}" for p in connect_ports]
        if basic_auth:
            lines.append(f"BasicAuth {basic_auth[0]} {basic_auth[1]}")
        self.conf = os.path.join(self.dir, "tinyproxy.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.out = open(os.path.join(self.dir, "stdout.log"), "ab")
        self.proc = subprocess.Popen([TINYPROXY, "-d", "-c", self.conf],
                                     stdout=self.out, stderr=subprocess.STDOUT)
        wait_listening(self.port, self.proc, os.path.join(self.dir, "stdout.log"), "tinyproxy")
        self.url = f"http://127.0.0.1:{self.port}"

    def log(self):
        if not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()


def replace_file(path, source):
    """Replaces `path` with a copy of `source` the way cert-manager does: write, rename."""
    tmp = path + ".new"
    shutil.copyfile(source, tmp)
    os.replace(tmp, path)
    # A rotation is a new inode; also make sure the mtime moves on coarse clocks.
    now = time.time()
    os.utime(path, (now, now))
